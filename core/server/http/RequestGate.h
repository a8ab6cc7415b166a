#pragma once

#include "server/http/RouteTable.h"

#include <memory>

namespace dealscope::server {

class JobStore;
class RateLimiter;
class TokenStore;

// What every request passes before its route sees it: the bearer token (401), the rate limit per
// token (429 + Retry-After) and, for a body, its media type (415). Routes that take no token
// (probes, the signed push consumer) skip the first two.
class RequestGate final
{
public:
    RequestGate(bool requireAuth, JobStore *store);
    ~RequestGate();

    void setTokens(std::shared_ptr<const TokenStore> tokens);
    void setRateLimiter(std::unique_ptr<RateLimiter> limiter);

    // True when `exchange` may go on to `route` (its tenant is set); otherwise it has been answered.
    bool admit(Exchange &exchange, const RouteTable::Route &route);

    static bool isJsonMediaType(QByteArrayView contentType);

private:
    bool authenticate(Exchange &exchange, QByteArray *token);
    bool withinRateLimit(Exchange &exchange, const QByteArray &token);

    bool m_requireAuth;
    JobStore *m_store;
    std::shared_ptr<const TokenStore> m_tokens;
    std::unique_ptr<RateLimiter> m_limiter;
    // Until then the shared (store) rate limit is not asked after it failed.
    static constexpr qint64 kSharedRateBackoffMs = 1000;
    qint64 m_sharedRateRetryAtMs = 0;
};

} // namespace dealscope::server
