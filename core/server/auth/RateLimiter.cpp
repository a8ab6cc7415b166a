#include "server/auth/RateLimiter.h"

#include <cmath>

namespace dealscope::server {

qint64 RateLimiter::acquire(const QString &key, qint64 nowMs)
{
    if (!enabled())
        return 0;
    const double capacity = std::max(1.0, m_rate);
    auto it = m_buckets.find(key);
    if (it == m_buckets.end())
        it = m_buckets.insert(key, Bucket { capacity, nowMs });
    Bucket &b = *it;
    b.tokens = std::min(capacity, b.tokens + double(nowMs - b.lastMs) * m_rate / 1000.0);
    b.lastMs = nowMs;
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        return 0;
    }
    return std::max<qint64>(1, qint64(std::ceil((1.0 - b.tokens) * 1000.0 / m_rate)));
}

} // namespace dealscope::server
