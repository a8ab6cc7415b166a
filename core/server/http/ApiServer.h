#pragma once

#include "server/http/BatchQueue.h"
#include "server/http/HttpReply.h"
#include "server/store/JobStore.h"

#include <QAbstractHttpServer>
#include <QElapsedTimer>
#include <QHash>
#include <QPointer>
#include <QSet>
#include <QThreadPool>
#include <QTimer>

#include <atomic>
#include <memory>
#include <mutex>

class QTcpSocket;

namespace dealscope {
class AnalysisEngine;
}

namespace dealscope::server {

class Metrics;
class QStashVerifier;
class RateLimiter;
class TokenStore;
class WorkerPool;

// The HTTP job API of SPEC §5 on QtHttpServer. Routing, auth, rate limits and responses are done
// here by hand (QAbstractHttpServer) so every answer — including 405, 489 and long-poll 304 — has
// exactly the status, headers and error envelope the spec asks for.
class ApiServer final : public QAbstractHttpServer
{
    Q_OBJECT
public:
    struct Config
    {
        bool requireAuth = true;
        int maxWaiters = 2000; // concurrent long-polls
        int maxWaitSecs = 30;
        int maxBatchIds = 100;
        bool consumeEnabled = false; // needs workers in this process
        bool probesOnly = false; // a worker process: /healthz, /readyz and /metrics only
    };

    ApiServer(Config config, JobStore *store, std::shared_ptr<const AnalysisEngine> engine, Metrics *metrics,
        QObject *parent = nullptr);
    ~ApiServer() override;

    void setTokens(std::shared_ptr<const TokenStore> tokens);
    void setRateLimiter(std::unique_ptr<RateLimiter> limiter);
    void setQStash(std::unique_ptr<QStashVerifier> verifier);
    void setWorkerPool(WorkerPool *pool) { m_pool = pool; }

    // Safe from any thread: coalesces change notifications and wakes long-polls on the event loop.
    void jobChanged(const QString &jobId);
    int waiterCount() const { return int(m_waiterCount); }
    // Any thread: whether a change notification can matter (a long-poll is parked or about to).
    bool wantsChanges() const { return m_changeInterest.load() > 0; }
    // Answers every parked long-poll now (shutdown).
    void flushWaiters();

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    struct Ctx
    {
        QPointer<QTcpSocket> socket;
        QString requestId;
        QString route;
        QString tenant;
        bool close = false;
        QElapsedTimer timer;
    };
    struct Waiter
    {
        Ctx ctx;
        QByteArray baselineEtag;
        QTimer *timer = nullptr;
    };

    void send(Ctx &ctx, int status, const QByteArray &body, const HeaderPairs &headers = {},
        const QByteArray &contentType = "application/json");
    void sendError(
        Ctx &ctx, int status, const QByteArray &code, const QString &message, const HeaderPairs &headers = {});
    // 503 store_unavailable with Retry-After: 1, for a store that did not answer.
    void sendStoreUnavailable(Ctx &ctx);
    void sendJob(Ctx &ctx, int status, const Job &job);
    void sendWire(Ctx &ctx, int status, const QByteArray &wire); // job JSON + its ETag
    // The wire JSON of `tenant`'s job `id`; nullopt when missing or another tenant's.
    std::optional<QByteArray> getWire(const QString &tenant, const QString &id);

    bool authenticate(const QHttpServerRequest &request, Ctx &ctx);
    void handleStart(const QHttpServerRequest &request, Ctx &ctx);
    void handleStatus(const QHttpServerRequest &request, Ctx &ctx);
    void handleLookup(const QHttpServerRequest &request, Ctx &ctx);
    void handleCancel(const QHttpServerRequest &request, Ctx &ctx);
    void handleConsume(const QHttpServerRequest &request, Ctx &ctx);
    void handleListings(const QHttpServerRequest &request, Ctx &ctx, const QString &id);
    void handleReady(Ctx &ctx);
    void handleMetrics(Ctx &ctx);
    void wakeWaiters();
    // Creates the job through the store (batched on the store pool for a remote store) and answers.
    void queueStart(Ctx &ctx, Job job, bool force);
    void drainStarts(); // store pool thread
    void answerStart(Ctx &ctx, const StartResult &result);
    // A status poll without wait on a remote store: fetched on the store pool, batched.
    void queueStatus(Ctx &ctx, const QString &id, const QByteArray &ifNoneMatch);
    void drainStatus(); // store pool thread
    void drainBatchStatus(); // store pool thread
    void sendBatchStatus(
        Ctx &ctx, const QStringList &ids, const QList<std::optional<QByteArray>> &found, nlohmann::json missing);
    void finishWaiter(Waiter *waiter, const std::optional<QByteArray> &wire);
    void failWaiter(Waiter *waiter);

    Config m_config;
    JobStore *m_store;
    std::shared_ptr<const AnalysisEngine> m_engine;
    Metrics *m_metrics;
    WorkerPool *m_pool = nullptr;
    std::shared_ptr<const TokenStore> m_tokens;
    std::unique_ptr<RateLimiter> m_limiter;
    // Event loop only: until then the shared (store) rate limit is not asked after it failed.
    static constexpr qint64 kSharedRateBackoffMs = 1000;
    qint64 m_sharedRateRetryAtMs = 0;
    std::unique_ptr<QStashVerifier> m_qstash;

    // The store round trip of start runs here, so the event loop keeps parsing and answering
    // other connections while Redis answers (each pool thread has its own connection).
    QThreadPool m_storePool;
    struct PendingStart
    {
        std::shared_ptr<Ctx> ctx;
        StartRequest request;
    };
    // More than one start batch on its way to Redis: while one waits behind the workers' scripts
    // the next requests are already sent instead of waiting a whole round trip.
    static constexpr int kStartDrains = 2;
    BatchQueue<PendingStart> m_starts { kStartDrains }; // waiting for a store thread
    struct PendingStatus
    {
        std::shared_ptr<Ctx> ctx;
        QString id;
        QByteArray ifNoneMatch;
    };
    BatchQueue<PendingStatus> m_statusPolls; // waiting for the store thread
    struct PendingBatchStatus
    {
        std::shared_ptr<Ctx> ctx;
        QStringList ids; // valid job ids, in request order
        nlohmann::json missing; // the ids that are not job ids
    };
    BatchQueue<PendingBatchStatus> m_batchPolls; // waiting for the store thread
    QHash<QString, QList<Waiter *>> m_waiters;
    qsizetype m_waiterCount = 0;
    // Parked long-polls plus those between reading their baseline and parking: a change after
    // the baseline read must find this above zero (see handleStatus).
    std::atomic<int> m_changeInterest { 0 };
    std::mutex m_changedMutex;
    QSet<QString> m_changed;
    bool m_wakePending = false;
};

QByteArray jobEtag(const Job &job);

} // namespace dealscope::server
