#include "ui/common/ExportLauncher.h"

#include "app/ExportService.h"
#include "export/ExportFormat.h"
#include "export/SafeFileName.h"
#include "ui/common/FileDialog.h"

#include <QDir>
#include <QFileInfo>
#include <QWidget>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

ExportLauncher::ExportLauncher(ExportService &service, QWidget *dialogParent)
    : QObject(dialogParent)
    , m_service(service)
    , m_dialogParent(dialogParent)
{ }

QString ExportLauncher::filters()
{
    return tr("PDF report (*.pdf);;Markdown (*.md);;JSON (*.json);;CSV (*.csv)");
}

void ExportLauncher::exportResults(const ResultQuery &query, const QString &suggestedBase)
{
    QString filter;
    QString file = FileDialog::instance().getSaveFileName(m_dialogParent, tr("Export results"),
        SafeFileName::make(suggestedBase, u"pdf"_s, u"dealscope-results"_s), filters(), &filter);
    if (file.isEmpty())
        return;
    std::optional<ExportFormat> format = ExportFormats::fromFileName(file);
    if (!format) {
        // No known extension: the type chosen in the dialog, and its extension on the name.
        for (const ExportFormat f :
            { ExportFormat::Pdf, ExportFormat::Markdown, ExportFormat::Json, ExportFormat::Csv }) {
            if (filter.contains(u"*."_s + ExportFormats::extension(f)))
                format = f;
        }
        format = format.value_or(ExportFormat::Pdf);
        file += u'.' + ExportFormats::extension(*format);
    }
    ++m_busy;
    Q_EMIT message(tr("Exporting to %1…").arg(QDir::toNativeSeparators(file)));
    m_service.exportResults(query, *format, file, this, [this, file](const Exporter::Outcome &outcome) {
        --m_busy;
        if (outcome.ok) {
            Q_EMIT message(
                tr("Exported %n results to %1.", nullptr, outcome.count).arg(QDir::toNativeSeparators(file)));
        } else {
            Q_EMIT message(tr("Export to %1 failed: %2").arg(QDir::toNativeSeparators(file), outcome.error));
        }
        Q_EMIT finished(outcome.ok, file, outcome.count);
    });
}

} // namespace dealscope::ui
