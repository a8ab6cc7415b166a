#pragma once

#include <QColor>
#include <QPalette>
#include <QString>

#include <nlohmann/json.hpp>

#include <optional>

namespace dealscope {

// Display formatting shared by the table, the panels and the result view, so a number reads the
// same everywhere (and tests can compare against one definition).
QString formatMoney(std::optional<qint64> value); // "$1,200,624", "—" for unknown
QString formatMoney(double value);
QString formatMultiple(double value); // "2.50×"
QString formatPercent(double fraction); // 0.125 → "12.5 %"
QString formatDuration(qint64 ms); // "4.2 s", "3 min 05 s"
QString formatTimestamp(qint64 msSinceEpoch); // local "2026-11-28 15:30:02"
QString analysisTypeLabel(const QString &type); // "valuation" → "Valuation"
QString humanizeKey(const QString &camelCase); // "askingPremium" → "Asking premium"

// A metric value with its unit, from the metric's name ("sdeMultiple" → "2.50×", "dscr" → "1.31",
// "loanAmount" → "$450,000", "cashFlowMargin" → "18.0 %"). "—" for null.
QString formatMetric(const QString &key, const nlohmann::json &value);

// Severity colours derived from the palette so they stay readable in light and dark themes.
QColor severityColor(const QPalette &palette, const QString &severity);

} // namespace dealscope
