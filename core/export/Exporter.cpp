#include "export/Exporter.h"

#include "export/CsvExport.h"
#include "export/JsonExport.h"
#include "export/MarkdownExport.h"
#include "export/PdfExport.h"
#include "storage/ResultsLibrary.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

namespace dealscope::Exporter {

Outcome write(const QList<StoredResult> &results, ExportFormat format, const QString &file)
{
    Outcome out;
    out.count = int(results.size());
    const QFileInfo info(file);
    if (file.isEmpty() || info.isDir()) {
        out.error = QCoreApplication::translate("dealscope::Exporter", "%1 is not a file name").arg(file);
        return out;
    }
    if (!QDir().mkpath(info.absolutePath())) {
        out.error = QCoreApplication::translate("dealscope::Exporter", "cannot create the folder %1")
                        .arg(QDir::toNativeSeparators(info.absolutePath()));
        return out;
    }
    QSaveFile saved(file);
    if (!saved.open(QIODevice::WriteOnly)) {
        out.error = saved.errorString();
        return out;
    }
    switch (format) {
    case ExportFormat::Csv:
        saved.write(CsvExport::write(results));
        break;
    case ExportFormat::Json:
        saved.write(JsonExport::write(results));
        break;
    case ExportFormat::Markdown:
        saved.write(MarkdownExport::write(results));
        break;
    case ExportFormat::Pdf:
        if (!PdfExport::write(results, saved, &out.error)) {
            saved.cancelWriting();
            return out;
        }
        break;
    }
    if (!saved.commit()) {
        out.error = saved.errorString();
        return out;
    }
    out.ok = true;
    return out;
}

} // namespace dealscope::Exporter
