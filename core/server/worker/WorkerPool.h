#pragma once

#include "jobs/AttemptRunner.h"
#include "server/store/JobStore.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace dealscope {
class AnalysisEngine;
}

namespace dealscope::server {

class Metrics;

// The worker threads of one server process: each claims jobs from the store and runs them through
// the shared AnalysisEngine, writing progress, heartbeats and the terminal state under its lease.
class WorkerPool final : public QObject
{
    Q_OBJECT
public:
    struct Settings
    {
        int workers = 2;
        // Jobs claimed per store round trip. 0 adapts: it doubles while a batch runs well within
        // kBatchWait (up to 16) and drops to 1 after a slow job.
        int claimBatch = 0;
        int jobTimeoutSecs = 300;
        int maxAttempts = 3;
        qint64 retryBaseDelayMs = RetryPolicy::Options().baseDelayMs; // the same backoff as the local runner
        QString processName; // prefix of worker ids ("host:pid")
    };

    WorkerPool(Settings settings, JobStore *store, std::shared_ptr<const AnalysisEngine> engine, Metrics *metrics,
        QObject *parent = nullptr);
    ~WorkerPool() override;

    void start(); // spawns the claiming threads (role worker/all)
    void stopClaiming(); // no new jobs; running ones continue
    // Running jobs hand their job back to the queue (running → queued) at their next check.
    void releaseRunning();
    int running() const { return m_running.load(); }
    void join(); // after stopClaiming(): waits for every thread

    // Push-queue consumer: runs one specific job on a separate thread; `done` runs on
    // `context`'s thread with the job as stored at the end (nullopt: not claimable).
    void runJob(const QString &jobId, QObject *context, std::function<void(bool claimed, std::optional<Job> job)> done);

private:
    // Terminal writes of fast jobs, sent together (JobStore::finishMany).
    struct Deferred
    {
        QList<FinishRequest> requests;
        QList<double> seconds; // each job's run time, for the metrics
    };
    static AttemptOptions attemptOptions(const Settings &settings);
    void threadMain(int index);
    // Runs the job to its end; with `deferred`, a terminal write is queued there instead of sent.
    // `whileRunning` is called on this thread from the engine's hooks while the job runs.
    void execute(Lease &lease, Deferred *deferred = nullptr, const std::function<void()> *whileRunning = nullptr);
    void flush(Deferred &deferred);
    // After the store answered for `deferred` (outcomes set): metrics, counts, cleared.
    void written(Deferred &deferred);
    // Writes the held-back finishes and hands the claimed, not yet started jobs back to the queue.
    void handBack(std::deque<Lease> &claimed, Deferred &deferred);

    Settings m_settings;
    JobStore *m_store;
    std::shared_ptr<const AnalysisEngine> m_engine;
    Metrics *m_metrics;
    AttemptRunner m_attempts;
    std::vector<std::thread> m_threads;
    std::atomic_bool m_stopClaiming { false };
    std::atomic_bool m_release { false };
    std::atomic_int m_running { 0 };
    std::atomic_int m_consumeSeq { 0 };
};

} // namespace dealscope::server
