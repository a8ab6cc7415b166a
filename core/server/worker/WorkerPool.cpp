#include "server/worker/WorkerPool.h"

#include "analysis/AnalysisEngine.h"
#include "analysis/AnalysisError.h"
#include "common/Failpoints.h"
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
constexpr auto kProgressInterval = std::chrono::milliseconds(100);
// A job still running after this long is not a fast one: from then on its step state is kept
// so a crash resumes after the last finished step.
constexpr auto kCopyAfter = std::chrono::milliseconds(20);
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
{ }

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
    int batch = 1;
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
                    if (!claimed.empty())
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
                    if (took >= kFastJob)
                        batch = 1;
                    else if (Clock::now() - claimedAt < kBatchWait / 2)
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

void WorkerPool::execute(Lease &lease, Deferred *deferred, const std::function<void()> *whileRunning)
{
    auto tick = [whileRunning] {
        if (whileRunning && *whileRunning)
            (*whileRunning)();
    };
    RetryPolicy policy(RetryPolicy::Options { m_settings.maxAttempts, m_settings.retryBaseDelayMs, 30000, 0.2 });
    const auto started = Clock::now();
    auto finish = [&](JobStatus to, std::optional<nlohmann::json> result, const QString &error) {
        if (Failpoints::enabled())
            Failpoints::hit(QStringLiteral("jobs.before_finish"));
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
        const auto attemptStarted = Clock::now();
        bool unsaved = false; // `checkpoint` holds a step not yet stored
        auto lastCheckpointSave = attemptStarted;
        bool cancel = lease.job.cancelRequested;
        bool lost = false; // lease lost, or the store went away: leave the job to its next owner
        auto lastCheck = Clock::now();
        auto lastProgress = Clock::now();
        // Hooks run inside the engine and must not throw: a store outage stops this attempt
        // without a terminal write, and the lease expiry hands the job to the next worker.
        auto guarded = [&](auto &&write) {
            try {
                return write();
            } catch (const StoreUnavailable &e) {
                qCWarning(lcServerWorker) << "job" << lease.job.id << "lost its store:" << e.what();
                return WriteResult::LeaseLost;
            }
        };
        auto handle = [&](WriteResult r) {
            if (r == WriteResult::CancelRequested)
                cancel = true;
            else if (r == WriteResult::LeaseLost)
                lost = true;
        };

        // Fast jobs never pay for checkpoints: the engine hands over its live state after each
        // step and nothing is copied during an attempt's first kCopyAfter (a deep copy per step
        // was a fifth of a fast job's CPU) unless the state is still at a step boundary when a
        // save falls due (a step that has not started yet, e.g. delayed); after that the latest
        // step is kept and stored once the attempt has run a second, then at most once a second
        // (also from the heartbeat tick of long steps).
        const nlohmann::json *boundary = nullptr; // the live state while it is still `boundaryStep`'s
        int boundaryStep = 0;
        auto saveCheckpointIfDue = [&] {
            const auto now = Clock::now();
            if ((!unsaved && !boundary) || now - attemptStarted < std::chrono::seconds(1)
                || now - lastCheckpointSave < std::chrono::seconds(1))
                return;
            if (boundary) {
                checkpoint.nextStep = boundaryStep;
                checkpoint.state = *boundary;
                boundary = nullptr;
            }
            lastCheckpointSave = now;
            nlohmann::json cp = nlohmann::json::object();
            cp["nextStep"] = checkpoint.nextStep;
            cp["state"] = checkpoint.state;
            unsaved = false;
            handle(guarded([&] { return m_store->saveCheckpoint(lease, cp); }));
        };

        ExecutionHooks hooks;
        hooks.onStepDone = [&](int nextStep, const nlohmann::json &state) {
            tick();
            if (Clock::now() - attemptStarted < kCopyAfter) {
                boundary = &state;
                boundaryStep = nextStep;
                return;
            }
            boundary = nullptr;
            checkpoint.nextStep = nextStep;
            checkpoint.state = state;
            unsaved = true;
            saveCheckpointIfDue();
        };
        hooks.beforeStepRun = [&](int) {
            boundary = nullptr;
            tick();
        };
        hooks.timeoutSeconds = m_settings.jobTimeoutSecs;
        hooks.deadline = Clock::now() + std::chrono::seconds(m_settings.jobTimeoutSecs);
        hooks.onProgress = [&](double progress, const QString &line) {
            const auto now = Clock::now();
            // Fast pipelines would otherwise cost a store round trip per step.
            if (now - lastProgress < kProgressInterval || cancel || lost)
                return;
            lastProgress = now;
            lastCheck = now;
            handle(guarded([&] { return m_store->progress(lease, progress, line); }));
        };
        hooks.isCancelRequested = [&] {
            if (m_release || cancel || lost)
                return true;
            tick();
            const auto now = Clock::now();
            if (now - lastCheck >= kCheckInterval) {
                lastCheck = now;
                handle(guarded([&] { return m_store->heartbeat(lease); }));
                if (!cancel && !lost)
                    saveCheckpointIfDue();
            }
            return cancel || lost;
        };

        try {
            nlohmann::json result = m_engine->run(analysisRequestOf(lease.job), checkpoint, hooks);
            if (lost)
                return;
            finish(JobStatus::Succeeded, std::move(result), {});
            return;
        } catch (const AnalysisError &e) {
            if (lost)
                return;
            switch (e.kind()) {
            case AnalysisError::Kind::Canceled:
                if (m_release && !cancel) {
                    m_store->release(lease);
                    return;
                }
                finish(JobStatus::Canceled, std::nullopt, AnalysisError::canceledByUserText());
                return;
            case AnalysisError::Kind::TimedOut:
            case AnalysisError::Kind::Permanent:
                finish(JobStatus::Failed, std::nullopt, e.message());
                return;
            case AnalysisError::Kind::Transient:
                break;
            }
            const int failedAttempt = lease.job.attempt;
            if (!policy.shouldRetry(failedAttempt)) {
                finish(JobStatus::Failed, std::nullopt,
                    QStringLiteral("%1 (gave up after %2 attempts)").arg(e.message()).arg(failedAttempt));
                return;
            }
            const WriteResult r = m_store->retryLater(lease, e.message());
            if (r == WriteResult::CancelRequested) {
                finish(JobStatus::Canceled, std::nullopt, AnalysisError::canceledByUserText());
                return;
            }
            if (r == WriteResult::LeaseLost)
                return;
            // Back off while keeping the lease alive and listening for cancel and shutdown.
            const auto until
                = Clock::now() + std::chrono::milliseconds(policy.delayMs(failedAttempt, e.retryAfterMs()));
            while (Clock::now() < until && !m_release) {
                tick();
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                if (Clock::now() - lastCheck >= kCheckInterval) {
                    lastCheck = Clock::now();
                    if (m_store->heartbeat(lease) == WriteResult::LeaseLost)
                        return; // canceled while queued (terminal) or taken over
                }
            }
            if (m_release) {
                m_store->release(lease);
                return;
            }
            if (m_store->resume(lease) != WriteResult::Ok)
                return;
        } catch (const StoreUnavailable &) {
            throw; // no terminal write without the store; the lease expiry recovers the job
        } catch (const std::exception &e) {
            if (lost)
                return;
            finish(
                JobStatus::Failed, std::nullopt, QStringLiteral("internal error: %1").arg(QString::fromUtf8(e.what())));
            return;
        }
    }
}

} // namespace dealscope::server
