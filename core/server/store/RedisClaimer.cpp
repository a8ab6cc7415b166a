#include "server/store/RedisClaimer.h"

#include "jobs/JobJson.h"
#include "jobs/JobStateMachine.h"
#include "server/ServerLog.h"
#include "server/store/RedisJobStore.h"
#include "server/store/RedisScripts.h"

namespace dealscope::server {

RedisClaimer::RedisClaimer(RedisJobStore &store)
    : m_store(store)
{ }

void RedisClaimer::ack(const QString &entryId)
{
    if (entryId.isEmpty())
        return;
    m_store.conn().command({ "XACK", m_store.keys().stream(), m_store.keys().group(),
        entryId.toUtf8() }); // kClaimBatch trims it from the stream
}

std::optional<Lease> RedisClaimer::claimEntry(const QString &workerId, const QString &entryId, const QString &jobId,
    bool recovered, std::optional<QByteArray> prefetched)
{
    for (int attempt = 0; attempt < RedisJobStore::kCasTries; ++attempt) {
        RedisValue cur;
        if (prefetched) {
            if (!prefetched->isEmpty()) {
                cur.type = RedisValue::Type::String;
                cur.str = *prefetched;
            }
            prefetched.reset();
        } else {
            cur = m_store.conn().command({ "GET", m_store.keys().job(jobId) });
        }
        if (cur.type != RedisValue::Type::String) {
            ack(entryId); // expired or never stored: nothing to run
            return std::nullopt;
        }
        auto job = parseStoredJob(cur.str);
        if (!job || isTerminal(job->status)) {
            ack(entryId);
            return std::nullopt;
        }
        const qint64 now = nowMs();
        Job next = *job;
        if (job->status == JobStatus::Running) {
            if (!recovered) {
                // Someone claimed it directly (push consumer); its own lease covers it.
                ack(entryId);
                return std::nullopt;
            }
            if (job->attempt >= m_store.settings().maxAttempts) {
                JobStateMachine::transition(next, JobStatus::Failed, now);
                next.error = QStringLiteral("the worker running attempt %1 vanished; gave up after %2 attempts")
                                 .arg(job->attempt)
                                 .arg(m_store.settings().maxAttempts);
            } else {
                JobStateMachine::transition(next, JobStatus::Queued, now); // attempt + 1
                JobStateMachine::transition(next, JobStatus::Running, now);
            }
        } else {
            JobStateMachine::transition(next, JobStatus::Running, now);
        }
        const bool terminal = isTerminal(next.status);
        const QString token = newLeaseToken();
        const RedisValue r = m_store.conn().eval(m_store.scripts().compareAndSet,
            { m_store.keys().job(jobId), m_store.keys().lease(jobId), m_store.keys().stats(), m_store.keys().stream() },
            { cur.str, RedisJobStore::storageJson(next), terminal ? "keep" : "take", token.toUtf8(),
                QByteArray::number(m_store.settings().leaseMs),
                QByteArray::number(terminal ? m_store.settings().completedTtlSecs : 0),
                RedisJobStore::statusName(job->status), RedisJobStore::statusName(next.status),
                m_store.keys().channel(), jobId.toUtf8(), m_store.keys().group(),
                terminal ? entryId.toUtf8() : QByteArray() });
        if (r.isError())
            throw StoreUnavailable("claim script failed: " + r.str.toStdString());
        const qint64 code = r.elements.value(0).integer;
        if (code == 2)
            return std::nullopt; // a live worker still holds it
        if (code != 1)
            continue; // changed meanwhile (cancel): look again
        if (terminal) {
            qCWarning(lcServerWorker).noquote() << "job" << jobId << "failed:" << next.error;
            return std::nullopt;
        }
        Lease lease;
        lease.job = next;
        lease.token = token;
        lease.entryId = entryId;
        lease.consumer = workerId;
        lease.recovered = recovered || job->startedAt.has_value(); // taken over, or handed back
        if (recovered)
            qCInfo(lcServerWorker).noquote() << workerId << "took over job" << jobId << "attempt" << next.attempt;
        return lease;
    }
    return std::nullopt;
}

RedisConnection::EvalCall RedisClaimer::claimBatchCall(
    const QString &workerId, int maxJobs, const QByteArray &tokenPrefix) const
{
    return { { m_store.keys().stream(), m_store.keys().stats() },
        { m_store.keys().group(), workerId.toUtf8(), QByteArray::number(std::clamp(maxJobs, 1, 100)),
            m_store.keys().jobPrefix(), m_store.keys().leasePrefix(), tokenPrefix,
            QByteArray::number(m_store.settings().leaseMs), QByteArray::number(nowMs()), m_store.keys().channel() },
        {} };
}

bool RedisClaimer::takeClaimed(const RedisValue &batch, const QString &workerId, QList<Lease> &out)
{
    if (batch.isError()) {
        if (batch.str.contains("NOGROUP"))
            m_store.conn().command(
                { "XGROUP", "CREATE", m_store.keys().stream(), m_store.keys().group(), "0", "MKSTREAM" });
        throw StoreUnavailable("reading the queue failed: " + batch.str.toStdString());
    }
    bool claimedAny = false;
    // First every job the script already holds under our leases, then the ones left to the
    // careful way: those make more calls, and one that throws must not drop the held ones
    // (they would sit running until their leases ran out).
    const auto held
        = [&](qsizetype k) { return batch.elements[k + 2].str == "claimed" || batch.elements[k + 2].str == "resumed"; };
    for (qsizetype k = 0; k + 4 < batch.elements.size(); k += 5) {
        if (!held(k))
            continue;
        auto job = parseJob(batch.elements[k + 3].str);
        if (!job)
            continue; // cannot happen for what the script wrote; the lease expiry recovers it
        Lease lease;
        lease.job = std::move(*job);
        lease.token = QString::fromUtf8(batch.elements[k + 4].str);
        lease.entryId = QString::fromUtf8(batch.elements[k].str);
        lease.consumer = workerId;
        lease.recovered = batch.elements[k + 2].str == "resumed";
        out.append(std::move(lease));
        claimedAny = true;
    }
    for (qsizetype k = 0; k + 4 < batch.elements.size(); k += 5) {
        if (held(k))
            continue;
        if (auto lease = claimEntry(workerId, QString::fromUtf8(batch.elements[k].str),
                QString::fromUtf8(batch.elements[k + 1].str), false, batch.elements[k + 3].str)) {
            out.append(std::move(*lease));
            claimedAny = true;
        }
    }
    return claimedAny;
}

namespace {
// When this worker thread next looks for jobs whose worker vanished (XAUTOCLAIM).
thread_local qint64 t_nextRecoveryMs = 0;
} // namespace

bool RedisClaimer::recoveryDue() const
{
    return nowMs() >= t_nextRecoveryMs;
}

QList<Lease> RedisClaimer::claimBatch(const QString &workerId, int waitMs, int maxJobs)
{
    QList<Lease> out;
    if (m_interrupted)
        return out;
    try {
        claimInto(out, workerId, waitMs, maxJobs);
    } catch (const std::exception &e) {
        // Jobs the claim script already marked running under our leases must reach the worker:
        // dropped here they would sit as running until their leases ran out.
        if (out.isEmpty())
            throw;
        qCWarning(lcServerWorker).noquote() << workerId << "claimed" << out.size() << "jobs, then:" << e.what();
    }
    return out;
}

void RedisClaimer::claimInto(QList<Lease> &out, const QString &workerId, int waitMs, int maxJobs)
{
    maxJobs = std::clamp(maxJobs, 1, 100);
    // First the jobs of workers that went silent for longer than the lease.
    const qint64 now = nowMs();
    if (recoveryDue()) {
        t_nextRecoveryMs = now + std::max<qint64>(250, m_store.settings().leaseMs / 4);
        const RedisValue r = m_store.conn().command({ "XAUTOCLAIM", m_store.keys().stream(), m_store.keys().group(),
            workerId.toUtf8(), QByteArray::number(m_store.settings().leaseMs), "0-0", "COUNT", "10" });
        if (r.type == RedisValue::Type::Array && r.elements.size() >= 2) {
            for (const RedisValue &entry : r.elements[1].elements) {
                if (entry.elements.size() < 2)
                    continue;
                const QString entryId = QString::fromUtf8(entry.elements[0].str);
                const auto &fields = entry.elements[1].elements;
                if (fields.size() < 2) {
                    ack(entryId);
                    continue;
                }
                if (auto lease = claimEntry(workerId, entryId, QString::fromUtf8(fields[1].str), true)) {
                    out.append(std::move(*lease));
                    return;
                }
            }
        }
    }
    // Entries of canceled or expired jobs are acknowledged and skipped within the same wait.
    const qint64 deadline = nowMs() + waitMs;
    const QByteArray tokenPrefix = newLeaseToken().toUtf8() + ':';
    do {
        // While there is work: up to maxJobs entries claimed in one round trip, without blocking.
        for (int i = 0; i < 64 && !m_interrupted; ++i) {
            const RedisValue batch = m_store.conn().eval(m_store.scripts().claimBatch,
                claimBatchCall(workerId, maxJobs, tokenPrefix + QByteArray::number(i) + ':'));
            if (takeClaimed(batch, workerId, out)) // throws on an error answer
                return;
            if (batch.elements.isEmpty())
                break; // empty: block below
        }
        const qint64 block = std::max<qint64>(1, deadline - nowMs());
        const RedisValue r = m_store.conn().command({ "XREADGROUP", "GROUP", m_store.keys().group(), workerId.toUtf8(),
            "COUNT", "1", "BLOCK", QByteArray::number(block), "STREAMS", m_store.keys().stream(), ">" });
        if (r.isError()) {
            if (r.str.startsWith("NOGROUP")) // Redis lost its data: recreate the group
                m_store.conn().command(
                    { "XGROUP", "CREATE", m_store.keys().stream(), m_store.keys().group(), "0", "MKSTREAM" });
            throw StoreUnavailable("XREADGROUP failed: " + r.str.toStdString());
        }
        if (r.type != RedisValue::Type::Array || r.elements.isEmpty())
            return;
        const auto &entries = r.elements[0].elements.value(1).elements;
        for (const RedisValue &entry : entries) {
            const QString entryId = QString::fromUtf8(entry.elements.value(0).str);
            const auto &fields = entry.elements.value(1).elements;
            if (fields.size() < 2) {
                ack(entryId);
                continue;
            }
            if (auto lease = claimEntry(workerId, entryId, QString::fromUtf8(fields[1].str), false)) {
                out.append(std::move(*lease));
                return;
            }
        }
    } while (!m_interrupted && nowMs() < deadline);
    return;
}

std::optional<Lease> RedisClaimer::claimJob(const QString &workerId, const QString &jobId)
{
    for (int attempt = 0; attempt < RedisJobStore::kCasTries; ++attempt) {
        const RedisValue cur = m_store.conn().command({ "GET", m_store.keys().job(jobId) });
        if (cur.type != RedisValue::Type::String)
            return std::nullopt;
        auto job = parseStoredJob(cur.str);
        if (!job || job->status != JobStatus::Queued)
            return std::nullopt;
        Job next = *job;
        JobStateMachine::transition(next, JobStatus::Running, nowMs());
        const QString token = newLeaseToken();
        const RedisValue r = m_store.conn().eval(m_store.scripts().compareAndSet,
            { m_store.keys().job(jobId), m_store.keys().lease(jobId), m_store.keys().stats(), m_store.keys().stream() },
            { cur.str, RedisJobStore::storageJson(next), "take", token.toUtf8(),
                QByteArray::number(m_store.settings().leaseMs), "0", "queued", "running", m_store.keys().channel(),
                jobId.toUtf8(), m_store.keys().group(), "" });
        const qint64 code = r.elements.value(0).integer;
        if (code == 2)
            return std::nullopt;
        if (code != 1)
            continue;
        Lease lease;
        lease.job = next;
        lease.token = token;
        lease.consumer = workerId;
        lease.recovered = job->startedAt.has_value(); // handed back: resumes from its checkpoint
        return lease;
    }
    return std::nullopt;
}

} // namespace dealscope::server
