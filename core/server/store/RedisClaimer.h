#pragma once

#include "server/store/JobStore.h"
#include "server/store/RedisConnection.h"

#include <atomic>

namespace dealscope::server {

class RedisJobStore;

// The workers' claims on the Redis store: queued jobs read from the stream with the consumer
// group (many per round trip through claim_batch.lua), jobs of workers that went silent past
// their lease (XAUTOCLAIM), and one job claimed by id for the push consumer. Every claim takes
// the job's lease key; a job the fast path cannot rewrite is claimed by compare-and-set.
class RedisClaimer final
{
public:
    explicit RedisClaimer(RedisJobStore &store);

    QList<Lease> claimBatch(const QString &workerId, int waitMs, int maxJobs);
    std::optional<Lease> claimJob(const QString &workerId, const QString &jobId);
    void interrupt() { m_interrupted = true; }
    bool interrupted() const { return m_interrupted; }

    // claim_batch.lua's call, to be sent alone or after a batch's terminal writes.
    RedisConnection::EvalCall claimBatchCall(const QString &workerId, int maxJobs, const QByteArray &tokenPrefix) const;
    // Appends the leases of a claim_batch.lua answer; whether it held any. Throws on an error answer.
    bool takeClaimed(const RedisValue &batch, const QString &workerId, QList<Lease> &out);
    // Whether this worker thread should look for vanished workers' jobs before its next claim.
    bool recoveryDue() const;

private:
    // claimBatch()'s work: appends each lease to `out` as soon as it is held.
    void claimInto(QList<Lease> &out, const QString &workerId, int waitMs, int maxJobs);
    std::optional<Lease> claimEntry(const QString &workerId, const QString &entryId, const QString &jobId,
        bool recovered, std::optional<QByteArray> prefetched = std::nullopt);
    void ack(const QString &entryId);

    RedisJobStore &m_store;
    std::atomic_bool m_interrupted { false };
};

} // namespace dealscope::server
