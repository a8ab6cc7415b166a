#include "server/http/ProbeRoutes.h"

#include "common/JsonQt.h"
#include "server/http/Metrics.h"
#include "server/http/RouteTable.h"
#include "server/http/StoreOffloader.h"

#include <nlohmann/json.hpp>

namespace dealscope::server {

ProbeRoutes::ProbeRoutes(StoreOffloader *offloader, Metrics *metrics)
    : m_offloader(offloader)
    , m_metrics(metrics)
{ }

void ProbeRoutes::addTo(RouteTable &routes)
{
    using Method = QHttpServerRequest::Method;
    using Access = RouteTable::Access;
    routes.add(QStringLiteral("/healthz"),
        { QStringLiteral("healthz"), Method::Get, Access::Probe,
            [this](const ExchangePtr &e, const QString &) { health(e); } });
    routes.add(QStringLiteral("/readyz"),
        { QStringLiteral("readyz"), Method::Get, Access::Probe,
            [this](const ExchangePtr &e, const QString &) { ready(e); } });
    routes.add(QStringLiteral("/metrics"),
        { QStringLiteral("metrics"), Method::Get, Access::Probe,
            [this](const ExchangePtr &e, const QString &) { metrics(e); } });
}

void ProbeRoutes::health(const ExchangePtr &exchange)
{
    exchange->send(200, R"({"status":"ok"})");
}

void ProbeRoutes::ready(const ExchangePtr &exchange)
{
    JobStore *store = m_offloader->store();
    m_offloader->run<bool>([store] { return store->ping(); },
        [exchange, kind = store->kind()](const std::optional<bool> &up) {
            if (up && *up)
                exchange->send(
                    200, QByteArray::fromStdString(nlohmann::json { { "status", "ready" }, { "store", kind } }.dump()));
            else
                exchange->sendError(503, "store_unavailable", QStringLiteral("the %1 store does not answer").arg(kind),
                    { { "Retry-After", "1" } });
        });
}

void ProbeRoutes::metrics(const ExchangePtr &exchange)
{
    JobStore *store = m_offloader->store();
    Metrics *metrics = m_metrics;
    m_offloader->run<StoreStats>([store] { return store->stats(); },
        [exchange, metrics](const std::optional<StoreStats> &stats) {
            StoreStats shown;
            if (stats)
                shown = *stats;
            else
                shown.reachable = false; // the process' own figures still count
            exchange->send(
                200, metrics ? metrics->render(shown) : QByteArray(), {}, "text/plain; version=0.0.4; charset=utf-8");
        });
}

} // namespace dealscope::server
