#pragma once

#include "domain/Listing.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/Job.h"
#include "jobs/JobBackend.h" // Q_DECLARE_METATYPE(Job), for the signals
#include "tasks/PacedQueue.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>

namespace dealscope {

class AsyncResultsLibrary;
class JobBackend;
class JobBackends;
class JobTracker;

// What resume() re-attached, by where the jobs run, and what it could not re-attach yet.
struct ResumeSummary final
{
    int local = 0; // local jobs, continuing from their checkpoints
    int remote = 0; // jobs on a job server, polled again
    int waiting = 0; // entries whose backend cannot be made yet: kept in the registry
    QStringList waitingServers; // the servers those entries ran on

    int resumed() const { return local + remote; }
};

// The desktop's side of the jobs (SPEC §6), without widgets: one JobTracker per
// (listing, analysis type), finished results into the results library with the listing snapshot
// (written on the library's storage thread; resultStored follows once the row is committed),
// and re-attachment of the in-flight registry at start-up. New analyses go to the current
// backend (JobBackends::current()); an in-flight entry resumes on the backend that ran it. Lives
// on the GUI thread; every backend call is asynchronous, so nothing here blocks.
//
// Bursts are paced so the window never stalls: starts, job changes and finished analyses are
// handled a few milliseconds at a time, in order (PacedQueue), and the results that finish in
// one burst go to the library in one transaction.
class AnalysisController final : public QObject
{
    Q_OBJECT
public:
    using ListingLookup = std::function<std::optional<Listing>(const QString &listingId)>;

    AnalysisController(JobBackends &backends, InFlightRegistry *registry, AsyncResultsLibrary *library,
        ListingLookup lookup = {}, QObject *parent = nullptr);
    ~AnalysisController() override;

    // The listing snapshot stored with each result comes from here.
    void setListingLookup(ListingLookup lookup) { m_lookup = std::move(lookup); }

    // Starts unless the pair already has an active job (a second click joins the first: one job).
    // While the pair's last result is still being stored, the start waits for that write.
    void start(const QString &listingId, const QString &analysisType, const nlohmann::json &params, bool force);
    void cancel(const QString &listingId, const QString &analysisType);
    // Re-attaches every entry on the backend it ran on. An entry whose backend cannot be made
    // (a job server without a remote backend yet) stays in the registry for a later start.
    ResumeSummary resume(const QList<InFlightEntry> &entries);
    // The notice a resume gives the user (plural forms through tr()); empty when nothing happened.
    static QString resumeNotice(const ResumeSummary &summary);

    JobTracker *tracker(const QString &listingId, const QString &analysisType) const;
    std::optional<Job> job(const QString &listingId, const QString &analysisType) const;
    bool isActive(const QString &listingId, const QString &analysisType) const;
    int activeCount() const;
    int trackerCount() const { return int(m_trackers.size()); }
    // Starts asked for that have not reached their backend yet (paced).
    int queuedStarts() const { return int(m_queuedStarts.size()); }
    // Handles everything paced now (shutdown; tests that read the signals at once).
    void flushPaced();

Q_SIGNALS:
    void jobChanged(const dealscope::Job &job);
    void jobFinished(const dealscope::Job &job);
    void resultStored(const QString &jobId, const QString &listingId, std::optional<double> score);
    void errorOccurred(const QString &listingId, const QString &analysisType, const QString &message);
    // The pair's activity changed without a job change (a start answered with the job already
    // shown, e.g. a recent success): views refresh their buttons.
    void pairStateChanged(const QString &listingId, const QString &analysisType);
    // What a job's row adds to its status (issue 11): "reconnecting" while its job server does not
    // answer, "expired" once the server no longer knows it, "" when that is over.
    void jobNoteChanged(const QString &jobId, const QString &note);

private:
    struct Pair
    {
        JobTracker *tracker = nullptr;
        JobBackend *backend = nullptr;
    };
    struct DeferredStart
    {
        QString listingId;
        QString analysisType;
        nlohmann::json params;
        bool force = false;
    };
    JobTracker *ensureTracker(const QString &listingId, const QString &analysisType, JobBackend &backend);
    void startNow(const DeferredStart &start);
    void onFinished(const Job &job, const QString &backendKind);
    void storeFinished();
    void onStored(const QString &jobId, const QString &listingId, const QString &type, std::optional<double> score,
        bool ok, const QString &error);
    void checkPendingStarts();
    void removeStoredEntries();
    void removeEntryLater(const QString &jobId);

    JobBackends &m_backends;
    InFlightRegistry *m_registry;
    AsyncResultsLibrary *m_library;
    ListingLookup m_lookup;
    QHash<QString, Pair> m_trackers; // key: listingId + '\n' + analysisType
    QSet<const QObject *> m_notedBackends; // remote backends whose per-job states are forwarded
    QSet<QString> m_pendingStarts;
    QTimer m_pendingTimer;
    QHash<QString, DeferredStart> m_queuedStarts; // pair -> start waiting for its slice
    struct ToStore
    {
        Job job;
        std::optional<Listing> listing;
        std::optional<double> score;
    };
    QList<ToStore> m_toStore; // finished in this burst, stored together
    QTimer m_storeTimer;
    QHash<QString, QString> m_awaitingStore; // pair -> job whose result the library is storing
    QHash<QString, DeferredStart> m_deferredStarts; // pair -> start asked for meanwhile
    QStringList m_storedEntries; // finished jobs (results stored) whose in-flight entries go with the next flush
    QTimer m_registryFlush;
    PacedQueue m_paced;
};

} // namespace dealscope
