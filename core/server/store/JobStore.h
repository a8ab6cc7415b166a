#pragma once

#include "analysis/AnalysisError.h"
#include "jobs/Job.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace dealscope::server {

// The error of a job canceled by its user (SPEC §3), the same text as the local runner's.
inline QString canceledByUser()
{
    return AnalysisError::canceledByUserText();
}

struct StoreSettings final
{
    qint64 completedTtlSecs = 3600; // terminal jobs expire this long after finishing
    qint64 leaseMs = 30'000; // a worker that stays silent this long loses its job
    int maxAttempts = 3; // a crashed worker's job is retried up to this many attempts
    qint64 dedupWindowMs = 3'600'000; // a success this recent (same inputs) is returned instead of a new job
    qint64 idempotencyTtlSecs = 86'400; // how long an Idempotency-Key remembers its start
};

struct StartOutcome final
{
    enum class Kind {
        Created, // a new job
        Deduplicated, // the pair's active job, or its recent success, with the same inputs
        Conflict, // the pair's active job has other inputs: `job` is that job, nothing was created
        KeyReused, // the idempotency key was used for another request: no job
    };
    Job job;
    bool created = false; // kind == Created
    Kind kind = Kind::Created;
    bool replayed = false; // the answer of an earlier start with the same idempotency key
};

// One start of startMany().
struct StartRequest final
{
    Job candidate;
    bool force = false;
    // The client's Idempotency-Key (empty: none): a start with a key it has seen returns what the
    // first start with it did, for the same request; for another request, KeyReused.
    QString idempotencyKey = {};
};
// The outcome, or why there is none ("store_unavailable" when the store could not be reached,
// "internal_error" otherwise).
struct StartResult final
{
    std::optional<StartOutcome> outcome;
    QByteArray failure;
};

enum class CancelOutcome { NotFound, AlreadyTerminal, Canceled, Requested };
struct CancelResult final
{
    CancelOutcome outcome = CancelOutcome::NotFound;
    std::optional<Job> job;
};

// A worker's claim on one job. Only the holder of the current lease may write the job.
struct Lease final
{
    Job job; // as this worker last wrote it
    QString token; // random per claim; a takeover replaces it
    QString entryId; // queue entry (Redis stream id)
    QString consumer; // worker id that holds the entry
    // Taken over from a worker that vanished, or handed back by one (SIGTERM, an overtaken batch):
    // the job has run before and resumes from its checkpoint.
    bool recovered = false;
    bool ended = false; // terminal write done or lease lost: nothing more to write
};

enum class WriteResult { Ok, CancelRequested, LeaseLost };

// One terminal write of finishMany().
struct FinishRequest final
{
    Lease lease;
    JobStatus to = JobStatus::Succeeded;
    std::optional<nlohmann::json> result;
    QString error;
    WriteResult outcome = WriteResult::LeaseLost; // set by finishMany()
};

struct StoreStats final
{
    QHash<QString, qint64> jobsByStatus; // queued/running: current; terminal: total since start
    qint64 queueDepth = 0;
    bool reachable = true;
};

// Thrown by a store whose backend cannot be reached (the API answers 503).
class StoreUnavailable final : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

// Where the server keeps jobs (docs/API.md §2, §4): one interface, an in-process implementation and a
// Redis one, both held to the same conformance suite. All transitions go through the shared
// JobStateMachine. Every method is thread-safe: the API calls from the event loop, workers from
// their own threads.
class JobStore
{
public:
    virtual ~JobStore() = default;
    virtual QString kind() const = 0;
    // True when calls wait on another process (Redis): the API runs them off its event loop.
    virtual bool isRemote() const { return false; }

    // ---- API side
    // Creates `candidate` (status queued) unless (owner, listingId, analysisType) has an active
    // job — joined when it has the same inputs (params, listing snapshot), a conflict otherwise —
    // or a success with the same inputs within the dedup window and !force, which is returned.
    // Failed and canceled jobs never block. Atomic.
    virtual StartOutcome start(const StartRequest &request) = 0;
    StartOutcome start(const Job &candidate, bool force) { return start(StartRequest { candidate, force, {} }); }
    // Several starts at once, each exactly like start() (the Redis store sends them in one round
    // trip); never throws.
    virtual QList<StartResult> startMany(const QList<StartRequest> &requests);
    virtual std::optional<Job> get(const QString &id) = 0;
    virtual QList<std::optional<Job>> getMany(const QStringList &ids) = 0;
    // The wire JSON (serializeJob, Wire scope) of each of `ids` that `owner` owns; nullopt for a
    // missing job or another owner's. What status answers with: stores that hold serialised
    // jobs answer without building (and copying) Job objects and their results.
    virtual QList<std::optional<QByteArray>> getManyWire(const QString &owner, const QStringList &ids);
    // The job the dedup index points at for this pair (active or recent), if any.
    virtual std::optional<Job> lookup(const QString &owner, const QString &listingId, const QString &analysisType) = 0;
    // A queued job is canceled at once; a running one gets cancelRequested; owner must match.
    virtual CancelResult cancel(const QString &owner, const QString &id) = 0;
    virtual bool ping() = 0;
    // The per-key rate limit shared by every API process on this store: 0 when a request may pass,
    // else the milliseconds until one would. nullopt: this store shares none (each process limits
    // on its own).
    virtual std::optional<qint64> acquireRate(const QByteArray &key, double perSecond)
    {
        Q_UNUSED(key);
        Q_UNUSED(perSecond);
        return std::nullopt;
    }
    virtual StoreStats stats() = 0;
    // Remembers `key` until `untilMs` (ms since epoch): true the first time, false when it is
    // remembered already. Shared by every API process on this store (push deliveries are not
    // accepted twice, whichever process a replay reaches).
    virtual bool rememberOnce(const QByteArray &key, qint64 untilMs) = 0;

    // ---- worker side
    // Waits up to waitMs for a job (or one whose worker vanished) and marks it running.
    virtual std::optional<Lease> claim(const QString &workerId, int waitMs) = 0;
    // Up to maxJobs jobs at once, for a worker whose jobs are fast (the Redis store claims them in
    // one round trip). Each is running under its own lease from now on, so the caller runs them
    // soon or hands them back with release().
    virtual QList<Lease> claimBatch(const QString &workerId, int waitMs, int maxJobs)
    {
        Q_UNUSED(maxJobs);
        QList<Lease> out;
        if (auto lease = claim(workerId, waitMs))
            out.append(std::move(*lease));
        return out;
    }
    // Claims one specific queued job (push-queue consumer). nullopt when it is not claimable.
    virtual std::optional<Lease> claimJob(const QString &workerId, const QString &jobId) = 0;
    virtual WriteResult progress(Lease &lease, double progress, const QString &partialOutput) = 0;
    // Renews the lease; also reports a cancel request made through any API process.
    virtual WriteResult heartbeat(Lease &lease) = 0;
    // The terminal write. A cancel accepted meanwhile wins (SPEC §3, no lost update): a job with
    // cancelRequested ends canceled ("canceled by user", the flag kept) whatever `to` was, and
    // the answer is CancelRequested (lease ended) instead of Ok.
    virtual WriteResult finish(Lease &lease, JobStatus to, std::optional<nlohmann::json> result, const QString &error)
        = 0;
    // Several terminal writes at once, each exactly like finish() (the Redis store sends them in
    // one round trip); sets each request's outcome, and `to`/`error` to what was stored when a
    // cancel won.
    virtual void finishMany(QList<FinishRequest> &requests)
    {
        for (auto &r : requests) {
            r.outcome = finish(r.lease, r.to, std::move(r.result), r.error);
            if (r.outcome == WriteResult::CancelRequested) {
                r.to = JobStatus::Canceled;
                r.result.reset();
                r.error = canceledByUser();
            }
        }
    }
    // A worker's batch turnaround: the terminal writes of `finished` (as finishMany(), outcomes
    // set the same way) and then the next claim (as claimBatch()), which a store may send in
    // one round trip. Writes that cannot be stored are logged and keep outcome LeaseLost (their
    // leases expire and other workers run the jobs again); only a failing claim throws.
    virtual QList<Lease> finishThenClaim(
        QList<FinishRequest> &finished, const QString &workerId, int waitMs, int maxJobs);
    // A transient failure: running → queued with attempt + 1; the worker keeps the lease and
    // runs it again with resume() after its backoff.
    virtual WriteResult retryLater(Lease &lease, const QString &error) = 0;
    virtual WriteResult resume(Lease &lease) = 0;
    // The pipeline checkpoint {nextStep, state} of the running attempt, so a job taken over after a
    // crash (or retried) resumes after its last finished step. Only the lease holder may write it.
    virtual WriteResult saveCheckpoint(Lease &lease, const nlohmann::json &checkpoint) = 0;
    virtual std::optional<nlohmann::json> loadCheckpoint(const QString &jobId) = 0;
    // Hands the job back to the queue for another worker (a shutdown, a batch overtaken by a slow
    // job): running → queued as a hand-back, which is not a failure, so the attempt number and
    // the progress are kept (SPEC §3). A job with an accepted cancel request is not handed back
    // but ends canceled.
    virtual void release(Lease &lease) = 0;
    // Wakes claim() waiters (shutdown).
    virtual void interruptClaims() = 0;

    // ---- change notification: called on any thread with the id of a job that changed
    // (on every API process for the Redis store).
    // Stops delivering notifications from background threads (shutdown); waits for them.
    virtual void stopNotifications() { setChangeListener({}); }

    // `wanted` says whether anyone listens right now (a long-poll in progress): without one,
    // a change is not even decoded. Every job changes three times, and almost no job is
    // long-polled, so this is most of the notification work a busy server does.
    void setChangeListener(std::function<void(const QString &jobId)> listener, std::function<bool()> wanted = {})
    {
        std::lock_guard lock(m_listenerMutex);
        m_listener = std::move(listener);
        m_wanted = std::move(wanted);
    }

protected:
    bool changesWanted()
    {
        std::lock_guard lock(m_listenerMutex);
        return m_listener && (!m_wanted || m_wanted());
    }
    void notifyChanged(const QString &jobId)
    {
        std::function<void(const QString &)> listener;
        {
            std::lock_guard lock(m_listenerMutex);
            if (m_wanted && !m_wanted())
                return;
            listener = m_listener;
        }
        if (listener)
            listener(jobId);
    }

private:
    std::mutex m_listenerMutex;
    std::function<void(const QString &)> m_listener;
    std::function<bool()> m_wanted;
};

qint64 nowMs();
// Whether two jobs of a pair were asked for the same thing (docs/API.md §4): params and listing snapshot.
bool sameInputs(const Job &a, const Job &b);
// What an idempotency key remembers of its request, to tell a retry from another request.
QByteArray requestFingerprint(const StartRequest &request);
// Logs terminal writes that could not be stored. Nothing more is owed: their leases expire and
// other workers run those jobs again.
void warnFinishesNotStored(qsizetype count, const std::exception &error);
QString newLeaseToken();

} // namespace dealscope::server
