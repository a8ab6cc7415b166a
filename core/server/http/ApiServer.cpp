#include "server/http/ApiServer.h"

#include "analysis/AnalysisEngine.h"
#include "server/ServerLog.h"
#include "server/auth/QStashVerifier.h"
#include "server/auth/RateLimiter.h"
#include "server/auth/TokenStore.h"
#include "server/http/AnalysisRoutes.h"
#include "server/http/ConsumeRoute.h"
#include "server/http/GuardedTcpServer.h"
#include "server/http/HttpConnection.h"
#include "server/http/ListingRoutes.h"
#include "server/http/LongPollHub.h"
#include "server/http/ProbeRoutes.h"
#include "server/http/RequestGate.h"
#include "server/http/StoreOffloader.h"
#include "server/store/JobStore.h"

#include <QHttpServerRequest>
#include <QTcpSocket>

namespace dealscope::server {

ApiServer::ApiServer(
    Config config, JobStore *store, std::shared_ptr<const AnalysisEngine> engine, Metrics *metrics, QObject *parent)
    : QAbstractHttpServer(parent)
    , m_config(config)
    , m_metrics(metrics)
    , m_offloader(new StoreOffloader(store, this))
    , m_longPolls(new LongPollHub(m_offloader, metrics, config.maxWaiters, this))
    , m_gate(new RequestGate(config.requireAuth, m_offloader, this))
{
    const RequestValidator validator({ config.maxWaitSecs, config.maxBatchIds });
    m_probes = std::make_unique<ProbeRoutes>(m_offloader, metrics);
    m_probes->addTo(m_routes);
    m_analysis = std::make_unique<AnalysisRoutes>(validator, engine, m_offloader, m_longPolls);
    m_analysis->addTo(m_routes);
    m_consume = std::make_unique<ConsumeRoute>(validator, m_offloader);
    m_consume->addTo(m_routes);
    m_listings = std::make_unique<ListingRoutes>(validator, engine);
    m_listings->addTo(m_routes);
}

ApiServer::~ApiServer()
{
    m_offloader->waitForDone();
}

void ApiServer::serve(GuardedTcpServer *server)
{
    bind(server);
    server->attachAfterHttpServer();
}

void ApiServer::setTokens(std::shared_ptr<const TokenStore> tokens)
{
    m_gate->setTokens(std::move(tokens));
}

void ApiServer::setRateLimiter(std::unique_ptr<RateLimiter> limiter)
{
    m_gate->setRateLimiter(std::move(limiter));
}

void ApiServer::setQStash(std::unique_ptr<QStashVerifier> verifier, const QString &publicUrl)
{
    m_consume->setVerifier(std::move(verifier), publicUrl);
}

void ApiServer::setWorkerPool(WorkerPool *pool)
{
    m_consume->setWorkerPool(pool);
}

void ApiServer::jobChanged(const QString &jobId)
{
    m_longPolls->jobChanged(jobId);
}

int ApiServer::waiterCount() const
{
    return m_longPolls->waiterCount();
}

bool ApiServer::wantsChanges() const
{
    return m_longPolls->wantsChanges();
}

void ApiServer::flushWaiters()
{
    m_longPolls->flush();
}

void ApiServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    // handleRequest() answers every request, so QtHttpServer has no reason to call this but its
    // WebSocket path, which the connection's guard refuses before QtHttpServer sees it. Answering
    // here would be a second answer to a request that has one.
    if (HttpConnection::of(socket)) {
        qCWarning(lcServer) << "QtHttpServer reported an unhandled request for" << request.url().path().left(200);
        return;
    }
    Exchange exchange(request, socket, m_metrics);
    exchange.sendError(404, "not_found", QStringLiteral("no such route"));
}

bool ApiServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    const auto exchange = std::make_shared<Exchange>(request, socket, m_metrics);
    const QString path = exchange->path();
    const RouteTable::Match match = m_routes.find(path, exchange->method());
    if (!match.route) {
        exchange->sendError(404, "not_found", QStringLiteral("no route %1").arg(path.left(200)));
        return true;
    }
    exchange->setRoute(match.route->name);
    if (!match.methodAllowed) {
        const QByteArray allowed = RouteTable::allowed(*match.route);
        exchange->sendError(405, "method_not_allowed",
            QStringLiteral("%1 only accepts %2").arg(path, QString::fromLatin1(allowed)), { { "Allow", allowed } });
        return true;
    }
    const RouteTable::Route &route = *match.route;
    if (m_config.probesOnly && route.access != RouteTable::Access::Probe) {
        exchange->sendError(
            404, "not_found", QStringLiteral("this process only runs workers; the API is served by --role api or all"));
        return true;
    }
    guarded(*exchange, [&] {
        m_gate->admit(exchange, route,
            [exchange, &route, arg = match.arg] { guarded(*exchange, [&] { route.handler(exchange, arg); }); });
    });
    return true;
}

void ApiServer::guarded(Exchange &exchange, const std::function<void()> &handle)
{
    // Bad input is answered 4xx by the routes; what escapes them is the store (503) or a bug (500).
    try {
        handle();
    } catch (const StoreUnavailable &e) {
        qCWarning(lcServer) << "store unavailable:" << e.what();
        exchange.sendStoreUnavailable();
    } catch (const std::exception &e) {
        qCWarning(lcServer) << "request" << exchange.requestId() << "failed:" << e.what();
        exchange.sendError(
            500, "internal_error", QStringLiteral("internal error (request %1)").arg(exchange.requestId()));
    }
}

} // namespace dealscope::server
