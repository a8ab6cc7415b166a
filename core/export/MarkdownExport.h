#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace dealscope {

struct StoredResult;

// Results as Markdown: per result the listing, score and summary, the metrics with units, the
// valuation range, findings, the benchmark and its source, and the notes and tags. Text from a
// listing or an analyst is escaped so it can never become markup, a link or a table cell break.
namespace MarkdownExport {
QByteArray write(const QList<StoredResult> &results);
// `atLineStart`: the text begins a line (a paragraph), where "# ", "- " or "1. " would be markup;
// false for text placed after other text on a line (a table cell, a list item).
QString escape(const QString &text, bool atLineStart = true);
} // namespace MarkdownExport

} // namespace dealscope
