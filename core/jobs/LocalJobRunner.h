#pragma once

#include "jobs/JobBackend.h"

#include <QString>

#include <memory>

namespace dealscope {

class AnalysisEngine;
class Clock;

struct LocalRunnerOptions final
{
    QString dataDir; // holds jobs.sqlite; the app data folder unless --data-dir
    int threads = 2; // worker threads
    int timeoutSeconds = 300; // per attempt
    int maxAttempts = 3;
    qint64 retryBaseDelayMs = 1000; // exponential backoff base, with ±20 % jitter
    qint64 retryMaxDelayMs = 30000;
    qint64 recentSuccessWindowMs = 3600 * 1000; // dedup returns a success younger than this
    // open() deletes finished jobs older than this from jobs.sqlite, which would otherwise grow
    // with every analysis ever run; results live on in the desktop's library. 0 keeps everything.
    qint64 finishedRetentionMs = qint64(30) * 24 * 3600 * 1000;
    const Clock *clock = nullptr; // the system clock when null; tests pass a manual one
};

// Runs analyses on a thread pool with every rule of SPEC §3 (dedup, progress, cancel, timeout,
// retries) and persists jobs in SQLite with a checkpoint where one is worth it (after a slow step,
// and at least every second of a long attempt; AttemptRunner), so that jobs of a killed process
// resume from their last saved step (resumeInterrupted()).
//
// Threading: create, use and destroy it on one thread with an event loop (the GUI or CLI main
// thread); start/fetch/lookup/cancel may also be called from other threads. SQLite is only
// touched by a dedicated store thread: start() and cancel() decide in memory under a mutex and
// queue their writes; fetch/lookup of jobs no longer in memory read there and answer later.
// Workers hand their progress and the store hands its commits to the runner's thread without that
// mutex; one posted flush picks up everything that arrived meanwhile.
// open(), resumeInterrupted() and jobs() wait for the store thread (start-up and CLI listing).
// jobUpdated() is coalesced: every status change is emitted, progress at most every 50 ms per job.
// The store (jobs.sqlite) keeps each job's JSON, its checkpoint and a history of which
// step finished in which attempt.
class LocalJobRunner final : public JobBackend
{
    Q_OBJECT
public:
    LocalJobRunner(std::shared_ptr<const AnalysisEngine> engine, LocalRunnerOptions options, QObject *parent = nullptr);
    ~LocalJobRunner() override; // cancels nothing, waits for running steps to reach a checkpoint

    // Opens the store; false with errorString() when the data dir or database is unusable.
    bool open();
    QString errorString() const;

    QString kind() const override { return QStringLiteral("local"); }
    void start(const StartRequest &request, QObject *context, Callback callback) override;
    void fetch(const QString &jobId, QObject *context, Callback callback) override;
    void lookup(const QString &listingId, const QString &analysisType, QObject *context, Callback callback) override;
    void cancel(const QString &jobId, QObject *context, Callback callback) override;
    void watch(const QString &jobId) override;
    void unwatch(const QString &jobId) override;

    // Requeues every non-terminal job found in the store (attempt + 1, from its checkpoint); a job
    // interrupted in its last allowed attempt (maxAttempts) fails instead, so a job that crashes
    // the process cannot crash it again on every start. Returns the number of jobs resumed.
    int resumeInterrupted();
    QList<Job> jobs() const; // every job in the store, newest first
    int activeCount() const;
    void setThreadCount(int threads);

Q_SIGNALS:
    void idle(); // no job queued or running any more
    // A retry's backoff ended: `rescheduled` is false when the job was canceled (or resumed
    // elsewhere) meanwhile and nothing ran. Lets a caller see the backoff end without a timer.
    void retryDue(const QString &jobId, bool rescheduled);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace dealscope
