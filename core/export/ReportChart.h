#pragma once

#include <QImage>
#include <QPalette>

#include <nlohmann/json.hpp>

namespace dealscope {

// The chart of a printed report, drawn with QPainter (the PDF is made in core, where Qt Charts'
// widgets are not available): the listing's SDE and revenue multiples beside its sector
// benchmark's, as paired bars in palette colours. A null image when the result has neither
// multiple, so the report leaves the chart out instead of drawing an empty one.
namespace ReportChart {
QImage multiples(const nlohmann::json &result, const QPalette &palette, QSize size = QSize(900, 360));
} // namespace ReportChart

} // namespace dealscope
