#include "ui/charts/MultiplesChart.h"

#include "export/Format.h"
#include "export/ResultFigures.h"
#include "ui/charts/ChartStyle.h"

#include <QBarCategoryAxis>
#include <QBoxPlotSeries>
#include <QBoxSet>
#include <QChart>
#include <QEvent>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

MultiplesChart::MultiplesChart(QWidget *parent)
    : QChartView(parent)
{
    setObjectName(u"multiplesChart"_s);
    setAccessibleName(tr("Multiples against the sector"));
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(220);
}

void MultiplesChart::setData(const nlohmann::json &result, const ChartData::SectorSpread &spread)
{
    m_result = result;
    m_spread = spread;
    rebuild();
}

void MultiplesChart::changeEvent(QEvent *event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        rebuild();
}

void MultiplesChart::rebuild()
{
    auto *chart = new QChart;
    chart->setTitle(m_spread.sector.isEmpty() ? tr("Multiples") : tr("Multiples in %1").arg(m_spread.sector));
    const QStringList categories { tr("SDE ×"), tr("Revenue ×") };
    const std::optional<ChartData::Spread> spreads[2] = { m_spread.sde, m_spread.revenue };
    const nlohmann::json benchmark
        = m_result.is_object() && m_result.contains("benchmark") ? m_result["benchmark"] : nlohmann::json();
    const std::optional<double> listing[2]
        = { ResultFigures::metric(m_result, u"sdeMultiple"_s), ResultFigures::metric(m_result, u"revenueMultiple"_s) };
    const std::optional<double> published[2]
        = { ResultFigures::number(benchmark, "sdeMultiple"), ResultFigures::number(benchmark, "revenueMultiple") };

    QStringList lines;
    double top = 0;
    auto *box = new QBoxPlotSeries;
    box->setName(tr("Sector among loaded listings"));
    for (int i = 0; i < 2; ++i) {
        auto *set = new QBoxSet(categories.at(i));
        if (spreads[i] && spreads[i]->count >= 3) {
            const auto &s = *spreads[i];
            set->setValue(QBoxSet::LowerExtreme, s.min);
            set->setValue(QBoxSet::LowerQuartile, s.q1);
            set->setValue(QBoxSet::Median, s.median);
            set->setValue(QBoxSet::UpperQuartile, s.q3);
            set->setValue(QBoxSet::UpperExtreme, s.max);
            // Extremes of real listings run far out; the quartiles are what the eye needs.
            top = std::max(top, std::min(s.max, s.q3 + 3 * (s.q3 - s.q1)));
            lines << tr("%1 in the sector: median %2, middle half %3–%4 (%n listings)", nullptr, s.count)
                         .arg(categories.at(i), formatMultiple(s.median), formatMultiple(s.q1), formatMultiple(s.q3));
        }
        box->append(set);
    }
    QColor boxColor = ChartStyle::muted(palette());
    boxColor.setAlpha(110);
    box->setBrush(boxColor);
    chart->addSeries(box);

    auto *ours = new QScatterSeries;
    ours->setName(tr("This listing"));
    ours->setMarkerSize(14);
    ours->setColor(ChartStyle::accent(palette()));
    auto *theirs = new QScatterSeries;
    theirs->setName(tr("Published benchmark"));
    theirs->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    theirs->setMarkerSize(12);
    theirs->setColor(ChartStyle::warning(palette()));
    for (int i = 0; i < 2; ++i) {
        if (listing[i]) {
            ours->append(i, *listing[i]);
            top = std::max(top, *listing[i]);
            lines << tr("%1 of this listing: %2").arg(categories.at(i), formatMultiple(*listing[i]));
        }
        if (published[i]) {
            theirs->append(i, *published[i]);
            top = std::max(top, *published[i]);
            lines << tr("%1 published benchmark: %2").arg(categories.at(i), formatMultiple(*published[i]));
        }
    }
    chart->addSeries(ours);
    chart->addSeries(theirs);

    auto *x = new QBarCategoryAxis;
    x->append(categories);
    auto *y = new QValueAxis;
    y->setRange(0, top > 0 ? top * 1.1 : 1);
    y->setLabelFormat(u"%.1f×"_s);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (QAbstractSeries *s : chart->series()) {
        s->attachAxis(x);
        s->attachAxis(y);
    }
    chart->legend()->setAlignment(Qt::AlignBottom);
    ChartStyle::apply(chart, palette());
    QChart *old = this->chart();
    setChart(chart);
    delete old;
    m_description = lines.join(u'\n');
    setToolTip(m_description);
}

} // namespace dealscope::ui
