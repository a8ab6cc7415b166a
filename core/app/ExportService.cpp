#include "app/ExportService.h"

#include "app/AppLog.h"

#include <QHash>
#include <QPointer>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

ExportService::ExportService(QString libraryFile, QObject *parent)
    : QObject(parent)
    , m_libraryFile(std::move(libraryFile))
    , m_worker(u"dealscope-export"_s, 1)
{ }

ExportService::~ExportService() = default;

void ExportService::exportResults(ResultQuery query, ExportFormat format, QString file, QObject *context, Done done)
{
    ++m_pending;
    Q_EMIT started(file);
    query.withJson = true;
    m_worker.run(
        [libraryFile = m_libraryFile, query = std::move(query), format, file] {
            // A connection of this thread's own: ResultsLibrary is one instance per thread.
            ResultsLibrary library;
            Exporter::Outcome outcome;
            if (!library.open(libraryFile)) {
                outcome.error = library.errorString();
                return outcome;
            }
            QList<StoredResult> results = library.search(query);
            if (!query.jobIds.isEmpty()) {
                // In the order asked for (a ranking, a selection), not the library's newest first.
                QHash<QString, qsizetype> rank;
                for (qsizetype i = 0; i < query.jobIds.size(); ++i)
                    rank.insert(query.jobIds.at(i), i);
                std::stable_sort(results.begin(), results.end(), [&rank](const StoredResult &a, const StoredResult &b) {
                    return rank.value(a.jobId) < rank.value(b.jobId);
                });
            }
            return Exporter::write(results, format, file);
        },
        [this, file, context = QPointer<QObject>(context), done = std::move(done)](Exporter::Outcome outcome) {
            --m_pending;
            if (!outcome.ok)
                qCWarning(lcApp) << "export to" << file << "failed:" << outcome.error;
            Q_EMIT finished(file, outcome);
            if (context && done)
                done(outcome);
        });
}

} // namespace dealscope
