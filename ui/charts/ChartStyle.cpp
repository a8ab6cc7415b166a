#include "ui/charts/ChartStyle.h"

#include "export/Format.h"

#include <QAbstractAxis>
#include <QChart>
#include <QLegend>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui::ChartStyle {

void apply(QChart *chart, const QPalette &palette)
{
    chart->setTheme(
        palette.color(QPalette::Base).lightnessF() < 0.5 ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart->setBackgroundBrush(palette.brush(QPalette::Base));
    chart->setBackgroundRoundness(0);
    chart->setTitleBrush(palette.brush(QPalette::Text));
    chart->legend()->setLabelColor(palette.color(QPalette::Text));
    for (QAbstractAxis *axis : chart->axes()) {
        axis->setLabelsColor(palette.color(QPalette::Text));
        axis->setTitleBrush(palette.brush(QPalette::Text));
        QColor grid = palette.color(QPalette::Mid);
        grid.setAlpha(90);
        axis->setGridLineColor(grid);
        axis->setLinePenColor(palette.color(QPalette::Mid));
    }
}

QColor accent(const QPalette &palette)
{
    return palette.color(QPalette::Highlight);
}

QColor muted(const QPalette &palette)
{
    return palette.color(QPalette::Mid);
}

QColor warning(const QPalette &palette)
{
    return severityColor(palette, u"warning"_s);
}

QColor critical(const QPalette &palette)
{
    return severityColor(palette, u"critical"_s);
}

} // namespace dealscope::ui::ChartStyle
