#include "ui/charts/SensitivityHeatMap.h"

#include "export/Format.h"
#include "ui/charts/ChartStyle.h"

#include <QAreaSeries>
#include <QCategoryAxis>
#include <QChart>
#include <QEvent>
#include <QLineSeries>
#include <QToolTip>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

SensitivityHeatMap::SensitivityHeatMap(QWidget *parent)
    : QChartView(parent)
{
    setObjectName(u"sensitivityHeatMap"_s);
    setAccessibleName(tr("Financing sensitivity"));
    setMinimumHeight(220);
}

void SensitivityHeatMap::setData(const ChartData::Sensitivity &sensitivity, double targetDscr)
{
    m_data = sensitivity;
    m_target = targetDscr;
    rebuild();
}

void SensitivityHeatMap::changeEvent(QEvent *event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        rebuild();
}

void SensitivityHeatMap::rebuild()
{
    auto *chart = new QChart;
    chart->setTitle(tr("DSCR by interest rate and down payment (target %1)").arg(QString::number(m_target, 'f', 2)));
    chart->legend()->hide();
    m_cells = 0;
    QStringList lines;
    auto *x = new QCategoryAxis;
    auto *y = new QCategoryAxis;
    x->setTitleText(tr("Down payment"));
    y->setTitleText(tr("Interest rate"));
    x->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    y->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    const int columns = int(m_data.downPayments.size());
    const int rows = int(m_data.rates.size());
    x->setRange(0, std::max(1, columns));
    y->setRange(0, std::max(1, rows));
    for (int c = 0; c < columns; ++c)
        x->append(formatPercent(m_data.downPayments.at(c)), c + 0.5);
    for (int r = 0; r < rows; ++r)
        y->append(formatPercent(m_data.rates.at(r)), r + 0.5);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < columns; ++c) {
            const std::optional<double> v = m_data.dscr.value(r).value(c);
            auto *upper = new QLineSeries;
            auto *lower = new QLineSeries;
            upper->append(c + 0.03, r + 0.97);
            upper->append(c + 0.97, r + 0.97);
            lower->append(c + 0.03, r + 0.03);
            lower->append(c + 0.97, r + 0.03);
            auto *cell = new QAreaSeries(upper, lower);
            // An area series does not own its edges.
            upper->setParent(cell);
            lower->setParent(cell);
            QColor color = !v    ? palette().color(QPalette::Window)
                : *v >= m_target ? ChartStyle::accent(palette())
                : *v >= 1.0      ? ChartStyle::warning(palette())
                                 : ChartStyle::critical(palette());
            if (v && *v >= m_target) // deeper the further above the target
                color.setAlphaF(std::clamp(0.35 + (*v - m_target) / (2 * m_target), 0.35, 1.0));
            cell->setBrush(color);
            cell->setPen(Qt::NoPen);
            const QString text = tr("%1 at %2 interest, %3 down")
                                     .arg(v ? QString::number(*v, 'f', 2) : u"—"_s, formatPercent(m_data.rates.at(r)),
                                         formatPercent(m_data.downPayments.at(c)));
            cell->setName(text);
            connect(cell, &QAreaSeries::hovered, this, [text](const QPointF &, bool state) {
                if (state)
                    QToolTip::showText(QCursor::pos(), u"DSCR "_s + text);
            });
            chart->addSeries(cell);
            cell->attachAxis(x);
            cell->attachAxis(y);
            ++m_cells;
            lines << u"DSCR "_s + text;
        }
    }
    ChartStyle::apply(chart, palette());
    QChart *old = this->chart();
    setChart(chart);
    delete old;
    m_description = lines.join(u'\n');
}

} // namespace dealscope::ui
