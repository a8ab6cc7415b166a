#include "ui/charts/ScanScatterChart.h"

#include "export/Format.h"
#include "ui/charts/ChartStyle.h"

#include <QChart>
#include <QEvent>
#include <QScatterSeries>
#include <QToolTip>
#include <QValueAxis>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

ScanScatterChart::ScanScatterChart(QWidget *parent)
    : QChartView(parent)
{
    setObjectName(u"scanScatter"_s);
    setAccessibleName(tr("Market scan: score against asking premium"));
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(200);
}

void ScanScatterChart::setRanking(const QList<RankedListing> &ranking, double targetDscr)
{
    m_ranking = ranking;
    m_target = targetDscr;
    rebuild();
}

void ScanScatterChart::changeEvent(QEvent *event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        rebuild();
}

void ScanScatterChart::rebuild()
{
    auto *chart = new QChart;
    auto *meets = new QScatterSeries;
    meets->setName(tr("DSCR meets %1").arg(QString::number(m_target, 'f', 2)));
    meets->setColor(ChartStyle::accent(palette()));
    meets->setMarkerSize(7);
    meets->setBorderColor(Qt::transparent);
    auto *below = new QScatterSeries;
    below->setName(tr("DSCR below or unknown"));
    below->setColor(ChartStyle::warning(palette()));
    below->setMarkerSize(7);
    below->setBorderColor(Qt::transparent);
    // One QList each, appended at once: 10,000 points one by one would redraw 10,000 times.
    QList<QPointF> good, bad;
    QHash<QString, QString> names; // "x,y" → listing, for the tooltips
    double minX = 0, maxX = 0;
    int plottable = 0;
    for (const RankedListing &r : std::as_const(m_ranking)) {
        if (!r.hasResult() || !r.score || !r.askingPremium)
            continue;
        if (++plottable > kMaxPoints)
            continue;
        const QPointF p(*r.askingPremium * 100.0, *r.score);
        minX = std::min(minX, p.x());
        maxX = std::max(maxX, p.x());
        (r.dscr && *r.dscr >= m_target ? good : bad).append(p);
        names.insert(u"%1,%2"_s.arg(p.x()).arg(p.y()), r.listingId + u" "_s + r.title);
    }
    meets->replace(good);
    below->replace(bad);
    m_points = int(good.size() + bad.size());
    chart->setTitle(plottable > m_points
            ? tr("Score against asking premium vs sector: best %1 of %2").arg(m_points).arg(plottable)
            : tr("Score against asking premium vs sector"));
    chart->addSeries(meets);
    chart->addSeries(below);
    auto *x = new QValueAxis;
    x->setTitleText(tr("Asking premium vs sector (%)"));
    // Outliers (a listing at 20× its sector) would squeeze everyone else into one column.
    x->setRange(std::max(minX, -100.0) - 5, std::min(maxX, 300.0) + 5);
    auto *y = new QValueAxis;
    y->setTitleText(tr("Score"));
    y->setRange(0, 100);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (QScatterSeries *s : { meets, below }) {
        s->attachAxis(x);
        s->attachAxis(y);
        connect(s, &QScatterSeries::hovered, this, [names](const QPointF &p, bool state) {
            if (state)
                QToolTip::showText(QCursor::pos(), names.value(u"%1,%2"_s.arg(p.x()).arg(p.y())));
        });
    }
    chart->legend()->setAlignment(Qt::AlignBottom);
    ChartStyle::apply(chart, palette());
    QChart *old = this->chart();
    setChart(chart);
    delete old;
}

QString ScanScatterChart::title() const
{
    return chart() ? chart()->title() : QString();
}

} // namespace dealscope::ui
