#pragma once

#include "export/ExportFormat.h"
#include "export/Exporter.h"
#include "storage/ResultsLibrary.h"
#include "tasks/BackgroundWork.h"

#include <QObject>

#include <functional>

namespace dealscope {

// Exports from the desktop without blocking the window (issue 14 §2): the results are read on a
// worker with a library connection of its own and written there with the same exporters as
// dealscope-cli. Exports run one after another, in the order asked. Lives on the GUI thread.
class ExportService final : public QObject
{
    Q_OBJECT
public:
    explicit ExportService(QString libraryFile, QObject *parent = nullptr);
    ~ExportService() override; // waits for the export being written; queued ones are dropped

    using Done = std::function<void(const Exporter::Outcome &outcome)>;
    // The results matching `query` (its JSON is always read) into `file`; `done` runs on this
    // thread unless `context` is gone. An export that matches nothing writes an empty file.
    void exportResults(ResultQuery query, ExportFormat format, QString file, QObject *context, Done done);
    int pending() const { return m_pending; }

Q_SIGNALS:
    void started(const QString &file);
    void finished(const QString &file, const dealscope::Exporter::Outcome &outcome);

private:
    QString m_libraryFile;
    int m_pending = 0;
    BackgroundWork m_worker; // last: destroyed, and so waited for, first
};

} // namespace dealscope
