#pragma once

#include "server/http/Exchange.h"

namespace dealscope::server {

class Metrics;
class RouteTable;
class StoreOffloader;

// GET /healthz (the process answers), /readyz (its store answers) and /metrics (Prometheus
// text): no token, and also served by a worker process for its orchestrator and scraper.
class ProbeRoutes final
{
public:
    ProbeRoutes(StoreOffloader *offloader, Metrics *metrics);

    void addTo(RouteTable &routes);
    void health(const ExchangePtr &exchange);
    void ready(const ExchangePtr &exchange);
    void metrics(const ExchangePtr &exchange);

private:
    StoreOffloader *m_offloader;
    Metrics *m_metrics;
};

} // namespace dealscope::server
