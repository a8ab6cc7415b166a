#pragma once

#include "server/store/JobStore.h"
#include "server/store/RedisConnection.h"

#include <vector>

namespace dealscope::server {

class RedisJobStore;

// What a worker writes on the Redis store under its lease (leased_write.lua): progress, the
// terminal write (one job or a batch in one call), a retry's requeue and resume, a hand-back,
// heartbeats and checkpoints. A stale worker cannot write, and an accepted cancel is never
// overwritten: a refused finish or hand-back ends the job canceled instead.
class RedisLeaseWriter final
{
public:
    explicit RedisLeaseWriter(RedisJobStore &store);

    WriteResult progress(Lease &lease, double progress, const QString &partialOutput);
    WriteResult heartbeat(Lease &lease);
    WriteResult finish(Lease &lease, JobStatus to, std::optional<nlohmann::json> result, const QString &error);
    void finishMany(QList<FinishRequest> &requests);
    WriteResult retryLater(Lease &lease, const QString &error);
    WriteResult resume(Lease &lease);
    WriteResult saveCheckpoint(Lease &lease, const nlohmann::json &checkpoint);
    std::optional<nlohmann::json> loadCheckpoint(const QString &jobId);
    void release(Lease &lease);

    // finishMany() in two halves, so that its script can share a round trip with a claim.
    struct PreparedFinish
    {
        RedisConnection::EvalCall call;
        QList<qsizetype> sent; // the requests in the call, in order
        std::vector<Job> nexts; // what each of them writes
    };
    PreparedFinish prepareFinish(QList<FinishRequest> &requests) const;
    void completeFinish(QList<FinishRequest> &requests, PreparedFinish &prepared, const RedisValue &reply);

private:
    WriteResult leasedWrite(Lease &lease, Job next, const char *kind);
    RedisConnection::EvalCall leasedWriteCall(const Lease &lease, const Job &next, const char *kind) const;
    static WriteResult leasedWriteDone(Lease &lease, Job next, const RedisValue &reply);
    // The job of `lease` written canceled after the leased-write script refused a finish or a
    // release because of an accepted cancel: CancelRequested once written (lease ended), else LeaseLost.
    WriteResult finishCanceled(Lease &lease);
    static Job canceledJob(const Lease &lease);

    RedisJobStore &m_store;
};

} // namespace dealscope::server
