#pragma once

#include <QColor>
#include <QPalette>

class QChart;

namespace dealscope::ui {

// Charts that follow the window's palette (light or dark): background, text, grid and the
// series colours derive from it, re-applied when the palette changes.
namespace ChartStyle {
void apply(QChart *chart, const QPalette &palette);
QColor accent(const QPalette &palette); // this listing, meets the target
QColor muted(const QPalette &palette); // the benchmark, the sector's spread
QColor warning(const QPalette &palette); // below the target
QColor critical(const QPalette &palette); // below 1: the debt is not covered
} // namespace ChartStyle

} // namespace dealscope::ui
