#pragma once

#include "storage/ResultsLibrary.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QString>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>

class QThread;

namespace dealscope {

// The results library's writes and whole-table reads on a storage thread of their own, so an
// analysis finishing (or 500 of them) never waits for SQLite on the GUI thread. Requests run in
// the order they were made; each answer comes back as a queued call on this object's thread.
// Its own SQLite connection (WAL) beside the GUI's read connection: a stored result is visible to
// every reader as soon as its callback runs.
class AsyncResultsLibrary final : public QObject
{
    Q_OBJECT
public:
    explicit AsyncResultsLibrary(QObject *parent = nullptr);
    // Finishes every queued request (nothing asked for is lost), then stops the thread.
    ~AsyncResultsLibrary() override;

    // Opens (and creates) the database on the storage thread; requests made before it are queued.
    void open(const QString &databaseFile);

    using StoreCallback = std::function<void(bool ok, const QString &error)>;
    // ResultsLibrary::store() on the storage thread; `done` runs on this object's thread unless
    // `context` is gone by then.
    void store(nlohmann::json job, nlohmann::json listing, QObject *context, StoreCallback done);
    // The same, with the JSON made on the storage thread too (a job's result can be large).
    using JsonMaker = std::function<nlohmann::json()>;
    void store(JsonMaker makeJob, JsonMaker makeListing, QObject *context, StoreCallback done);

    // Many results in one transaction on the storage thread; `done` gets one outcome per result,
    // in order. What a burst of finished analyses costs: one commit, one answer.
    struct StoreRequest
    {
        JsonMaker makeJob;
        JsonMaker makeListing;
    };
    using StoreAllCallback = std::function<void(const QList<ResultsLibrary::Stored> &outcomes)>;
    void storeAll(QList<StoreRequest> requests, QObject *context, StoreAllCallback done);

    // ResultsLibrary::setAnnotation() on the storage thread.
    void setAnnotation(
        AnnotationKind kind, QString key, Annotation annotation, QObject *context, StoreCallback done = {});

    using ScoresCallback = std::function<void(const QHash<QString, double> &scores)>;
    // ResultsLibrary::latestScores() on the storage thread.
    void latestScores(QObject *context, ScoresCallback done);

    using SearchCallback = std::function<void(const QList<StoredResult> &rows)>;
    // ResultsLibrary::search() on the storage thread (after the writes asked for before it).
    void search(const ResultQuery &query, QObject *context, SearchCallback done);

    // Blocks until every request made so far is done (tests and shutdown only).
    void waitForIdle();

private:
    template <typename Work> void post(Work work);
    // Runs `query` on the storage thread and hands its result to `done` on this object's thread
    // unless `context` is gone; without a library `done` gets an empty Result.
    template <typename Result, typename Query>
    void queryAndReply(QObject *context, std::function<void(const Result &)> done, Query query);

    QThread *m_thread = nullptr;
    QObject *m_worker = nullptr; // lives on m_thread
    std::shared_ptr<ResultsLibrary> m_library; // used on m_thread only
};

} // namespace dealscope
