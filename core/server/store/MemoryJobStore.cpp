#include "server/store/MemoryJobStore.h"

#include "jobs/JobJson.h"
#include "jobs/JobStateMachine.h"

#include <chrono>
#include <utility>

namespace dealscope::server {

MemoryJobStore::MemoryJobStore(StoreSettings settings)
    : m_settings(settings)
{ }

MemoryJobStore::~MemoryJobStore() = default;

QString MemoryJobStore::dedupKey(const QString &owner, const QString &listingId, const QString &analysisType)
{
    return owner + QChar(0x1f) + listingId + QChar(0x1f) + analysisType;
}

void MemoryJobStore::countLocked(JobStatus from, JobStatus to)
{
    if (!isTerminal(from))
        --m_counts[jobStatusName(from)];
    ++m_counts[jobStatusName(to)];
}

void MemoryJobStore::purgeExpiredLocked(qint64 now)
{
    if (now < m_nextPurgeMs)
        return;
    m_nextPurgeMs = now + 1000;
    for (auto it = m_expiresAt.begin(); it != m_expiresAt.end();) {
        if (it.value() > now) {
            ++it;
            continue;
        }
        const auto job = m_jobs.constFind(it.key());
        if (job != m_jobs.cend()) {
            const QString key = dedupKey(job->owner, job->listingId, job->analysisType);
            if (m_dedup.value(key) == it.key())
                m_dedup.remove(key);
            m_jobs.erase(job);
        }
        m_wire.remove(it.key());
        it = m_expiresAt.erase(it);
    }
    for (auto it = m_idempotency.begin(); it != m_idempotency.end();)
        it = it->expiresAt <= now ? m_idempotency.erase(it) : std::next(it);
    for (auto it = m_remembered.begin(); it != m_remembered.end();)
        it = it.value() <= now ? m_remembered.erase(it) : std::next(it);
}

bool MemoryJobStore::rememberOnce(const QByteArray &key, qint64 untilMs)
{
    const qint64 now = nowMs();
    std::lock_guard lock(m_mutex);
    purgeExpiredLocked(now);
    const auto it = m_remembered.constFind(key);
    if (it != m_remembered.cend() && it.value() > now)
        return false;
    m_remembered.insert(key, untilMs);
    return true;
}

StartOutcome MemoryJobStore::start(const StartRequest &request)
{
    const Job &candidate = request.candidate;
    const qint64 now = nowMs();
    std::optional<StartOutcome> outcome; // an existing job's, when the start is not a new job
    {
        std::lock_guard lock(m_mutex);
        purgeExpiredLocked(now);
        QString idempotencyKey;
        QByteArray fingerprint;
        if (!request.idempotencyKey.isEmpty()) {
            idempotencyKey = candidate.owner + QChar(0x1f) + request.idempotencyKey;
            fingerprint = requestFingerprint(request);
            const auto seen = m_idempotency.constFind(idempotencyKey);
            if (seen != m_idempotency.cend() && seen->expiresAt > now) {
                if (seen->fingerprint != fingerprint)
                    return StartOutcome { {}, false, StartOutcome::Kind::KeyReused, false };
                const auto job = m_jobs.constFind(seen->jobId);
                // A job that has expired since is started again, under the same key.
                if (job != m_jobs.cend()) {
                    return StartOutcome { *job, seen->created,
                        seen->created ? StartOutcome::Kind::Created : StartOutcome::Kind::Deduplicated, true };
                }
            }
        }
        const QString key = dedupKey(candidate.owner, candidate.listingId, candidate.analysisType);
        const auto existingId = m_dedup.constFind(key);
        if (existingId != m_dedup.cend()) {
            const auto existing = m_jobs.constFind(*existingId);
            if (existing != m_jobs.cend()) {
                const bool same = sameInputs(*existing, candidate);
                if (!isTerminal(existing->status)) {
                    outcome = StartOutcome { *existing, false,
                        same ? StartOutcome::Kind::Deduplicated : StartOutcome::Kind::Conflict, false };
                } else if (existing->status == JobStatus::Succeeded && !request.force && existing->finishedAt
                    && now - *existing->finishedAt < m_settings.dedupWindowMs && same) {
                    outcome = StartOutcome { *existing, false, StartOutcome::Kind::Deduplicated, false };
                }
            }
        }
        if (!outcome) {
            m_jobs.insert(candidate.id, candidate);
            m_dedup.insert(key, candidate.id);
            m_queue.push_back(candidate.id);
            ++m_counts[QStringLiteral("queued")];
            outcome = StartOutcome { candidate, true, StartOutcome::Kind::Created, false };
        }
        if (!idempotencyKey.isEmpty() && outcome->kind != StartOutcome::Kind::Conflict)
            m_idempotency.insert(idempotencyKey,
                Remembered {
                    outcome->job.id, outcome->created, fingerprint, now + m_settings.idempotencyTtlSecs * 1000 });
    }
    if (outcome->created) {
        m_queueChanged.notify_one();
        notifyChanged(candidate.id);
    }
    return *outcome;
}

std::optional<Job> MemoryJobStore::get(const QString &id)
{
    std::lock_guard lock(m_mutex);
    purgeExpiredLocked(nowMs());
    const auto it = m_jobs.constFind(id);
    if (it == m_jobs.cend())
        return std::nullopt;
    return *it;
}

QList<std::optional<Job>> MemoryJobStore::getMany(const QStringList &ids)
{
    std::lock_guard lock(m_mutex);
    purgeExpiredLocked(nowMs());
    QList<std::optional<Job>> out;
    out.reserve(ids.size());
    for (const QString &id : ids) {
        const auto it = m_jobs.constFind(id);
        out.append(it == m_jobs.cend() ? std::nullopt : std::optional<Job>(*it));
    }
    return out;
}

QList<std::optional<QByteArray>> MemoryJobStore::getManyWire(const QString &owner, const QStringList &ids)
{
    std::lock_guard lock(m_mutex);
    purgeExpiredLocked(nowMs());
    QList<std::optional<QByteArray>> out;
    out.reserve(ids.size());
    for (const QString &id : ids) {
        const auto it = m_jobs.constFind(id);
        if (it == m_jobs.cend() || it->owner != owner) {
            out.append(std::nullopt);
            continue;
        }
        auto cached = m_wire.find(id);
        if (cached == m_wire.end())
            cached = m_wire.insert(id, serializeJob(*it, JobJsonScope::Wire));
        out.append(*cached);
    }
    return out;
}

std::optional<Job> MemoryJobStore::lookup(const QString &owner, const QString &listingId, const QString &analysisType)
{
    std::lock_guard lock(m_mutex);
    purgeExpiredLocked(nowMs());
    const auto id = m_dedup.constFind(dedupKey(owner, listingId, analysisType));
    if (id == m_dedup.cend())
        return std::nullopt;
    const auto it = m_jobs.constFind(*id);
    if (it == m_jobs.cend() || it->owner != owner)
        return std::nullopt;
    return *it;
}

CancelResult MemoryJobStore::cancel(const QString &owner, const QString &id)
{
    const qint64 now = nowMs();
    CancelResult out;
    {
        std::lock_guard lock(m_mutex);
        purgeExpiredLocked(now);
        auto it = m_jobs.find(id);
        if (it == m_jobs.end() || it->owner != owner)
            return out;
        Job &job = *it;
        if (isTerminal(job.status)) {
            out.outcome = CancelOutcome::AlreadyTerminal;
        } else if (job.status == JobStatus::Queued) {
            const JobStatus from = job.status;
            JobStateMachine::transition(job, JobStatus::Canceled, now);
            job.cancelRequested = true;
            job.error = canceledByUser();
            m_expiresAt.insert(id, now + m_settings.completedTtlSecs * 1000);
            countLocked(from, JobStatus::Canceled);
            out.outcome = CancelOutcome::Canceled;
        } else {
            job.cancelRequested = true;
            job.updatedAt = now;
            out.outcome = CancelOutcome::Requested;
        }
        m_wire.remove(id);
        out.job = job;
    }
    if (out.outcome != CancelOutcome::AlreadyTerminal)
        notifyChanged(id);
    return out;
}

StoreStats MemoryJobStore::stats()
{
    std::lock_guard lock(m_mutex);
    StoreStats s;
    s.jobsByStatus = m_counts;
    s.queueDepth = qint64(m_queue.size());
    return s;
}

std::optional<Lease> MemoryJobStore::claimLocked(const QString &id)
{
    auto it = m_jobs.find(id);
    if (it == m_jobs.end() || it->status != JobStatus::Queued || m_leases.contains(id))
        return std::nullopt;
    // A queued job that has run before was handed back (or its retry's worker vanished): its
    // next worker resumes from the checkpoint instead of the first step.
    const bool ranBefore = it->startedAt.has_value();
    if (JobStateMachine::transition(*it, JobStatus::Running, nowMs()))
        return std::nullopt;
    countLocked(JobStatus::Queued, JobStatus::Running);
    m_wire.remove(id);
    Lease lease;
    lease.job = *it;
    lease.token = newLeaseToken();
    lease.recovered = ranBefore;
    m_leases.insert(id, lease.token);
    return lease;
}

std::optional<Lease> MemoryJobStore::claim(const QString &, int waitMs)
{
    std::optional<Lease> lease;
    {
        std::unique_lock lock(m_mutex);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(waitMs);
        while (!lease) {
            if (m_interrupted)
                return std::nullopt;
            if (m_queue.empty()) {
                if (m_queueChanged.wait_until(lock, deadline) == std::cv_status::timeout && m_queue.empty())
                    return std::nullopt;
                continue;
            }
            const QString id = m_queue.front();
            m_queue.pop_front();
            lease = claimLocked(id); // canceled-while-queued jobs are skipped here
        }
    }
    notifyChanged(lease->job.id);
    return lease;
}

std::optional<Lease> MemoryJobStore::claimJob(const QString &, const QString &jobId)
{
    std::optional<Lease> lease;
    {
        std::lock_guard lock(m_mutex);
        lease = claimLocked(jobId);
        if (lease)
            std::erase(m_queue, jobId);
    }
    if (lease)
        notifyChanged(jobId);
    return lease;
}

Job *MemoryJobStore::leasedJobLocked(Lease &lease)
{
    if (lease.ended || m_leases.value(lease.job.id) != lease.token)
        return nullptr;
    auto it = m_jobs.find(lease.job.id);
    if (it == m_jobs.end() || isTerminal(it->status)) {
        m_leases.remove(lease.job.id);
        return nullptr;
    }
    return &*it;
}

WriteResult MemoryJobStore::progress(Lease &lease, double progress, const QString &partialOutput)
{
    {
        std::lock_guard lock(m_mutex);
        Job *job = leasedJobLocked(lease);
        if (!job) {
            lease.ended = true;
            return WriteResult::LeaseLost;
        }
        if (job->cancelRequested) {
            lease.job.cancelRequested = true;
            return WriteResult::CancelRequested;
        }
        job->progress = JobStateMachine::clampProgress(*job, progress);
        job->partialOutput = partialOutput;
        job->updatedAt = nowMs();
        m_wire.remove(job->id);
        lease.job = *job;
    }
    notifyChanged(lease.job.id);
    return WriteResult::Ok;
}

WriteResult MemoryJobStore::heartbeat(Lease &lease)
{
    std::lock_guard lock(m_mutex);
    Job *job = leasedJobLocked(lease);
    if (!job) {
        lease.ended = true;
        return WriteResult::LeaseLost;
    }
    if (job->cancelRequested) {
        lease.job.cancelRequested = true;
        return WriteResult::CancelRequested;
    }
    return WriteResult::Ok;
}

WriteResult MemoryJobStore::finish(
    Lease &lease, JobStatus to, std::optional<nlohmann::json> result, const QString &error)
{
    const qint64 now = nowMs();
    bool canceled = false;
    // The finished job made from `base` with the current `to`, taking the result; nullopt when
    // the state machine refuses the transition.
    const auto finishedFrom = [&](const Job &base) -> std::optional<Job> {
        Job next = base; // a running job: no result to copy
        if (JobStateMachine::transition(next, to, now))
            return std::nullopt;
        if (canceled) {
            next.error = canceledByUser();
        } else if (to == JobStatus::Succeeded) {
            next.progress = 100;
            next.error.clear();
            next.result = std::move(result);
        } else {
            next.error = error;
        }
        return next;
    };
    // Every poller reads a finished job, so it is serialised once, here on the worker's thread,
    // and before the lock (a result is a few KB: under the lock it held up starts and polls)
    // from the lease's copy of the job. The bytes are used if the stored job still is that copy
    // (no cancel, no takeover meanwhile); otherwise the write is made under the lock.
    std::optional<Job> early;
    QByteArray earlyWire;
    if (!lease.ended && !lease.job.cancelRequested) {
        early = finishedFrom(lease.job);
        if (early)
            earlyWire = serializeJob(*early, JobJsonScope::Wire);
    }
    {
        std::lock_guard lock(m_mutex);
        Job *job = leasedJobLocked(lease);
        if (!job) {
            lease.ended = true;
            return WriteResult::LeaseLost;
        }
        const JobStatus from = job->status;
        Job next;
        QByteArray wire;
        if (early && *job == lease.job) {
            next = std::move(*early);
            wire = std::move(earlyWire);
        } else {
            if (early)
                result = early->result ? std::optional<nlohmann::json>(*early->result) : std::nullopt;
            // A cancel accepted while the job ran (or waited) wins over a late finish.
            if (job->cancelRequested && to != JobStatus::Canceled) {
                to = JobStatus::Canceled;
                result.reset();
                canceled = true;
            }
            auto built = finishedFrom(*job);
            if (!built)
                return WriteResult::LeaseLost;
            next = std::move(*built);
            wire = serializeJob(next, JobJsonScope::Wire);
        }
        auto keptResult = std::exchange(next.result, std::nullopt);
        lease.job = next; // without the result: the worker is done with it
        next.result = std::move(keptResult);
        lease.ended = true;
        m_wire.insert(next.id, std::move(wire));
        *job = std::move(next);
        m_leases.remove(job->id);
        m_checkpoints.remove(job->id);
        m_expiresAt.insert(job->id, now + m_settings.completedTtlSecs * 1000);
        countLocked(from, to);
    }
    notifyChanged(lease.job.id);
    return canceled ? WriteResult::CancelRequested : WriteResult::Ok;
}

WriteResult MemoryJobStore::retryLater(Lease &lease, const QString &error)
{
    {
        std::lock_guard lock(m_mutex);
        Job *job = leasedJobLocked(lease);
        if (!job) {
            lease.ended = true;
            return WriteResult::LeaseLost;
        }
        if (job->cancelRequested) {
            lease.job.cancelRequested = true;
            return WriteResult::CancelRequested;
        }
        if (JobStateMachine::transition(*job, JobStatus::Queued, nowMs()))
            return WriteResult::LeaseLost;
        job->partialOutput = QStringLiteral("retrying after: ") + error;
        m_wire.remove(job->id);
        countLocked(JobStatus::Running, JobStatus::Queued);
        lease.job = *job;
    }
    notifyChanged(lease.job.id);
    return WriteResult::Ok;
}

WriteResult MemoryJobStore::resume(Lease &lease)
{
    {
        std::lock_guard lock(m_mutex);
        Job *job = leasedJobLocked(lease);
        if (!job || job->status != JobStatus::Queued) {
            lease.ended = true;
            return WriteResult::LeaseLost;
        }
        if (JobStateMachine::transition(*job, JobStatus::Running, nowMs()))
            return WriteResult::LeaseLost;
        countLocked(JobStatus::Queued, JobStatus::Running);
        m_wire.remove(job->id);
        lease.job = *job;
    }
    notifyChanged(lease.job.id);
    return WriteResult::Ok;
}

WriteResult MemoryJobStore::saveCheckpoint(Lease &lease, const nlohmann::json &checkpoint)
{
    std::lock_guard lock(m_mutex);
    if (!leasedJobLocked(lease)) {
        lease.ended = true;
        return WriteResult::LeaseLost;
    }
    m_checkpoints.insert(lease.job.id, checkpoint);
    return WriteResult::Ok;
}

std::optional<nlohmann::json> MemoryJobStore::loadCheckpoint(const QString &jobId)
{
    std::lock_guard lock(m_mutex);
    const auto it = m_checkpoints.constFind(jobId);
    if (it == m_checkpoints.cend())
        return std::nullopt;
    return *it;
}

void MemoryJobStore::release(Lease &lease)
{
    bool handedBack = false;
    {
        std::lock_guard lock(m_mutex);
        Job *job = leasedJobLocked(lease);
        lease.ended = true;
        if (!job)
            return;
        const JobStatus from = job->status;
        const qint64 now = nowMs();
        if (job->cancelRequested) {
            // An accepted cancel is not handed back to the queue: the job ends canceled.
            JobStateMachine::transition(*job, JobStatus::Canceled, now);
            job->error = canceledByUser();
            m_wire.insert(job->id, serializeJob(*job, JobJsonScope::Wire));
            m_checkpoints.remove(job->id);
            m_expiresAt.insert(job->id, now + m_settings.completedTtlSecs * 1000);
            countLocked(from, JobStatus::Canceled);
        } else {
            // A hand-back, not a failure: the attempt and the progress reached are kept.
            if (from == JobStatus::Running) {
                JobStateMachine::transition(*job, JobStatus::Queued, now, JobStateMachine::Requeue::HandBack);
                countLocked(JobStatus::Running, JobStatus::Queued);
            }
            m_wire.remove(job->id);
            m_queue.push_front(job->id);
            handedBack = true;
        }
        m_leases.remove(job->id);
        lease.job = *job;
    }
    if (handedBack)
        m_queueChanged.notify_one();
    notifyChanged(lease.job.id);
}

void MemoryJobStore::interruptClaims()
{
    {
        std::lock_guard lock(m_mutex);
        m_interrupted = true;
    }
    m_queueChanged.notify_all();
}

} // namespace dealscope::server
