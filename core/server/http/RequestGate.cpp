#include "server/http/RequestGate.h"

#include "server/ServerLog.h"
#include "server/auth/RateLimiter.h"
#include "server/auth/TokenStore.h"
#include "server/store/JobStore.h"

#include <QDateTime>

namespace dealscope::server {

bool RequestGate::isJsonMediaType(QByteArrayView contentType)
{
    // type/subtype before any parameters (charset=utf-8), case-insensitive (RFC 9110 §8.3.1):
    // application/json, not application/jsonxyz.
    const qsizetype semicolon = contentType.indexOf(';');
    const QByteArrayView type = (semicolon < 0 ? contentType : contentType.first(semicolon)).trimmed();
    return type.compare("application/json", Qt::CaseInsensitive) == 0;
}

RequestGate::RequestGate(bool requireAuth, JobStore *store)
    : m_requireAuth(requireAuth)
    , m_store(store)
{ }

RequestGate::~RequestGate() = default;

void RequestGate::setTokens(std::shared_ptr<const TokenStore> tokens)
{
    m_tokens = std::move(tokens);
}

void RequestGate::setRateLimiter(std::unique_ptr<RateLimiter> limiter)
{
    m_limiter = std::move(limiter);
}

bool RequestGate::admit(Exchange &exchange, const RouteTable::Route &route)
{
    if (route.access != RouteTable::Access::Token)
        return true;
    QByteArray token;
    if (!authenticate(exchange, &token) || !withinRateLimit(exchange, token))
        return false;
    if (route.method == QHttpServerRequest::Method::Post) {
        const QByteArray type = exchange.header("content-type");
        if (!type.isEmpty() && !isJsonMediaType(type)) {
            exchange.sendError(415, "unsupported_media_type", QStringLiteral("send the body as application/json"));
            return false;
        }
    }
    return true;
}

bool RequestGate::authenticate(Exchange &exchange, QByteArray *token)
{
    if (!m_requireAuth) {
        exchange.setTenant(QStringLiteral("public"));
        return true;
    }
    const QByteArray auth = exchange.header("authorization");
    if (!auth.startsWith("Bearer ") || auth.size() <= 7) {
        exchange.sendError(401, "unauthorized", QStringLiteral("missing Authorization: Bearer token"),
            { { "WWW-Authenticate", "Bearer" } });
        return false;
    }
    *token = auth.mid(7).trimmed();
    const auto tenant = m_tokens ? m_tokens->tenantFor(*token) : std::nullopt;
    if (!tenant) {
        exchange.sendError(401, "unauthorized", QStringLiteral("the bearer token is not valid"),
            { { "WWW-Authenticate", "Bearer error=\"invalid_token\"" } });
        return false;
    }
    exchange.setTenant(*tenant);
    return true;
}

bool RequestGate::withinRateLimit(Exchange &exchange, const QByteArray &token)
{
    if (!m_limiter || !m_limiter->enabled())
        return true;
    // The token with auth; without, the client's address is the rate-limit key.
    const QString rateKey = m_requireAuth ? QString::fromLatin1(token) : exchange.peer().toString();
    // Per token across every API process when the store shares a bucket (Redis), else per process.
    // A Redis call blocks this event loop: after a failure the per-process bucket stands in
    // for a while instead of every request waiting out the connection timeout again.
    std::optional<qint64> shared;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (now >= m_sharedRateRetryAtMs) {
        try {
            shared = m_store->acquireRate(rateKey.toUtf8(), m_limiter->rate());
        } catch (const StoreUnavailable &e) {
            m_sharedRateRetryAtMs = QDateTime::currentMSecsSinceEpoch() + kSharedRateBackoffMs;
            qCWarning(lcServer) << "shared rate limit unavailable, limiting per process for" << kSharedRateBackoffMs
                                << "ms:" << e.what();
        }
    }
    const qint64 waitMs = shared ? *shared : m_limiter->acquire(rateKey, QDateTime::currentMSecsSinceEpoch());
    if (waitMs <= 0)
        return true;
    const qint64 secs = std::max<qint64>(1, (waitMs + 999) / 1000);
    exchange.sendError(429, "rate_limited", QStringLiteral("too many requests; retry in %1 s").arg(secs),
        { { "Retry-After", QByteArray::number(secs) } });
    return false;
}

} // namespace dealscope::server
