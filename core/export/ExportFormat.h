#pragma once

#include <QString>
#include <QStringList>

#include <optional>

namespace dealscope {

// The formats results are exported as (issue 14 §2).
enum class ExportFormat { Csv, Markdown, Json, Pdf };

namespace ExportFormats {
// "csv", "md" / "markdown", "json", "pdf", case-insensitive; nullopt for anything else.
std::optional<ExportFormat> parse(const QString &name);
// From a file name's extension (".csv", ".md", ".markdown", ".json", ".pdf").
std::optional<ExportFormat> fromFileName(const QString &fileName);
QString name(ExportFormat format); // "csv", "md", "json", "pdf"
QString extension(ExportFormat format); // "csv", "md", "json", "pdf"
QString label(ExportFormat format); // "CSV", "Markdown", "JSON", "PDF"
QStringList names(); // for help texts: csv, md, json, pdf
} // namespace ExportFormats

} // namespace dealscope
