#include "jobs/LocalJobRunner.h"

#include "analysis/AnalysisEngine.h"
#include "analysis/AnalysisError.h"
#include "analysis/AnalysisType.h"
#include "common/Failpoints.h"
#include "jobs/AttemptRunner.h"
#include "jobs/JobId.h"
#include "jobs/JobJson.h"
#include "jobs/JobKey.h"
#include "jobs/JobStateMachine.h"
#include "jobs/JobStoreThread.h"
#include "jobs/JobsLog.h"
#include "jobs/RetryPolicy.h"

#include <QDateTime>
#include <QDir>
#include <QHash>
#include <QMutex>
#include <QMutexLocker>
#include <QPointer>
#include <QRunnable>
#include <QStandardPaths>
#include <QThread>
#include <QThreadPool>
#include <QTimer>

#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <vector>

using nlohmann::json;

namespace dealscope {

namespace {

const QString kOwner = QStringLiteral("local");
const QString kCanceledByUser = AnalysisError::canceledByUserText();
// jobUpdated for progress of one job at most this often: 500 jobs must not flood the GUI thread.
constexpr qint64 kEmitIntervalMs = 50;
// Progress is written to SQLite less often than it is shown; checkpoints are always written.
constexpr qint64 kPersistIntervalMs = 1000;

std::optional<PipelineCheckpoint> checkpointFromJson(const json &j)
{
    if (!j.is_object())
        return std::nullopt;
    const auto next = j.find("nextStep");
    const auto state = j.find("state");
    if (next == j.end() || !next->is_number_integer() || next->get<long long>() < 0 || next->get<long long>() > 10000)
        return std::nullopt;
    if (state == j.end() || !state->is_object())
        return std::nullopt;
    PipelineCheckpoint cp;
    cp.nextStep = int(next->get<long long>());
    cp.state = *state;
    return cp;
}

} // namespace

struct LocalJobRunner::Private
{
    struct Entry
    {
        Job job;
        PipelineCheckpoint checkpoint;
        std::atomic_bool cancel { false };
        quint64 version = 0;
        quint64 emittedVersion = 0;
        QList<QPair<quint64, Job>> pendingStatus; // status changes are each shown, in order
        qint64 lastEmitMs = 0;
        qint64 lastPersistMs = 0;
        bool running = false;
        bool terminalShown = false; // its terminal state was emitted (it is on disk by then)

        // Progress of the running attempt, handed over without the runner mutex: a worker reports
        // every step start, and taking the mutex for each made the workers and the runner's
        // thread wait on each other. flush() merges it into `job`.
        std::mutex progressMutex; // guards the four below
        bool progressPending = false;
        int progressAttempt = 0;
        double pendingProgress = 0;
        QString pendingLine;
        std::atomic_bool progressQueued { false }; // in Private::progressed
    };
    using EntryPtr = std::shared_ptr<Entry>;

    LocalJobRunner *q;
    std::shared_ptr<const AnalysisEngine> engine;
    LocalRunnerOptions options;
    RetryPolicy retry;
    AttemptRunner attempts;
    QThreadPool pool;
    std::unique_ptr<JobStoreThread> store;
    QString error;
    QTimer *flushTimer = nullptr;
    std::atomic_bool shuttingDown { false };

    mutable QMutex mutex; // guards everything below
    QHash<QString, EntryPtr> entries; // active jobs and terminal ones not yet shown
    QHash<JobKey, QString> activeByPair; // → job id (queued or running)
    QHash<JobKey, RecentSuccess> recentByPair; // → last success, for dedup
    QSet<QString> dirty; // entries with changes not yet emitted
    bool flushPosted = false;

    // Hand-offs to the runner's thread that do not take `mutex`: reported progress and terminal
    // writes now on disk. One posted flush() picks up all that arrived meanwhile.
    std::mutex handoffMutex; // a leaf lock: nothing else is taken while it is held
    std::vector<EntryPtr> progressed;
    std::vector<EntryPtr> committed;
    bool handoffPosted = false;
    bool timerArmed = false;
    bool busy = false;
    int active = 0;
    int unshownTerminals = 0; // terminal writes not yet on disk, so not yet shown

    Private(LocalJobRunner *owner, std::shared_ptr<const AnalysisEngine> e, LocalRunnerOptions o)
        : q(owner)
        , engine(std::move(e))
        , options(std::move(o))
        , retry(retryOptions(options))
        , attempts(engine, attemptOptions(options, retry))
    {
        pool.setMaxThreadCount(std::max(1, options.threads));
        pool.setObjectName(QStringLiteral("dealscope-jobs"));
    }

    static RetryPolicy retryOptions(const LocalRunnerOptions &o)
    {
        RetryPolicy::Options r;
        r.maxAttempts = o.maxAttempts;
        r.baseDelayMs = o.retryBaseDelayMs;
        r.maxDelayMs = o.retryMaxDelayMs;
        return RetryPolicy(r);
    }

    static AttemptOptions attemptOptions(const LocalRunnerOptions &o, const RetryPolicy &retry)
    {
        AttemptOptions a;
        a.timeoutSeconds = o.timeoutSeconds;
        a.retry = retry;
        a.clock = o.clock;
        return a;
    }

    qint64 nowMs() const { return attempts.clock().epochMs(); }

    void deliver(QObject *context, const Callback &callback, BackendReply reply) const
    {
        if (!callback)
            return;
        QObject *target = context ? context : q;
        QMetaObject::invokeMethod(
            target, [callback, reply = std::move(reply)] { callback(reply); }, Qt::QueuedConnection);
    }

    static BackendReply okReply(const Job &job, bool deduplicated = false)
    {
        BackendReply r;
        r.job = job;
        r.deduplicated = deduplicated;
        return r;
    }

    static BackendReply errorReply(BackendReply::Error error, QString message, std::optional<Job> job = std::nullopt)
    {
        BackendReply r;
        r.error = error;
        r.message = std::move(message);
        r.job = std::move(job);
        return r;
    }

    // --- state changes (mutex held) ---

    bool transitionLocked(Entry &e, JobStatus to, JobStateMachine::Requeue requeue = JobStateMachine::Requeue::Retry)
    {
        const bool wasActive = !isTerminal(e.job.status);
        if (const auto err = JobStateMachine::transition(e.job, to, nowMs(), requeue)) {
            qCWarning(lcJobs).noquote() << "job" << e.job.id << ':' << err->message;
            return false;
        }
        if (wasActive && isTerminal(to)) {
            --active;
            const JobKey key = JobKey::of(e.job);
            if (activeByPair.value(key) == e.job.id)
                activeByPair.remove(key);
            if (to == JobStatus::Succeeded)
                recentByPair.insert(
                    key, RecentSuccess { e.job.id, e.job.listingId, e.job.analysisType, *e.job.finishedAt });
        }
        return true;
    }

    void notifyLocked(Entry &e, bool statusChange)
    {
        ++e.version;
        if (statusChange)
            e.pendingStatus.append({ e.version, e.job });
        dirty.insert(e.job.id);
        if (flushPosted || (!statusChange && timerArmed))
            return;
        flushPosted = true;
        QMetaObject::invokeMethod(
            q, [this] { flush(); }, Qt::QueuedConnection);
    }

    static QList<JobStepRecord> stepRecords(const QString &jobId, const QList<FinishedStep> &steps)
    {
        QList<JobStepRecord> out;
        out.reserve(steps.size());
        for (const FinishedStep &s : steps)
            out.append(JobStepRecord { jobId, s.attempt, s.index, s.id, s.startedAt, s.finishedAt });
        return out;
    }

    // Queues the job's row (merged with its other waiting writes: group commit, no waiting here).
    void persistLocked(Entry &e, const QList<FinishedStep> &steps = {})
    {
        e.lastPersistMs = nowMs();
        if (store)
            store->write({ e.job, std::nullopt, stepRecords(e.job.id, steps), {} });
    }

    // A terminal state is shown only once it is on disk: a kill right after "succeeded" was shown
    // must not resurrect the job. The worker does not wait for it.
    void persistTerminalLocked(const EntryPtr &e, const QList<FinishedStep> &steps)
    {
        markTerminalWrittenLocked(*e);
        writeTerminal(e, e->job, steps);
    }

    // The bookkeeping of a terminal write (mutex held); writeTerminal() may follow without it.
    void markTerminalWrittenLocked(Entry &e)
    {
        e.lastPersistMs = nowMs();
        ++unshownTerminals;
    }

    // Queues the terminal row; flush() shows the job once it is committed. With or without
    // `mutex`: nothing writes the job after its terminal state, so this write stays its
    // last even when queued after the lock is gone. `bytes`: serializeJob(job, Storage) if made.
    void writeTerminal(const EntryPtr &e, Job job, const QList<FinishedStep> &steps, QByteArray bytes = {})
    {
        const QString id = job.id;
        if (!store
            || !store->write({ std::move(job), std::nullopt, stepRecords(id, steps), std::move(bytes) },
                [this, e] { handOff(committed, e); }))
            handOff(committed, e); // nothing to wait for: show it now
    }

    // Called on any thread without `mutex`.
    void handOff(std::vector<EntryPtr> &list, const EntryPtr &e)
    {
        std::lock_guard lock(handoffMutex);
        list.push_back(e);
        if (handoffPosted)
            return;
        handoffPosted = true;
        QMetaObject::invokeMethod(
            q, [this] { flush(); }, Qt::QueuedConnection);
    }

    // The reported progress of a running attempt into its job (mutex held).
    void mergeProgressLocked(Entry &e, qint64 now)
    {
        e.progressQueued.store(false); // a report after this point queues the entry again
        std::lock_guard slot(e.progressMutex);
        if (!e.progressPending)
            return;
        e.progressPending = false;
        if (e.job.status != JobStatus::Running || e.progressAttempt != e.job.attempt)
            return; // ended, or a report of an earlier attempt
        const double value = JobStateMachine::clampProgress(e.job, e.pendingProgress);
        if (value == e.job.progress && (e.pendingLine.isEmpty() || e.pendingLine == e.job.partialOutput))
            return;
        e.job.progress = value;
        if (!e.pendingLine.isEmpty())
            e.job.partialOutput = e.pendingLine;
        e.job.updatedAt = std::max(e.job.updatedAt, now);
        // Another process (dealscope-cli jobs) reads progress from the store, but seldom.
        if (now - e.lastPersistMs >= kPersistIntervalMs)
            persistLocked(e);
        ++e.version;
        dirty.insert(e.job.id);
    }

    // --- emission on the runner's thread ---

    void flush()
    {
        QList<Job> toEmit;
        bool becameIdle = false;
        bool rearm = false;
        std::vector<EntryPtr> newlyStored;
        std::vector<EntryPtr> reported;
        {
            std::lock_guard lock(handoffMutex);
            handoffPosted = false;
            newlyStored.swap(committed);
            reported.swap(progressed);
        }
        {
            QMutexLocker lock(&mutex);
            flushPosted = false;
            timerArmed = false;
            const qint64 now = nowMs();
            for (const EntryPtr &e : newlyStored) {
                --unshownTerminals;
                e->pendingStatus.append({ ++e->version, e->job });
                dirty.insert(e->job.id);
            }
            for (const EntryPtr &e : reported)
                mergeProgressLocked(*e, now);
            QSet<QString> still;
            for (const QString &id : std::as_const(dirty)) {
                const EntryPtr e = entries.value(id);
                if (!e)
                    continue;
                for (const auto &[version, job] : std::as_const(e->pendingStatus)) {
                    if (version > e->emittedVersion) {
                        toEmit.append(job);
                        e->emittedVersion = version;
                        e->lastEmitMs = now;
                        e->terminalShown = e->terminalShown || isTerminal(job.status);
                    }
                }
                e->pendingStatus.clear();
                // A terminal job's progress is not shown any more; its status change is, once stored.
                if (e->version > e->emittedVersion && !isTerminal(e->job.status)) {
                    if (now - e->lastEmitMs >= kEmitIntervalMs) {
                        toEmit.append(e->job);
                        e->emittedVersion = e->version;
                        e->lastEmitMs = now;
                    } else {
                        still.insert(id);
                    }
                }
                // Shown and final: the store answers for it from now on.
                if (!still.contains(id) && e->terminalShown && !e->running)
                    entries.remove(id);
            }
            dirty = std::move(still);
            if (!dirty.isEmpty()) {
                timerArmed = true;
                rearm = true;
            }
            if (busy && active == 0 && unshownTerminals == 0 && dirty.isEmpty()) {
                busy = false;
                becameIdle = true;
            }
        }
        if (rearm && flushTimer)
            flushTimer->start(int(kEmitIntervalMs));
        for (const Job &job : std::as_const(toEmit))
            Q_EMIT q->jobUpdated(job);
        if (becameIdle)
            Q_EMIT q->idle();
    }

    // --- scheduling ---

    void schedule(const QString &id)
    {
        if (shuttingDown.load())
            return;
        pool.start(QRunnable::create([this, id] { runJob(id); }));
    }

    void scheduleAfter(const QString &id, qint64 delayMs)
    {
        // Timers live on the runner's thread; the backoff must not hold a worker thread.
        QMetaObject::invokeMethod(
            q,
            [this, id, delayMs] {
                QTimer::singleShot(std::chrono::milliseconds(delayMs), q, [this, id] {
                    bool rescheduled = false;
                    {
                        QMutexLocker lock(&mutex);
                        const EntryPtr e = entries.value(id);
                        rescheduled = e && e->job.status == JobStatus::Queued && !e->running;
                        if (rescheduled)
                            schedule(id);
                    }
                    Q_EMIT q->retryDue(id, rescheduled);
                });
            },
            Qt::QueuedConnection);
    }

    // --- the worker ---

    // The local side of an attempt: the entry in memory and jobs.sqlite.
    class Sink final : public AttemptSink
    {
    public:
        Sink(Private &d, EntryPtr e, int attempt)
            : m_d(d)
            , m_e(std::move(e))
            , m_attempt(attempt)
        { }

        Stop poll() override
        {
            if (m_e->cancel.load())
                return Stop::Cancel;
            // Closing the app is not a failure: the job goes back to the queue, same attempt.
            if (m_d.shuttingDown.load())
                return Stop::HandBack;
            return Stop::None;
        }

        void progress(double progress, const QString &line) override
        {
            Entry &e = *m_e;
            {
                std::lock_guard slot(e.progressMutex);
                if (!e.progressPending || e.progressAttempt != m_attempt) {
                    e.pendingProgress = progress;
                    e.pendingLine = line;
                } else {
                    if (std::isfinite(progress))
                        e.pendingProgress
                            = std::isfinite(e.pendingProgress) ? std::max(e.pendingProgress, progress) : progress;
                    if (!line.isEmpty())
                        e.pendingLine = line;
                }
                e.progressAttempt = m_attempt;
                e.progressPending = true;
            }
            if (!e.progressQueued.exchange(true))
                m_d.handOff(m_d.progressed, m_e);
        }

        void checkpoint(const PipelineCheckpoint &checkpoint, const QList<FinishedStep> &steps, bool durable) override
        {
            std::promise<void> stored;
            std::future<void> done = stored.get_future();
            {
                QMutexLocker lock(&m_d.mutex);
                Entry &e = *m_e;
                e.checkpoint = checkpoint;
                e.job.updatedAt = std::max(e.job.updatedAt, m_d.nowMs());
                e.lastPersistMs = m_d.nowMs();
                std::function<void()> committed;
                if (durable)
                    committed = [&stored] { stored.set_value(); };
                if (!m_d.store
                    || !m_d.store->write(
                        { e.job, checkpoint, stepRecords(e.job.id, steps), {} }, durable ? committed : nullptr)) {
                    if (durable)
                        stored.set_value();
                }
            }
            if (durable)
                done.wait();
        }

    private:
        Private &m_d;
        EntryPtr m_e;
        const int m_attempt;
    };

    void finish(const EntryPtr &e, JobStatus to, std::optional<json> result, const QString &message,
        const QList<FinishedStep> &steps)
    {
        Job finished;
        {
            QMutexLocker lock(&mutex);
            if (to == JobStatus::Succeeded)
                e->job.result = std::move(result);
            e->running = false;
            if (!transitionLocked(*e, to))
                return;
            e->job.error = message;
            if (to == JobStatus::Succeeded)
                e->job.partialOutput.clear();
            markTerminalWrittenLocked(*e);
            finished = e->job;
        }
        // Serialized here, on the worker, not under the mutex nor on the store thread that every
        // write waits for.
        QByteArray bytes = serializeJob(finished, JobJsonScope::Storage);
        writeTerminal(e, std::move(finished), steps, std::move(bytes));
    }

    void requeue(const EntryPtr &e, const AttemptOutcome &outcome)
    {
        {
            QMutexLocker lock(&mutex);
            const int failed = e->job.attempt;
            e->running = false;
            if (!transitionLocked(*e, JobStatus::Queued))
                return;
            e->job.partialOutput = AttemptRunner::retryingMessage(failed, outcome.error, outcome.retryDelayMs);
            persistLocked(*e, outcome.unsavedSteps);
            notifyLocked(*e, true);
        }
        scheduleAfter(e->job.id, outcome.retryDelayMs);
    }

    void handBack(const EntryPtr &e, const QList<FinishedStep> &steps)
    {
        QMutexLocker lock(&mutex);
        e->running = false;
        if (!transitionLocked(*e, JobStatus::Queued, JobStateMachine::Requeue::HandBack))
            return;
        e->job.partialOutput = QStringLiteral("waiting to resume after step %1").arg(e->checkpoint.nextStep);
        persistLocked(*e, steps);
        notifyLocked(*e, true);
    }

    void runJob(const QString &id)
    {
        EntryPtr e;
        Job snapshot;
        PipelineCheckpoint checkpoint;
        {
            QMutexLocker lock(&mutex);
            e = entries.value(id);
            if (!e || e->running || e->job.status != JobStatus::Queued || shuttingDown.load())
                return;
            if (!transitionLocked(*e, JobStatus::Running))
                return;
            e->running = true;
            snapshot = e->job;
            checkpoint = e->checkpoint;
            persistLocked(*e);
            notifyLocked(*e, true);
        }

        Sink sink(*this, e, snapshot.attempt);
        AttemptOutcome outcome = attempts.run(snapshot, checkpoint, sink);
        {
            QMutexLocker lock(&mutex);
            e->checkpoint = checkpoint;
        }
        switch (outcome.kind) {
        case AttemptOutcome::Kind::Succeeded:
            finish(e, JobStatus::Succeeded, std::move(outcome.result), {}, outcome.unsavedSteps);
            return;
        case AttemptOutcome::Kind::Failed:
            finish(e, JobStatus::Failed, std::nullopt, outcome.error, outcome.unsavedSteps);
            return;
        case AttemptOutcome::Kind::Canceled:
            finish(e, JobStatus::Canceled, std::nullopt, outcome.error, outcome.unsavedSteps);
            return;
        case AttemptOutcome::Kind::RetryLater:
            requeue(e, outcome);
            return;
        case AttemptOutcome::Kind::HandedBack:
        case AttemptOutcome::Kind::Lost: // no lease here: treat as a hand-back
            handBack(e, outcome.unsavedSteps);
            return;
        }
    }

    // --- store reads off the caller's thread ---

    // Called on the store thread. The context may live on any thread and may be gone by now, so
    // the reply first hops to the runner's thread (alive while the store thread runs) and is only
    // handed on if the context still exists.
    void deliverFromStore(const QPointer<QObject> &guard, const Callback &callback, BackendReply reply) const
    {
        if (!callback)
            return;
        QMetaObject::invokeMethod(
            q,
            [guard, callback, reply = std::move(reply)] {
                if (!guard)
                    return;
                if (guard->thread() == QThread::currentThread())
                    callback(reply);
                else
                    QMetaObject::invokeMethod(
                        guard.data(), [callback, reply] { callback(reply); }, Qt::QueuedConnection);
            },
            Qt::QueuedConnection);
    }

    void replyFromStore(QObject *context, const Callback &callback, std::function<BackendReply(LocalJobStore &)> query)
    {
        QPointer<QObject> guard(context ? context : q);
        if (!store || !store->post([this, guard, callback, query = std::move(query)](LocalJobStore &s) {
                deliverFromStore(guard, callback, query(s));
            })) {
            deliver(context, callback,
                errorReply(BackendReply::Error::Internal, QStringLiteral("the job store is not open")));
        }
    }
};

LocalJobRunner::LocalJobRunner(
    std::shared_ptr<const AnalysisEngine> engine, LocalRunnerOptions options, QObject *parent)
    : JobBackend(parent)
    , d(std::make_unique<Private>(this, std::move(engine), std::move(options)))
{
    qRegisterMetaType<dealscope::Job>();
    d->flushTimer = new QTimer(this);
    d->flushTimer->setSingleShot(true);
    connect(d->flushTimer, &QTimer::timeout, this, [this] { d->flush(); });
}

LocalJobRunner::~LocalJobRunner()
{
    // Stop taking work, let running steps reach their next cancel point (their state stays
    // "running" with the last checkpoint, so resumeInterrupted() picks them up next time), then
    // drain the store queue.
    d->shuttingDown.store(true);
    d->flushTimer->stop();
    d->pool.clear();
    d->pool.waitForDone();
    if (d->store)
        d->store->stop();
}

bool LocalJobRunner::open()
{
    if (d->store)
        return true;
    QString dir = d->options.dataDir;
    if (dir.isEmpty())
        dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (dir.isEmpty()) {
        d->error = QStringLiteral("no data folder: pass --data-dir");
        return false;
    }
    auto store = std::make_unique<JobStoreThread>(QDir(dir).filePath(QStringLiteral("jobs.sqlite")));
    QString error;
    if (!store->start(&error)) {
        d->error = error;
        qCWarning(lcJobs).noquote() << "cannot open the job store:" << error;
        return false;
    }
    if (d->options.finishedRetentionMs > 0) {
        const qint64 before = d->nowMs() - d->options.finishedRetentionMs;
        const int pruned = store->call<int>([before](LocalJobStore &s) { return s.pruneFinishedBefore(before); });
        if (pruned > 0)
            qCInfo(lcJobs) << "pruned" << pruned << "finished job(s) older than"
                           << d->options.finishedRetentionMs / (24 * 3600 * 1000) << "days";
    }
    const qint64 since = d->nowMs() - d->options.recentSuccessWindowMs;
    const QList<RecentSuccess> recent
        = store->call<QList<RecentSuccess>>([since](LocalJobStore &s) { return s.successesSince(kOwner, since); });
    QMutexLocker lock(&d->mutex);
    d->store = std::move(store);
    for (const RecentSuccess &r : recent)
        d->recentByPair.insert(JobKey { r.listingId, r.analysisType }, r); // ordered by finishedAt: last wins
    d->error.clear();
    return true;
}

QString LocalJobRunner::errorString() const
{
    QMutexLocker lock(&d->mutex);
    return d->error;
}

void LocalJobRunner::start(const StartRequest &request, QObject *context, Callback callback)
{
    if (d->shuttingDown.load() || !d->store) {
        d->deliver(context, callback,
            Private::errorReply(BackendReply::Error::Internal,
                d->store ? QStringLiteral("the local runner is shutting down")
                         : QStringLiteral("the job store is not open")));
        return;
    }
    const json params = request.params.is_null() ? json::object() : request.params;
    if (const auto invalid = d->engine->validate(
            AnalysisRequest { request.listingId, request.analysisType, params, request.listing, {} })) {
        const QString message = invalid->message.contains(invalid->field)
            ? invalid->message
            : QStringLiteral("%1: %2").arg(invalid->field, invalid->message);
        d->deliver(context, callback, Private::errorReply(BackendReply::Error::Invalid, message));
        return;
    }

    const JobKey key { request.listingId, request.analysisType };
    QMutexLocker lock(&d->mutex);
    if (const QString activeId = d->activeByPair.value(key); !activeId.isEmpty()) {
        if (const auto e = d->entries.value(activeId)) {
            const Job job = e->job;
            lock.unlock();
            d->deliver(context, callback, Private::okReply(job, true));
            return;
        }
    }
    if (!request.force) {
        const auto recent = d->recentByPair.constFind(key);
        if (recent != d->recentByPair.constEnd()) {
            if (d->nowMs() - recent->finishedAt < d->options.recentSuccessWindowMs) {
                const QString jobId = recent->jobId;
                if (const auto e = d->entries.value(jobId)) {
                    const Job job = e->job;
                    lock.unlock();
                    d->deliver(context, callback, Private::okReply(job, true));
                    return;
                }
                lock.unlock();
                // Evicted from memory: the store has it (its write was queued before this read).
                QPointer<QObject> guard(context ? context : this);
                const bool posted = d->store->post([this, jobId, request, guard, callback](LocalJobStore &s) {
                    if (const auto job = s.job(jobId); job && job->status == JobStatus::Succeeded) {
                        d->deliverFromStore(guard, callback, Private::okReply(*job, true));
                        return;
                    }
                    // Deleted under us: start afresh, this time without the stale success.
                    QMetaObject::invokeMethod(
                        this,
                        [this, jobId, request, guard, callback] {
                            {
                                QMutexLocker relock(&d->mutex);
                                const JobKey k { request.listingId, request.analysisType };
                                if (d->recentByPair.value(k).jobId == jobId)
                                    d->recentByPair.remove(k);
                            }
                            if (guard)
                                start(request, guard, callback);
                        },
                        Qt::QueuedConnection);
                });
                if (!posted) {
                    d->deliver(context, callback,
                        Private::errorReply(BackendReply::Error::Internal, QStringLiteral("the job store is closed")));
                }
                return;
            }
            d->recentByPair.erase(recent);
        }
    }

    auto e = std::make_shared<Private::Entry>();
    const qint64 now = d->nowMs();
    Job &job = e->job;
    job.id = generateJobId();
    job.owner = kOwner;
    job.backend = kOwner;
    job.listingId = request.listingId;
    job.analysisType = request.analysisType;
    job.params = params;
    job.listing = request.listing;
    job.status = JobStatus::Queued;
    job.createdAt = job.updatedAt = now;
    job.attempt = 1;
    d->entries.insert(job.id, e);
    d->activeByPair.insert(key, job.id);
    ++d->active;
    d->busy = true;
    d->persistLocked(*e);
    d->notifyLocked(*e, true);
    const Job created = job;
    lock.unlock();
    d->schedule(created.id);
    d->deliver(context, callback, Private::okReply(created, false));
}

void LocalJobRunner::fetch(const QString &jobId, QObject *context, Callback callback)
{
    {
        QMutexLocker lock(&d->mutex);
        if (const auto e = d->entries.value(jobId)) {
            const Job job = e->job;
            lock.unlock();
            d->deliver(context, callback, Private::okReply(job));
            return;
        }
    }
    d->replyFromStore(context, callback, [jobId](LocalJobStore &s) {
        if (const auto job = s.job(jobId))
            return Private::okReply(*job);
        return Private::errorReply(BackendReply::Error::NotFound, QStringLiteral("no job %1").arg(jobId));
    });
}

void LocalJobRunner::lookup(const QString &listingId, const QString &analysisType, QObject *context, Callback callback)
{
    {
        QMutexLocker lock(&d->mutex);
        const QString activeId = d->activeByPair.value(JobKey { listingId, analysisType });
        if (const auto e = d->entries.value(activeId)) {
            const Job job = e->job;
            lock.unlock();
            d->deliver(context, callback, Private::okReply(job));
            return;
        }
    }
    d->replyFromStore(context, callback, [listingId, analysisType](LocalJobStore &s) {
        if (const auto job = s.latestForPair(kOwner, listingId, analysisType))
            return Private::okReply(*job);
        return Private::errorReply(
            BackendReply::Error::NotFound, QStringLiteral("no %1 job for listing %2").arg(analysisType, listingId));
    });
}

void LocalJobRunner::cancel(const QString &jobId, QObject *context, Callback callback)
{
    {
        QMutexLocker lock(&d->mutex);
        if (const auto e = d->entries.value(jobId)) {
            if (isTerminal(e->job.status)) {
                const Job job = e->job;
                lock.unlock();
                d->deliver(context, callback,
                    Private::errorReply(BackendReply::Error::Conflict,
                        QStringLiteral("job %1 is already %2").arg(jobId, jobStatusName(job.status)), job));
                return;
            }
            e->cancel.store(true);
            e->job.cancelRequested = true;
            e->job.updatedAt = std::max(e->job.updatedAt, d->nowMs());
            // Queued (or waiting for a retry): nothing runs it, so it ends now. Running: the worker
            // sees the flag at its next check (≤ 250 ms) and ends it.
            if (e->job.status == JobStatus::Queued && !e->running) {
                d->transitionLocked(*e, JobStatus::Canceled);
                e->job.error = kCanceledByUser;
                d->persistTerminalLocked(e, {});
            } else {
                d->persistLocked(*e);
                d->notifyLocked(*e, true);
            }
            const Job job = e->job;
            lock.unlock();
            d->deliver(context, callback, Private::okReply(job));
            return;
        }
    }
    // Not live in this process (an interrupted job nobody resumed yet): settle it in the store.
    d->replyFromStore(context, callback, [this, jobId](LocalJobStore &s) {
        auto job = s.job(jobId);
        if (!job)
            return Private::errorReply(BackendReply::Error::NotFound, QStringLiteral("no job %1").arg(jobId));
        if (isTerminal(job->status)) {
            return Private::errorReply(BackendReply::Error::Conflict,
                QStringLiteral("job %1 is already %2").arg(jobId, jobStatusName(job->status)), *job);
        }
        job->cancelRequested = true;
        JobStateMachine::transition(*job, JobStatus::Canceled, d->nowMs());
        job->error = kCanceledByUser;
        s.saveJob(*job);
        return Private::okReply(*job);
    });
}

void LocalJobRunner::watch(const QString &jobId)
{
    // Local jobs push every change to every listener; nothing to set up. A watcher that attached
    // late gets the current state once, so it never waits for a change that already happened —
    // also when the job ended (and left memory) before the start reply reached the watcher.
    {
        QMutexLocker lock(&d->mutex);
        if (const auto e = d->entries.value(jobId)) {
            e->pendingStatus.append({ ++e->version, e->job });
            d->dirty.insert(jobId);
            if (!d->flushPosted) {
                d->flushPosted = true;
                QMetaObject::invokeMethod(
                    this, [this] { d->flush(); }, Qt::QueuedConnection);
            }
            return;
        }
    }
    if (!d->store)
        return;
    d->store->post([this, jobId](LocalJobStore &s) {
        if (auto job = s.job(jobId)) {
            job->backend = QStringLiteral("local");
            QMetaObject::invokeMethod(
                this, [this, job = *job] { Q_EMIT jobUpdated(job); }, Qt::QueuedConnection);
        }
    });
}

void LocalJobRunner::unwatch(const QString &jobId)
{
    Q_UNUSED(jobId);
}

int LocalJobRunner::resumeInterrupted()
{
    if (!d->store || d->shuttingDown.load())
        return 0;
    const QList<StoredJob> stored = d->store->call<QList<StoredJob>>([](LocalJobStore &s) { return s.unfinished(); });
    QStringList toRun;
    int resumed = 0;
    {
        QMutexLocker lock(&d->mutex);
        for (const StoredJob &s : stored) {
            if (d->entries.contains(s.job.id) || s.job.owner != kOwner)
                continue;
            auto e = std::make_shared<Private::Entry>();
            e->job = s.job;
            e->job.backend = kOwner;
            if (s.checkpoint) {
                if (const auto cp = checkpointFromJson(*s.checkpoint))
                    e->checkpoint = *cp;
                else
                    qCWarning(lcJobs) << "job" << s.job.id << "has an unreadable checkpoint; it restarts from step one";
            }
            d->entries.insert(e->job.id, e);
            ++d->active;
            d->busy = true;
            const JobKey key = JobKey::of(e->job);
            const QString other = d->activeByPair.value(key);
            if (e->job.cancelRequested || !other.isEmpty()) {
                d->transitionLocked(*e, JobStatus::Canceled);
                e->job.error
                    = e->job.cancelRequested ? kCanceledByUser : QStringLiteral("superseded by job %1").arg(other);
                d->persistTerminalLocked(e, {});
                continue;
            }
            d->activeByPair.insert(key, e->job.id);
            // A job that takes the process down with it would otherwise be resumed, and crash the
            // app, on every start: interrupted runs count against the attempt limit like failures.
            // (Closing the app hands running jobs back as queued, so only a crash lands here.)
            if (e->job.status == JobStatus::Running && e->job.attempt >= d->options.maxAttempts) {
                d->transitionLocked(*e, JobStatus::Failed);
                e->job.error = AttemptRunner::interruptedMessage(e->job.attempt, d->options.maxAttempts);
                d->persistTerminalLocked(e, {});
                qCWarning(lcJobs).noquote() << "job" << e->job.id << e->job.error;
                continue;
            }
            if (e->job.status == JobStatus::Running) {
                // The process that ran it died: a new attempt, from the checkpoint.
                d->transitionLocked(*e, JobStatus::Queued);
                e->job.partialOutput = e->checkpoint.nextStep > 0
                    ? QStringLiteral("resuming after step %1").arg(e->checkpoint.nextStep)
                    : QStringLiteral("restarting after an interrupted run");
            }
            d->persistLocked(*e);
            d->notifyLocked(*e, true);
            toRun.append(e->job.id);
            ++resumed;
        }
    }
    for (const QString &id : std::as_const(toRun))
        d->schedule(id);
    if (resumed > 0)
        qCInfo(lcJobs) << "resumed" << resumed << "interrupted job(s)";
    return resumed;
}

QList<Job> LocalJobRunner::jobs() const
{
    if (!d->store)
        return {};
    QList<Job> all = d->store->call<QList<Job>>([](LocalJobStore &s) { return s.all(); });
    // The store lags behind the live progress of running jobs; show the live state.
    QMutexLocker lock(&d->mutex);
    for (Job &job : all) {
        if (const auto e = d->entries.value(job.id))
            job = e->job;
    }
    return all;
}

int LocalJobRunner::activeCount() const
{
    QMutexLocker lock(&d->mutex);
    return d->active;
}

void LocalJobRunner::setThreadCount(int threads)
{
    d->pool.setMaxThreadCount(std::max(1, threads));
}

} // namespace dealscope
