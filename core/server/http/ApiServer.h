#pragma once

#include "server/http/RouteTable.h"

#include <QAbstractHttpServer>

#include <functional>
#include <memory>

class QTcpSocket;

namespace dealscope {
class AnalysisEngine;
}

namespace dealscope::server {

class AnalysisRoutes;
class ConsumeRoute;
class GuardedTcpServer;
class JobStore;
class ListingRoutes;
class LongPollHub;
class Metrics;
class ProbeRoutes;
class QStashVerifier;
class RateLimiter;
class RequestGate;
class StoreOffloader;
class TokenStore;
class WorkerPool;

// The HTTP job API (docs/API.md) on QtHttpServer. Answers are written by hand (QAbstractHttpServer)
// so every one of them — including 405, 489 and long-poll 304 — has exactly the status, headers
// and error envelope the spec asks for. This class only puts the parts together: a request finds
// its route in the route table, passes the request gate (token, rate limit, media type) and is
// handled by its route group; store calls go through the store offloader, parked long-polls
// live in the long-poll hub.
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

    // Serves the connections `server` accepts (binds it; the server becomes a child).
    void serve(GuardedTcpServer *server);

    void setTokens(std::shared_ptr<const TokenStore> tokens);
    void setRateLimiter(std::unique_ptr<RateLimiter> limiter);
    void setQStash(std::unique_ptr<QStashVerifier> verifier, const QString &publicUrl);
    void setWorkerPool(WorkerPool *pool);

    // Safe from any thread: coalesces change notifications and wakes long-polls on the event loop.
    void jobChanged(const QString &jobId);
    int waiterCount() const;
    // Any thread: whether a change notification can matter (a long-poll is parked or about to).
    bool wantsChanges() const;
    // Answers every parked long-poll now (shutdown).
    void flushWaiters();

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    static void guarded(Exchange &exchange, const std::function<void()> &handle);

    Config m_config;
    Metrics *m_metrics;
    RouteTable m_routes;
    StoreOffloader *m_offloader; // child: its store threads are waited for before the rest goes
    LongPollHub *m_longPolls; // child
    RequestGate *m_gate; // child
    std::unique_ptr<AnalysisRoutes> m_analysis;
    std::unique_ptr<ConsumeRoute> m_consume;
    std::unique_ptr<ListingRoutes> m_listings;
    std::unique_ptr<ProbeRoutes> m_probes;
};

} // namespace dealscope::server
