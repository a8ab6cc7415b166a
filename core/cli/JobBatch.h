#pragma once

#include "jobs/Job.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace dealscope {

class InFlightRegistry;
class JobBackend;
class ProgressPrinter;
class ResultsLibrary;
struct BackendReply;

// A set of jobs on one backend, followed until every one is terminal; then finished(). Shared by
// analyze (start) and resume (attach).
//
// Unlike one JobTracker per job (each of which hears every jobUpdated of the backend), the batch
// listens once and dispatches by job id, so 100k jobs cost O(n), not O(n²). It also keeps the
// latest update of a job it has not adopted yet: a fast local job can finish before the reply to
// start()/fetch() arrives, and its terminal update must not be lost.
class JobBatch final : public QObject
{
    Q_OBJECT
public:
    // `registry` may be null: jobs are then not recorded as in flight (the local store still
    // lets `resume` find them).
    JobBatch(JobBackend &backend, InFlightRegistry *registry, ProgressPrinter &progress, QObject *parent = nullptr);
    ~JobBatch() override;

    // `listing`: sent along (a remote backend runs the job on exactly this snapshot).
    void start(const QString &listingId, const QString &analysisType, const nlohmann::json &params, bool force,
        const std::optional<Listing> &listing = std::nullopt);
    // `registered`: the job has an in-flight entry to remove once it is terminal (and, with a
    // library, once its result is stored there). A backend that cannot be reached now is not the
    // end: the job is watched until the backend answers again; one that no longer knows the job
    // ends it as expired.
    void attach(const QString &listingId, const QString &analysisType, const QString &jobId, bool registered);
    // Call after the last start()/attach(): finished() follows once all are terminal (at once if empty).
    void seal();

    // The results library of the data folder, shared with the desktop (issue 14 §1): every job
    // that succeeds is stored there with the listing it analysed (`listingJson`, {} if unknown),
    // in one transaction per burst; all are stored before finished(). A failed write is reported
    // on stderr once and does not change the exit code: the job store still has the result.
    using ListingJson = std::function<nlohmann::json(const QString &listingId)>;
    void storeResultsIn(ResultsLibrary *library, ListingJson listingJson);

    int size() const { return int(m_entries.size()); }

    struct Outcome
    {
        QString listingId;
        QString analysisType;
        std::optional<Job> job; // the terminal job; empty when the backend could not start/find it
        QString error; // the backend's message when `job` is empty
        bool succeeded() const { return job && job->status == JobStatus::Succeeded; }
    };
    // In the order of start()/attach().
    QList<Outcome> outcomes() const;
    // ExitSuccess when every job succeeded, else ExitFailure.
    int exitCode() const { return exitCodeOf(outcomes()); }
    // The outcomes on stdout: Job objects as JSON (an array unless `single`) or a human report;
    // outcomes without a job go to stderr.
    void printOutcomes(bool json, bool single) const { printOutcomeList(outcomes(), json, single); }
    // "N analyses: S succeeded, F failed or canceled" on stderr.
    void printSummary() const { printSummaryOf(outcomes()); }
    // The same over the outcomes of several batches (resume: one batch per backend).
    static int exitCodeOf(const QList<Outcome> &outcomes);
    static void printOutcomeList(const QList<Outcome> &outcomes, bool json, bool single);
    static void printSummaryOf(const QList<Outcome> &outcomes);

Q_SIGNALS:
    void finished();

private:
    struct Entry
    {
        Outcome outcome;
        QString jobId;
        bool registered = false;
        bool done = false;
    };
    Entry &add(const QString &listingId, const QString &analysisType);
    void onReply(Entry &entry, const BackendReply &reply);
    void onJobUpdated(const Job &job);
    void update(Entry &entry, const Job &job);
    void markDone(Entry &entry);
    void checkFinished();
    void scheduleRegistrySync();
    void storeSucceeded();
    void unregister(const QString &jobId);

    JobBackend &m_backend;
    InFlightRegistry *m_registry;
    ProgressPrinter &m_progress;
    std::vector<std::unique_ptr<Entry>> m_entries;
    QHash<QString, Entry *> m_byJobId;
    QHash<QString, Job> m_unclaimed; // updates of jobs whose start/fetch reply has not arrived yet
    int m_done = 0;
    bool m_sealed = false;
    bool m_finishedEmitted = false;
    bool m_syncPending = false;
    ResultsLibrary *m_library = nullptr;
    ListingJson m_listingJson;
    QList<Job> m_toStore; // succeeded, not in the library yet
    QHash<QString, bool> m_unregisterAfterStore; // job id → its entry leaves the registry once stored
    bool m_storePending = false;
    bool m_storeFailed = false;
};

} // namespace dealscope
