#include "server/http/RequestGate.h"

#include "server/ServerLog.h"
#include "server/auth/RateLimiter.h"
#include "server/auth/TokenStore.h"
#include "server/http/StoreOffloader.h"
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

RequestGate::RequestGate(bool requireAuth, StoreOffloader *offloader, QObject *parent)
    : QObject(parent)
    , m_requireAuth(requireAuth)
    , m_offloader(offloader)
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

void RequestGate::admit(const ExchangePtr &exchange, const RouteTable::Route &route, std::function<void()> next)
{
    if (route.access != RouteTable::Access::Token) {
        next();
        return;
    }
    QByteArray token;
    if (!authenticate(*exchange, &token))
        return;
    if (!m_limiter || !m_limiter->enabled()) {
        decide(exchange, route, 0, next);
        return;
    }
    // The token with auth; without, the client's address is the rate-limit key.
    const QString key = m_requireAuth ? QString::fromLatin1(token) : exchange->peer().toString();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (!m_offloader->store()->isRemote() || !sharedLimitUsable(now)) {
        decide(exchange, route, localWait(key), next);
        return;
    }
    // Per token across every API process: the bucket in the store.
    const quint64 call = ++m_nextCall;
    const auto inFlight = m_sharedInFlight.emplace(now, call);
    JobStore *store = m_offloader->store();
    const double rate = m_limiter->rate();
    m_offloader->run<std::optional<qint64>>([store, key, rate] { return store->acquireRate(key.toUtf8(), rate); },
        [this, exchange, &route, next = std::move(next), key, inFlight](
            const std::optional<std::optional<qint64>> &shared) {
            m_sharedInFlight.erase(inFlight);
            if (!shared || !*shared) {
                if (!shared) {
                    m_sharedRateRetryAtMs = QDateTime::currentMSecsSinceEpoch() + kSharedRateBackoffMs;
                    qCWarning(lcServer) << "shared rate limit unavailable, limiting per process for"
                                        << kSharedRateBackoffMs << "ms";
                }
                decide(exchange, route, localWait(key), next);
                return;
            }
            decide(exchange, route, **shared, next);
        });
}

bool RequestGate::sharedLimitUsable(qint64 nowMs) const
{
    if (nowMs < m_sharedRateRetryAtMs)
        return false;
    return m_sharedInFlight.empty() || nowMs - m_sharedInFlight.begin()->first < kSharedRateSlowMs;
}

qint64 RequestGate::localWait(const QString &key)
{
    return m_limiter->acquire(key, QDateTime::currentMSecsSinceEpoch());
}

void RequestGate::decide(
    const ExchangePtr &exchange, const RouteTable::Route &route, qint64 waitMs, const std::function<void()> &next)
{
    if (waitMs > 0) {
        const qint64 secs = std::max<qint64>(1, (waitMs + 999) / 1000);
        exchange->sendError(429, "rate_limited", QStringLiteral("too many requests; retry in %1 s").arg(secs),
            { { "Retry-After", QByteArray::number(secs) } });
        return;
    }
    if (route.method == QHttpServerRequest::Method::Post) {
        const QByteArray type = exchange->header("content-type");
        if (!type.isEmpty() && !isJsonMediaType(type)) {
            exchange->sendError(415, "unsupported_media_type", QStringLiteral("send the body as application/json"));
            return;
        }
    }
    next();
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

} // namespace dealscope::server
