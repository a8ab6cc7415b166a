#include "export/ExportFormat.h"

#include <QFileInfo>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ExportFormats {

std::optional<ExportFormat> parse(const QString &name)
{
    const QString n = name.trimmed().toLower();
    if (n == u"csv"_s)
        return ExportFormat::Csv;
    if (n == u"md"_s || n == u"markdown"_s)
        return ExportFormat::Markdown;
    if (n == u"json"_s)
        return ExportFormat::Json;
    if (n == u"pdf"_s)
        return ExportFormat::Pdf;
    return std::nullopt;
}

std::optional<ExportFormat> fromFileName(const QString &fileName)
{
    const QString suffix = QFileInfo(fileName).suffix();
    return suffix.isEmpty() ? std::nullopt : parse(suffix);
}

QString name(ExportFormat format)
{
    switch (format) {
    case ExportFormat::Csv:
        return u"csv"_s;
    case ExportFormat::Markdown:
        return u"md"_s;
    case ExportFormat::Json:
        return u"json"_s;
    case ExportFormat::Pdf:
        return u"pdf"_s;
    }
    return {};
}

QString extension(ExportFormat format)
{
    return name(format);
}

QString label(ExportFormat format)
{
    switch (format) {
    case ExportFormat::Csv:
        return u"CSV"_s;
    case ExportFormat::Markdown:
        return u"Markdown"_s;
    case ExportFormat::Json:
        return u"JSON"_s;
    case ExportFormat::Pdf:
        return u"PDF"_s;
    }
    return {};
}

QStringList names()
{
    return { u"csv"_s, u"md"_s, u"json"_s, u"pdf"_s };
}

} // namespace dealscope::ExportFormats
