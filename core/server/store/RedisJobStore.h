#pragma once

#include "server/store/JobStore.h"
#include "server/store/RedisConnection.h"

#include <atomic>
#include <thread>

namespace dealscope::server {

// The Redis store (SPEC §5): `job:{id}` JSON (TTL once terminal), the dedup key
// `job:byListing:{tenant}:{listingId}:{analysisType}` (SET NX semantics in a Lua script, 1 h),
// the stream `queue:analysis` with consumer group `workers` (XREADGROUP, heartbeats via lease
// keys + XCLAIM, XAUTOCLAIM of entries whose lease expired, XACK after the terminal write) and a
// pub/sub channel announcing every change so long-polls wake on every API process.
class RedisJobStore final : public JobStore
{
public:
    struct Endpoint
    {
        QString host;
        quint16 port = 6379;
        int db = 0;
        QString prefix = QStringLiteral("dealscope:");
    };

    RedisJobStore(Endpoint endpoint, StoreSettings settings);
    ~RedisJobStore() override;

    // Connects, creates the consumer group and (when `subscribe`) starts the change subscriber.
    std::optional<QString> initialize(bool subscribe = true);

    QString kind() const override { return QStringLiteral("redis"); }
    bool isRemote() const override { return true; }
    StartOutcome start(const Job &candidate, bool force) override;
    QList<StartResult> startMany(const QList<StartRequest> &requests) override;
    std::optional<Job> get(const QString &id) override;
    QList<std::optional<Job>> getMany(const QStringList &ids) override;
    QList<std::optional<QByteArray>> getManyWire(const QString &owner, const QStringList &ids) override;
    std::optional<Job> lookup(const QString &owner, const QString &listingId, const QString &analysisType) override;
    CancelResult cancel(const QString &owner, const QString &id) override;
    bool ping() override;
    std::optional<qint64> acquireRate(const QByteArray &key, double perSecond) override;
    StoreStats stats() override;

    std::optional<Lease> claim(const QString &workerId, int waitMs) override;
    QList<Lease> claimBatch(const QString &workerId, int waitMs, int maxJobs) override;
    std::optional<Lease> claimJob(const QString &workerId, const QString &jobId) override;
    WriteResult progress(Lease &lease, double progress, const QString &partialOutput) override;
    WriteResult heartbeat(Lease &lease) override;
    WriteResult finish(Lease &lease, JobStatus to, std::optional<nlohmann::json> result, const QString &error) override;
    void finishMany(QList<FinishRequest> &requests) override;
    QList<Lease> finishThenClaim(
        QList<FinishRequest> &finished, const QString &workerId, int waitMs, int maxJobs) override;
    WriteResult retryLater(Lease &lease, const QString &error) override;
    WriteResult resume(Lease &lease) override;
    WriteResult saveCheckpoint(Lease &lease, const nlohmann::json &checkpoint) override;
    std::optional<nlohmann::json> loadCheckpoint(const QString &jobId) override;
    void release(Lease &lease) override;
    void interruptClaims() override { m_interrupted = true; }
    void stopNotifications() override;

    QByteArray key(const QString &suffix) const { return m_prefix + suffix.toUtf8(); }

private:
    RedisConnection &conn();
    QByteArray jobKey(const QString &id) const { return m_prefix + "job:" + id.toUtf8(); }
    QByteArray leaseKey(const QString &id) const { return m_prefix + "lease:" + id.toUtf8(); }
    QByteArray checkpointKey(const QString &id) const { return m_prefix + "checkpoint:" + id.toUtf8(); }
    // A finished job's JSON on its way to jobKey (see kLeasedWrite); one per lease.
    QByteArray stagingKey(const QString &id, const QString &token) const
    {
        return m_prefix + "staging:" + id.toUtf8() + ':' + token.toUtf8();
    }
    QByteArray dedupKey(const QString &owner, const QString &listingId, const QString &type) const;
    // claimBatch()'s work: appends each lease to `out` as soon as it is held.
    void claimInto(QList<Lease> &out, const QString &workerId, int waitMs, int maxJobs);
    RedisConnection::EvalCall claimBatchCall(const QString &workerId, int maxJobs, const QByteArray &tokenPrefix) const;
    // Appends the leases of a kClaimBatch answer; whether it held any. Throws on an error answer.
    bool takeClaimed(const RedisValue &batch, const QString &workerId, QList<Lease> &out);
    bool recoveryDue() const;
    // finishMany() in two halves, so that its script can share a round trip.
    struct PreparedFinish
    {
        RedisConnection::EvalCall call;
        QList<qsizetype> sent; // the requests in the call, in order
        std::vector<Job> nexts; // what each of them writes
    };
    PreparedFinish prepareFinish(QList<FinishRequest> &requests) const;
    void completeFinish(QList<FinishRequest> &requests, PreparedFinish &prepared, const RedisValue &reply);
    std::optional<Lease> claimEntry(const QString &workerId, const QString &entryId, const QString &jobId,
        bool recovered, std::optional<QByteArray> prefetched = std::nullopt);
    WriteResult leasedWrite(Lease &lease, Job next, const char *kind);
    static StartOutcome createDone(const Job &candidate, const RedisValue &code, const RedisValue &existing);
    RedisConnection::EvalCall leasedWriteCall(const Lease &lease, const Job &next, const char *kind) const;
    // The job of `lease` written canceled after the leased-write script refused a finish or a
    // release because of an accepted cancel: CancelRequested once written (lease ended), else LeaseLost.
    WriteResult finishCanceled(Lease &lease);
    static Job canceledJob(const Lease &lease);
    static WriteResult leasedWriteDone(Lease &lease, Job next, const RedisValue &reply);
    void ack(const QString &entryId);
    void subscriberMain();

    Endpoint m_endpoint;
    StoreSettings m_settings;
    QByteArray m_prefix;
    QByteArray m_stream;
    QByteArray m_stats;
    QByteArray m_channel;
    QByteArray m_group = "workers";
    quint64 m_instance;
    RedisConnection::Script m_create, m_cas, m_leased, m_heartbeat, m_checkpoint, m_claimBatch, m_rateLimit;
    std::atomic_bool m_interrupted { false };
    std::atomic_bool m_stopSubscriber { false };
    std::atomic_bool m_subscribed { false };
    std::thread m_subscriber;
};

// Parses the stored JSON of a job (storage scope, with owner); nullopt when it is not a job.
std::optional<Job> parseStoredJob(const QByteArray &json);

} // namespace dealscope::server
