#pragma once

#include <QHash>
#include <QString>

namespace dealscope::server {

// Token bucket per key (the API token's hash): `perSecond` sustained, bursts of one second's worth.
// Used on the event-loop thread only. With the Redis store the API uses the bucket the store
// shares across processes (JobStore::acquireRate) and this one only while Redis is away.
class RateLimiter final
{
public:
    explicit RateLimiter(double perSecond)
        : m_rate(perSecond)
    { }
    bool enabled() const { return m_rate > 0; }
    double rate() const { return m_rate; }
    // 0 when allowed, else milliseconds until a request would be allowed.
    qint64 acquire(const QString &key, qint64 nowMs);

private:
    struct Bucket
    {
        double tokens;
        qint64 lastMs;
    };
    double m_rate;
    QHash<QString, Bucket> m_buckets;
};

} // namespace dealscope::server
