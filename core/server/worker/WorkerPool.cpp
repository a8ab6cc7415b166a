#include "server/worker/WorkerPool.h"

#include "analysis/AnalysisEngine.h"
#include "analysis/AnalysisError.h"
#include "common/Failpoints.h"
#include "jobs/AttemptRunner.h"
#include "jobs/RetryPolicy.h"
#include "server/ServerLog.h"
#include "server/http/Metrics.h"

#include <QPointer>
#include <QThread>

#include <chrono>
#include <deque>
#include <pthread.h>

namespace dealscope::server {

namespace {
using Clock = std::chrono::steady_clock;
constexpr auto kCheckInterval = std::chrono::milliseconds(250);
// Jobs faster than this are claimed in batches of up to kMaxBatch.
constexpr auto kFastJob = std::chrono::milliseconds(5);
constexpr int kMaxBatch = 16;
// Claimed jobs wait at most about this long behind the one running: past it the held-back
// finishes are written and the jobs not yet started go back to the queue, so their cancels are
// seen (SPEC §3: within 1 s) and their leases do not run out behind a slow job.
constexpr auto kBatchWait = std::chrono::milliseconds(50);
} // namespace

WorkerPool::WorkerPool(
    Settings settings, JobStore *store, std::shared_ptr<const AnalysisEngine> engine, Metrics *metrics, QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_store(store)
    , m_engine(std::move(engine))
    , m_metrics(metrics)
    , m_attempts(m_engine, attemptOptions(m_settings))
{ }

AttemptOptions WorkerPool::attemptOptions(const Settings &settings)
{
    AttemptOptions options;
    options.timeoutSeconds = settings.jobTimeoutSecs;
    RetryPolicy::Options retry;
    retry.maxAttempts = settings.maxAttempts;
    retry.baseDelayMs = settings.retryBaseDelayMs;
    options.retry = RetryPolicy(retry);
    return options;
}

WorkerPool::~WorkerPool()
{
    stopClaiming();
    releaseRunning();
    join();
}

void WorkerPool::start()
{
    for (int i = 0; i < m_settings.workers; ++i)
        m_threads.emplace_back([this, i] { threadMain(i); });
}

void WorkerPool::stopClaiming()
{
    m_stopClaiming = true;
    m_store->interruptClaims();
}

void WorkerPool::releaseRunning()
{
    m_release = true;
}

void WorkerPool::join()
{
    for (auto &t : m_threads) {
        if (t.joinable())
            t.join();
    }
    m_threads.clear();
    while (m_running > 0) // push-consumer threads (detached) finishing or handing back
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void WorkerPool::threadMain(int index)
{
    const QString workerId = m_settings.processName + QLatin1Char(':') + QString::number(index);
    pthread_setname_np(pthread_self(), "ds-worker"); // tells the threads apart in top and perf
    // Jobs claimed together and not yet run. A worker whose recent jobs were fast claims several
    // per store round trip (one instead of one per job on Redis) and sends their terminal writes
    // together once the batch has run; one that runs slow jobs claims one at a time and writes
    // at once, so no job waits behind a long one while another worker is idle.
    std::deque<Lease> claimed;
    Deferred deferred;
    Clock::time_point claimedAt;
    const bool adaptive = m_settings.claimBatch <= 0;
    int batch = adaptive ? 1 : std::min(m_settings.claimBatch, kMaxBatch);
    while (!m_stopClaiming || !claimed.empty()) {
        if (claimed.empty()) {
            QList<Lease> leases;
            try {
                // The batch's held-back finishes go with the next claim (one round trip on Redis).
                // That claim does not wait: the finishes are counted (metrics, running jobs) as
                // soon as they are stored, and only then does an idle worker wait for work.
                if (!deferred.requests.isEmpty()) {
                    leases = m_store->finishThenClaim(deferred.requests, workerId, 0, batch);
                    written(deferred);
                }
                if (leases.isEmpty())
                    leases = m_store->claimBatch(workerId, 1000, batch);
            } catch (const std::exception &e) {
                written(deferred);
                qCWarning(lcServerWorker) << workerId << "cannot claim:" << e.what();
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                continue;
            }
            claimedAt = Clock::now();
            m_running += int(leases.size()); // counted until written or handed back (shutdown waits)
            for (auto &lease : leases)
                claimed.push_back(std::move(lease));
            continue;
        }
        Lease lease = std::move(claimed.front());
        claimed.pop_front();
        bool finishDeferred = false;
        try {
            if (m_release) {
                m_store->release(lease); // claimed but not started: straight back to the queue
            } else {
                // A batch that has waited too long: its finishes are written, the jobs behind
                // this one go back to the queue and this one renews its lease (and learns of a
                // cancel) before it starts. Smaller batches from now on.
                bool run = true;
                if (Clock::now() - claimedAt >= kBatchWait) {
                    if (!claimed.empty() && adaptive)
                        batch = std::max(1, batch / 2);
                    handBack(claimed, deferred);
                    const WriteResult r = m_store->heartbeat(lease);
                    run = r != WriteResult::LeaseLost;
                    if (r == WriteResult::CancelRequested)
                        lease.job.cancelRequested = true;
                }
                if (run) {
                    const auto started = Clock::now();
                    const qsizetype before = deferred.requests.size();
                    // Called from the engine's hooks (every step boundary, every <= 250 ms inside
                    // a step, the retry backoff): once this job turns out slow, the batch behind
                    // it must not wait for it.
                    const std::function<void()> whileRunning = [&] {
                        if (claimed.empty() && deferred.requests.isEmpty())
                            return;
                        if (Clock::now() - started < kBatchWait)
                            return;
                        handBack(claimed, deferred);
                    };
                    execute(lease, batch > 1 ? &deferred : nullptr, &whileRunning);
                    finishDeferred = deferred.requests.size() > before;
                    const auto took = Clock::now() - started;
                    // Grows only while a whole batch still runs well within kBatchWait.
                    if (adaptive && took >= kFastJob)
                        batch = 1;
                    else if (adaptive && Clock::now() - claimedAt < kBatchWait / 2)
                        batch = std::min(kMaxBatch, batch * 2);
                }
            }
        } catch (const std::exception &e) {
            qCWarning(lcServerWorker) << "job" << lease.job.id << "left unfinished:" << e.what();
        }
        if (!finishDeferred)
            --m_running;
        // An emptied batch's finishes go out with the next claim, at the top of the loop.
        if ((deferred.requests.size() >= kMaxBatch && !claimed.empty()) || batch == 1)
            flush(deferred);
    }
    flush(deferred);
}

void WorkerPool::handBack(std::deque<Lease> &claimed, Deferred &deferred)
{
    flush(deferred);
    // running -> queued is the only way back the shared state machine allows: each costs an
    // attempt. A job whose cancel was accepted meanwhile ends canceled instead (release()).
    while (!claimed.empty()) {
        Lease lease = std::move(claimed.front());
        claimed.pop_front();
        try {
            m_store->release(lease);
        } catch (const std::exception &e) {
            qCWarning(lcServerWorker) << "could not hand back job" << lease.job.id << ":" << e.what();
        }
        --m_running;
    }
}

void WorkerPool::flush(Deferred &deferred)
{
    if (deferred.requests.isEmpty())
        return;
    try {
        m_store->finishMany(deferred.requests);
    } catch (const std::exception &e) {
        warnFinishesNotStored(deferred.requests.size(), e);
    }
    written(deferred);
}

void WorkerPool::written(Deferred &deferred)
{
    for (qsizetype i = 0; i < deferred.requests.size(); ++i) {
        const FinishRequest &r = deferred.requests[i];
        // CancelRequested: stored canceled (r.to says so), a cancel won over the result
        if ((r.outcome == WriteResult::Ok || r.outcome == WriteResult::CancelRequested) && m_metrics)
            m_metrics->observeJob(r.lease.job.analysisType, r.to, deferred.seconds[i]);
    }
    m_running -= int(deferred.requests.size());
    deferred.requests.clear();
    deferred.seconds.clear();
}

void WorkerPool::runJob(const QString &jobId, QObject *context, std::function<void(bool, std::optional<Job>)> done)
{
    QPointer<QObject> guard(context);
    const QString workerId = m_settings.processName + QStringLiteral(":consume") + QString::number(++m_consumeSeq);
    ++m_running; // counted from the start so shutdown waits for this thread too
    std::thread([this, jobId, workerId, guard, done = std::move(done)] {
        bool claimed = false;
        std::optional<Job> job;
        try {
            if (auto lease = m_store->claimJob(workerId, jobId)) {
                claimed = true;
                execute(*lease);
            }
            job = m_store->get(jobId);
        } catch (const std::exception &e) {
            qCWarning(lcServerWorker) << "consume of" << jobId << "failed:" << e.what();
        }
        if (guard)
            QMetaObject::invokeMethod(
                guard.data(), [claimed, job, done] { done(claimed, job); }, Qt::QueuedConnection);
        --m_running; // last: after this the pool may be destroyed
    }).detach();
}

namespace {

// The server's side of an attempt: the job's lease in the store. Store outages end the attempt
// without a terminal write (the lease expiry hands the job to the next worker).
class LeaseSink final : public AttemptSink
{
public:
    LeaseSink(JobStore &store, Lease &lease, const std::atomic_bool &release, std::function<void()> tick)
        : m_store(store)
        , m_lease(lease)
        , m_release(release)
        , m_tick(std::move(tick))
        , m_lastHeartbeat(Clock::now())
    { }

    bool cancelSeen() const { return m_cancel; }
    bool lost() const { return m_lost; }

    Stop poll() override
    {
        if (m_release && !m_cancel)
            return Stop::HandBack;
        if (!m_cancel && !m_lost) {
            if (m_tick)
                m_tick();
            const auto now = Clock::now();
            if (now - m_lastHeartbeat >= kCheckInterval) {
                m_lastHeartbeat = now;
                handle(guarded([&] { return m_store.heartbeat(m_lease); }));
            }
        }
        if (m_lost)
            return Stop::Lost;
        if (m_cancel || m_lease.job.cancelRequested)
            return Stop::Cancel;
        return Stop::None;
    }

    void progress(double progress, const QString &line) override
    {
        if (m_cancel || m_lost)
            return;
        m_lastHeartbeat = Clock::now(); // a progress write renews the lease as well
        handle(guarded([&] { return m_store.progress(m_lease, progress, line); }));
    }

    void checkpoint(const PipelineCheckpoint &checkpoint, const QList<FinishedStep> &, bool) override
    {
        if (m_cancel || m_lost)
            return;
        nlohmann::json cp = nlohmann::json::object();
        cp["nextStep"] = checkpoint.nextStep;
        cp["state"] = checkpoint.state;
        handle(guarded([&] { return m_store.saveCheckpoint(m_lease, cp); }));
    }

    // Keeps the lease alive while the job waits for its retry; false once it is gone (canceled
    // while queued, or taken over).
    bool heartbeatIfDue()
    {
        if (m_tick)
            m_tick();
        const auto now = Clock::now();
        if (now - m_lastHeartbeat < kCheckInterval)
            return true;
        m_lastHeartbeat = now;
        return guarded([&] { return m_store.heartbeat(m_lease); }) != WriteResult::LeaseLost;
    }

private:
    template <typename Write> WriteResult guarded(Write &&write)
    {
        try {
            return write();
        } catch (const StoreUnavailable &e) {
            qCWarning(lcServerWorker) << "job" << m_lease.job.id << "lost its store:" << e.what();
            return WriteResult::LeaseLost;
        }
    }
    void handle(WriteResult r)
    {
        if (r == WriteResult::CancelRequested)
            m_cancel = true;
        else if (r == WriteResult::LeaseLost)
            m_lost = true;
    }

    JobStore &m_store;
    Lease &m_lease;
    const std::atomic_bool &m_release;
    std::function<void()> m_tick;
    Clock::time_point m_lastHeartbeat;
    bool m_cancel = false;
    bool m_lost = false;
};

} // namespace

void WorkerPool::execute(Lease &lease, Deferred *deferred, const std::function<void()> *whileRunning)
{
    const auto started = Clock::now();
    auto finish = [&](JobStatus to, std::optional<nlohmann::json> result, const QString &error) {
        if (deferred) {
            deferred->requests.append(FinishRequest { lease, to, std::move(result), error });
            deferred->seconds.append(std::chrono::duration<double>(Clock::now() - started).count());
            return;
        }
        const WriteResult r = m_store->finish(lease, to, std::move(result), error);
        if ((r == WriteResult::Ok || r == WriteResult::CancelRequested) && m_metrics)
            m_metrics->observeJob(lease.job.analysisType, r == WriteResult::Ok ? to : JobStatus::Canceled,
                std::chrono::duration<double>(Clock::now() - started).count());
    };

    // A job taken over from a vanished worker (or handed back) resumes after its last saved step.
    PipelineCheckpoint checkpoint;
    if (lease.job.attempt > 1 || lease.recovered) {
        try {
            if (const auto saved = m_store->loadCheckpoint(lease.job.id)) {
                checkpoint.nextStep = saved->value("nextStep", 0);
                checkpoint.state = saved->value("state", nlohmann::json::object());
            }
        } catch (const StoreUnavailable &) {
            // start from the first step
        }
    }

    for (;;) {
        LeaseSink sink(*m_store, lease, m_release, whileRunning ? *whileRunning : std::function<void()>());
        const AttemptOutcome outcome = m_attempts.run(lease.job, checkpoint, sink);
        switch (outcome.kind) {
        case AttemptOutcome::Kind::Lost:
            return;
        case AttemptOutcome::Kind::HandedBack:
            m_store->release(lease);
            return;
        case AttemptOutcome::Kind::Succeeded:
            finish(JobStatus::Succeeded, outcome.result, {});
            return;
        case AttemptOutcome::Kind::Failed:
            finish(JobStatus::Failed, std::nullopt, outcome.error);
            return;
        case AttemptOutcome::Kind::Canceled:
            finish(JobStatus::Canceled, std::nullopt, outcome.error);
            return;
        case AttemptOutcome::Kind::RetryLater:
            break;
        }
        const WriteResult r = m_store->retryLater(lease, outcome.error);
        if (r == WriteResult::CancelRequested) {
            finish(JobStatus::Canceled, std::nullopt, AnalysisError::canceledByUserText());
            return;
        }
        if (r == WriteResult::LeaseLost)
            return;
        // Back off while keeping the lease alive and listening for cancel and shutdown.
        const auto until = Clock::now() + std::chrono::milliseconds(outcome.retryDelayMs);
        while (Clock::now() < until && !m_release) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            if (!sink.heartbeatIfDue())
                return;
        }
        if (m_release) {
            m_store->release(lease);
            return;
        }
        if (m_store->resume(lease) != WriteResult::Ok)
            return;
    }
}

} // namespace dealscope::server
