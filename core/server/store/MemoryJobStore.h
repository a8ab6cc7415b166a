#pragma once

#include "server/store/JobStore.h"

#include <QHash>

#include <condition_variable>
#include <deque>
#include <mutex>

namespace dealscope::server {

// The embedded default store: everything in this process, gone when it exits.
class MemoryJobStore final : public JobStore
{
public:
    explicit MemoryJobStore(StoreSettings settings);
    ~MemoryJobStore() override;

    QString kind() const override { return QStringLiteral("memory"); }
    using JobStore::start;
    StartOutcome start(const StartRequest &request) override;
    std::optional<Job> get(const QString &id) override;
    QList<std::optional<Job>> getMany(const QStringList &ids) override;
    QList<std::optional<QByteArray>> getManyWire(const QString &owner, const QStringList &ids) override;
    std::optional<Job> lookup(const QString &owner, const QString &listingId, const QString &analysisType) override;
    CancelResult cancel(const QString &owner, const QString &id) override;
    bool ping() override { return true; }
    StoreStats stats() override;
    bool rememberOnce(const QByteArray &key, qint64 untilMs) override;

    std::optional<Lease> claim(const QString &workerId, int waitMs) override;
    std::optional<Lease> claimJob(const QString &workerId, const QString &jobId) override;
    WriteResult progress(Lease &lease, double progress, const QString &partialOutput) override;
    WriteResult heartbeat(Lease &lease) override;
    WriteResult finish(Lease &lease, JobStatus to, std::optional<nlohmann::json> result, const QString &error) override;
    WriteResult retryLater(Lease &lease, const QString &error) override;
    WriteResult resume(Lease &lease) override;
    WriteResult saveCheckpoint(Lease &lease, const nlohmann::json &checkpoint) override;
    std::optional<nlohmann::json> loadCheckpoint(const QString &jobId) override;
    void release(Lease &lease) override;
    void interruptClaims() override;

private:
    static QString dedupKey(const QString &owner, const QString &listingId, const QString &analysisType);
    void purgeExpiredLocked(qint64 now);
    Job *leasedJobLocked(Lease &lease); // nullptr when the lease is no longer valid
    std::optional<Lease> claimLocked(const QString &id);
    void countLocked(JobStatus from, JobStatus to);

    StoreSettings m_settings;
    std::mutex m_mutex;
    std::condition_variable m_queueChanged;
    QHash<QString, Job> m_jobs;
    // Wire JSON of a job as it is now: serialised once per change (on the first read, or by
    // finish() on the worker's thread) and shared by every status answer until the next change.
    QHash<QString, QByteArray> m_wire;
    QHash<QString, qint64> m_expiresAt;
    QHash<QString, QString> m_dedup;
    // Idempotency keys (owner + key): what the first start with the key did.
    struct Remembered
    {
        QString jobId;
        bool created = false;
        QByteArray fingerprint;
        qint64 expiresAt = 0;
    };
    QHash<QString, Remembered> m_idempotency;
    QHash<QByteArray, qint64> m_remembered; // rememberOnce(): key -> until
    QHash<QString, QString> m_leases;
    QHash<QString, nlohmann::json> m_checkpoints;
    std::deque<QString> m_queue;
    QHash<QString, qint64> m_counts;
    qint64 m_nextPurgeMs = 0;
    bool m_interrupted = false;
};

} // namespace dealscope::server
