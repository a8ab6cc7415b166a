#pragma once

#include <QByteArray>
#include <QList>
#include <QStringList>

namespace dealscope {

struct StoredResult;

// Results as CSV (RFC 4180, UTF-8, CRLF): one row per analysis with listingId, title,
// analysisType, score and every metric of SPEC §4 as its own column in plain numbers (no
// currency signs, fractions as fractions), the valuation range, then notes and tags. A text
// cell a spreadsheet would run as a formula (=, +, -, @ first) is written with a leading '.
namespace CsvExport {
QStringList header();
QByteArray write(const QList<StoredResult> &results);
// One CSV field, quoted when it has to be.
QString field(const QString &text);
} // namespace CsvExport

} // namespace dealscope
