#include "server/store/RedisLeaseWriter.h"

#include "jobs/JobStateMachine.h"
#include "server/ServerLog.h"
#include "server/store/RedisJobStore.h"
#include "server/store/RedisScripts.h"

namespace dealscope::server {

RedisLeaseWriter::RedisLeaseWriter(RedisJobStore &store)
    : m_store(store)
{ }

RedisConnection::EvalCall RedisLeaseWriter::leasedWriteCall(const Lease &lease, const Job &next, const char *kind) const
{
    const QByteArray ttl = QByteArray::number(m_store.settings().completedTtlSecs);
    const QByteArray staging = m_store.keys().staging(next.id, lease.token);
    const bool staged = qstrcmp(kind, "finish") == 0;
    RedisConnection::EvalCall call { { m_store.keys().job(next.id), m_store.keys().lease(next.id),
                                         m_store.keys().stats(), m_store.keys().stream(),
                                         m_store.keys().dedup(next.owner, next.listingId, next.analysisType),
                                         m_store.keys().checkpoint(next.id), staging },
        { lease.token.toUtf8(), staged ? QByteArray() : RedisJobStore::storageJson(next), kind,
            QByteArray::number(m_store.settings().leaseMs), ttl, RedisJobStore::statusName(lease.job.status),
            RedisJobStore::statusName(next.status), m_store.keys().channel(), next.id.toUtf8(), lease.entryId.toUtf8(),
            m_store.keys().group(), QByteArray::number(m_store.settings().dedupWindowMs / 1000) },
        {} };
    if (staged)
        call.before.append({ "SET", staging, RedisJobStore::storageJson(next), "EX", ttl });
    return call;
}

WriteResult RedisLeaseWriter::leasedWriteDone(Lease &lease, Job next, const RedisValue &r)
{
    if (r.isError())
        throw StoreUnavailable("worker write failed: " + r.str.toStdString());
    if (r.str == "OK") {
        lease.job = std::move(next);
        return WriteResult::Ok;
    }
    if (r.str == "CANCEL") {
        lease.job.cancelRequested = true;
        return WriteResult::CancelRequested;
    }
    lease.ended = true;
    return WriteResult::LeaseLost;
}

WriteResult RedisLeaseWriter::leasedWrite(Lease &lease, Job next, const char *kind)
{
    if (lease.ended)
        return WriteResult::LeaseLost;
    const RedisConnection::EvalCall call = leasedWriteCall(lease, next, kind);
    const RedisValue r = m_store.conn().eval(m_store.scripts().leasedWrite, call);
    return leasedWriteDone(lease, std::move(next), r.isError() ? r : r.elements.value(0));
}

WriteResult RedisLeaseWriter::progress(Lease &lease, double progress, const QString &partialOutput)
{
    Job next = lease.job;
    next.progress = JobStateMachine::clampProgress(next, progress);
    next.partialOutput = partialOutput;
    next.updatedAt = std::max(next.updatedAt, nowMs());
    return leasedWrite(lease, std::move(next), "progress");
}

WriteResult RedisLeaseWriter::heartbeat(Lease &lease)
{
    if (lease.ended)
        return WriteResult::LeaseLost;
    const RedisValue r = m_store.conn().eval(m_store.scripts().heartbeat,
        { m_store.keys().lease(lease.job.id), m_store.keys().stream(), m_store.keys().job(lease.job.id) },
        { lease.token.toUtf8(), QByteArray::number(m_store.settings().leaseMs), m_store.keys().group(),
            lease.consumer.toUtf8(), lease.entryId.toUtf8() });
    if (r.isError())
        throw StoreUnavailable("heartbeat failed: " + r.str.toStdString());
    if (r.str == "OK")
        return WriteResult::Ok;
    if (r.str == "CANCEL") {
        lease.job.cancelRequested = true;
        return WriteResult::CancelRequested;
    }
    lease.ended = true;
    return WriteResult::LeaseLost;
}

WriteResult RedisLeaseWriter::finish(
    Lease &lease, JobStatus to, std::optional<nlohmann::json> result, const QString &error)
{
    Job next = lease.job;
    if (JobStateMachine::transition(next, to, nowMs()))
        return WriteResult::LeaseLost;
    if (to == JobStatus::Succeeded)
        next.result = std::move(result);
    else
        next.error = error;
    WriteResult r = leasedWrite(lease, std::move(next), "finish");
    if (r == WriteResult::CancelRequested)
        r = finishCanceled(lease);
    if (r == WriteResult::Ok)
        lease.ended = true;
    return r;
}

Job RedisLeaseWriter::canceledJob(const Lease &lease)
{
    Job next = lease.job;
    next.cancelRequested = true;
    JobStateMachine::transition(next, JobStatus::Canceled, nowMs());
    next.error = canceledByUser();
    return next;
}

WriteResult RedisLeaseWriter::finishCanceled(Lease &lease)
{
    // The script refused the write because a cancel was accepted meanwhile; only the lease holder
    // writes a running job, so writing it canceled now cannot race with another writer.
    const WriteResult r = leasedWrite(lease, canceledJob(lease), "finish");
    if (r != WriteResult::Ok)
        return WriteResult::LeaseLost;
    lease.ended = true;
    return WriteResult::CancelRequested;
}

RedisLeaseWriter::PreparedFinish RedisLeaseWriter::prepareFinish(QList<FinishRequest> &requests) const
{
    // The same script as finish(), all writes in one call (one stats update, one change message).
    PreparedFinish prepared;
    const qint64 now = nowMs();
    prepared.call.keys.reserve(requests.size() * 7);
    prepared.call.args.reserve(requests.size() * 12);
    prepared.call.before.reserve(requests.size());
    for (qsizetype i = 0; i < requests.size(); ++i) {
        FinishRequest &r = requests[i];
        r.outcome = WriteResult::LeaseLost;
        if (r.lease.ended)
            continue;
        Job next = r.lease.job;
        if (JobStateMachine::transition(next, r.to, now))
            continue;
        if (r.to == JobStatus::Succeeded)
            next.result = std::move(r.result);
        else
            next.error = r.error;
        prepared.call.append(leasedWriteCall(r.lease, next, "finish"));
        prepared.nexts.push_back(std::move(next));
        prepared.sent.append(i);
    }
    return prepared;
}

void RedisLeaseWriter::completeFinish(QList<FinishRequest> &requests, PreparedFinish &prepared, const RedisValue &reply)
{
    QList<qsizetype> canceled;
    for (qsizetype k = 0; k < prepared.sent.size(); ++k) {
        FinishRequest &r = requests[prepared.sent[k]];
        r.outcome = leasedWriteDone(
            r.lease, std::move(prepared.nexts[size_t(k)]), reply.isError() ? reply : reply.elements.value(k));
        if (r.outcome == WriteResult::Ok)
            r.lease.ended = true;
        else if (r.outcome == WriteResult::CancelRequested)
            canceled.append(prepared.sent[k]);
    }
    if (canceled.isEmpty())
        return;
    // Jobs whose cancel was accepted while they ran (or waited in the batch) end canceled,
    // again in one call.
    RedisConnection::EvalCall batch;
    std::vector<Job> nexts;
    for (const qsizetype i : canceled) {
        FinishRequest &r = requests[i];
        r.to = JobStatus::Canceled;
        r.result.reset();
        r.error = canceledByUser();
        nexts.push_back(canceledJob(r.lease));
        batch.append(leasedWriteCall(r.lease, nexts.back(), "finish"));
    }
    const RedisValue again = m_store.conn().eval(m_store.scripts().leasedWrite, batch);
    for (qsizetype k = 0; k < canceled.size(); ++k) {
        FinishRequest &r = requests[canceled[k]];
        const WriteResult w
            = leasedWriteDone(r.lease, std::move(nexts[size_t(k)]), again.isError() ? again : again.elements.value(k));
        r.outcome = w == WriteResult::Ok ? WriteResult::CancelRequested : WriteResult::LeaseLost;
        r.lease.ended = true;
    }
}

void RedisLeaseWriter::finishMany(QList<FinishRequest> &requests)
{
    PreparedFinish prepared = prepareFinish(requests);
    if (prepared.sent.isEmpty())
        return;
    const RedisValue reply = m_store.conn().eval(m_store.scripts().leasedWrite, prepared.call);
    completeFinish(requests, prepared, reply);
}

WriteResult RedisLeaseWriter::retryLater(Lease &lease, const QString &error)
{
    Job next = lease.job;
    if (JobStateMachine::transition(next, JobStatus::Queued, nowMs()))
        return WriteResult::LeaseLost;
    next.partialOutput = QStringLiteral("retrying after: ") + error;
    return leasedWrite(lease, std::move(next), "requeue");
}

WriteResult RedisLeaseWriter::resume(Lease &lease)
{
    Job next = lease.job;
    if (JobStateMachine::transition(next, JobStatus::Running, nowMs()))
        return WriteResult::LeaseLost;
    return leasedWrite(lease, std::move(next), "resume");
}

WriteResult RedisLeaseWriter::saveCheckpoint(Lease &lease, const nlohmann::json &checkpoint)
{
    if (lease.ended)
        return WriteResult::LeaseLost;
    const RedisValue r = m_store.conn().eval(m_store.scripts().checkpoint,
        { m_store.keys().lease(lease.job.id), m_store.keys().checkpoint(lease.job.id) },
        { lease.token.toUtf8(), QByteArray::fromStdString(checkpoint.dump()), "86400" });
    if (r.isError())
        throw StoreUnavailable("checkpoint write failed: " + r.str.toStdString());
    if (r.str == "OK")
        return WriteResult::Ok;
    lease.ended = true;
    return WriteResult::LeaseLost;
}

std::optional<nlohmann::json> RedisLeaseWriter::loadCheckpoint(const QString &jobId)
{
    const RedisValue r = m_store.conn().command({ "GET", m_store.keys().checkpoint(jobId) });
    if (r.type != RedisValue::Type::String)
        return std::nullopt;
    auto parsed = nlohmann::json::parse(r.str.constData(), r.str.constData() + r.str.size(), nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
        return std::nullopt;
    return parsed;
}

void RedisLeaseWriter::release(Lease &lease)
{
    Job next = lease.job;
    if (next.status == JobStatus::Running)
        JobStateMachine::transition(next, JobStatus::Queued, nowMs(), JobStateMachine::Requeue::HandBack);
    try {
        if (leasedWrite(lease, next, "release") == WriteResult::CancelRequested)
            finishCanceled(lease); // an accepted cancel is not handed back but ends the job
    } catch (const StoreUnavailable &e) {
        // The lease expires on its own and XAUTOCLAIM hands the job to another worker.
        qCWarning(lcServerWorker) << "could not hand back job" << next.id << ":" << e.what();
    }
    lease.ended = true;
}

} // namespace dealscope::server
