#pragma once

#include "server/http/RouteTable.h"

#include <QObject>

#include <functional>
#include <map>
#include <memory>

namespace dealscope::server {

class RateLimiter;
class StoreOffloader;
class TokenStore;

// What every request passes before its route sees it: the bearer token (401), the rate limit per
// token (429 + Retry-After) and, for a body, its media type (415). Routes that take no token
// (probes, the signed push consumer) skip all three. With a shared store the rate limit's bucket
// lives there (one per token for every API process), asked through the store offloader; while
// the store is slow or away, the process' own bucket stands in.
class RequestGate final : public QObject
{
    Q_OBJECT
public:
    RequestGate(bool requireAuth, StoreOffloader *offloader, QObject *parent = nullptr);
    ~RequestGate() override;

    void setTokens(std::shared_ptr<const TokenStore> tokens);
    void setRateLimiter(std::unique_ptr<RateLimiter> limiter);

    // Calls `next` (now or once the shared rate limit answered) when `exchange` may go on to
    // `route`, with its tenant set; otherwise answers it.
    void admit(const ExchangePtr &exchange, const RouteTable::Route &route, std::function<void()> next);

    // application/json, with or without parameters.
    static bool isJsonMediaType(QByteArrayView contentType);

private:
    bool authenticate(Exchange &exchange, QByteArray *token);
    // The per-process bucket's verdict for `key` (0: pass).
    qint64 localWait(const QString &key);
    // 429 unless `waitMs` is 0; then the media type, then `next`.
    void decide(
        const ExchangePtr &exchange, const RouteTable::Route &route, qint64 waitMs, const std::function<void()> &next);
    bool sharedLimitUsable(qint64 nowMs) const;

    bool m_requireAuth;
    StoreOffloader *m_offloader;
    std::shared_ptr<const TokenStore> m_tokens;
    std::unique_ptr<RateLimiter> m_limiter;
    // After the shared bucket failed, the process' bucket is used for this long.
    static constexpr qint64 kSharedRateBackoffMs = 1000;
    // A shared-bucket answer outstanding this long means the store is slow: later requests use
    // the process' bucket instead of queueing behind it.
    static constexpr qint64 kSharedRateSlowMs = 250;
    qint64 m_sharedRateRetryAtMs = 0;
    std::multimap<qint64, quint64> m_sharedInFlight; // start ms -> call id
    quint64 m_nextCall = 0;
};

} // namespace dealscope::server
