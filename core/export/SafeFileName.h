#pragma once

#include <QString>

namespace dealscope {

// File names made from what a listing's title or an analyst typed: safe on every file system
// and never a path. Separators, control and reserved characters become '-', leading dots and
// trailing dots or spaces go, Windows device names (CON, NUL, COM1…) get a suffix, and the result
// is at most 100 characters before the extension; an empty result falls back to `fallback`.
namespace SafeFileName {
QString make(const QString &base, const QString &extension, const QString &fallback = QStringLiteral("dealscope"));
// "Austin Car Wash" + "valuation" → "Austin-Car-Wash_valuation.pdf"
QString forResult(const QString &title, const QString &analysisType, const QString &extension);
} // namespace SafeFileName

} // namespace dealscope
