#pragma once

#include "server/http/Exchange.h"
#include "server/http/RequestValidator.h"

#include <memory>

namespace dealscope {
class AnalysisEngine;
}

namespace dealscope::server {

class RouteTable;

// GET /api/listings[?q=&offset=&limit=] and GET /api/listings/{id}: the server's own listings
// (--listings FILE), as the engine's catalog holds them.
class ListingRoutes final
{
public:
    ListingRoutes(RequestValidator validator, std::shared_ptr<const AnalysisEngine> engine);

    void addTo(RouteTable &routes);
    void list(const ExchangePtr &exchange);
    void one(const ExchangePtr &exchange, const QString &encodedId);

private:
    RequestValidator m_validator;
    std::shared_ptr<const AnalysisEngine> m_engine;
};

} // namespace dealscope::server
