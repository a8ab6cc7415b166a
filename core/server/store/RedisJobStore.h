#pragma once

#include "server/store/JobStore.h"
#include "server/store/RedisConnection.h"
#include "server/store/RedisKeys.h"

#include <memory>

namespace dealscope::server {

class RedisChangeSubscriber;
class RedisClaimer;
class RedisLeaseWriter;
class RedisScripts;

// The Redis store (SPEC §5, docs/API.md §2): `job:{id}` JSON (TTL once terminal), the dedup key
// `job:byListing:{tenant}:{listingId}:{analysisType}` (SET NX semantics in a Lua script, 1 h),
// the stream `queue:analysis` with consumer group `workers` (XREADGROUP, heartbeats via lease
// keys + XCLAIM, XAUTOCLAIM of entries whose lease expired, XACK after the terminal write) and a
// pub/sub channel announcing every change so long-polls wake on every API process.
// This class answers the API side itself; the workers' claims are RedisClaimer's, their writes
// under a lease RedisLeaseWriter's, the change channel RedisChangeSubscriber's.
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
    using JobStore::start;
    StartOutcome start(const StartRequest &request) override;
    QList<StartResult> startMany(const QList<StartRequest> &requests) override;
    std::optional<Job> get(const QString &id) override;
    QList<std::optional<Job>> getMany(const QStringList &ids) override;
    QList<std::optional<QByteArray>> getManyWire(const QString &owner, const QStringList &ids) override;
    std::optional<Job> lookup(const QString &owner, const QString &listingId, const QString &analysisType) override;
    CancelResult cancel(const QString &owner, const QString &id) override;
    bool ping() override;
    std::optional<qint64> acquireRate(const QByteArray &key, double perSecond) override;
    StoreStats stats() override;
    bool rememberOnce(const QByteArray &key, qint64 untilMs) override;

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
    void interruptClaims() override;
    void stopNotifications() override;

    QByteArray key(const QString &suffix) const { return m_keys.key(suffix); }

    // ---- for the store's parts (RedisClaimer, RedisLeaseWriter)
    // This thread's connection: one per thread and store, hiredis contexts are not thread-safe.
    RedisConnection &conn();
    const RedisKeys &keys() const { return m_keys; }
    const StoreSettings &settings() const { return m_settings; }
    const RedisScripts &scripts() const { return m_scripts; }
    static QByteArray storageJson(const Job &job);
    static QByteArray statusName(JobStatus status);
    // Compare-and-set loops give up after this many changes under their feet.
    static constexpr int kCasTries = 20;

private:
    std::unique_ptr<RedisConnection> newConnection() const;
    static StartOutcome createDone(const Job &candidate, const RedisValue &code, const RedisValue &existing);

    Endpoint m_endpoint;
    StoreSettings m_settings;
    RedisKeys m_keys;
    const RedisScripts &m_scripts;
    quint64 m_instance;
    std::unique_ptr<RedisClaimer> m_claimer;
    std::unique_ptr<RedisLeaseWriter> m_writer;
    std::unique_ptr<RedisChangeSubscriber> m_subscriber;
};

// Parses the stored JSON of a job (storage scope, with owner); nullopt when it is not a job.
std::optional<Job> parseStoredJob(const QByteArray &json);

} // namespace dealscope::server
