#pragma once

#include <QPalette>
#include <QString>

#include <nlohmann/json.hpp>

namespace dealscope {

// An analysis result as HTML for reading (issue 4 §3): score and its explanation, summary,
// metrics with units, valuation range, sensitivity grid, findings coloured by severity, the
// benchmark and its source, missing inputs. The result view shows it; the PDF and Markdown
// exports are made from the same result, so a report reads the same everywhere. Colours come
// from `palette`, so it follows light and dark themes.
namespace ReportHtml {
QString render(const nlohmann::json &result, const QString &heading, const QPalette &palette);
} // namespace ReportHtml

} // namespace dealscope
