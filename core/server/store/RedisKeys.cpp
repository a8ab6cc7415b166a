#include "server/store/RedisKeys.h"

namespace dealscope::server {

RedisKeys::RedisKeys(const QString &prefix)
    : m_prefix(prefix.toUtf8())
    , m_jobPrefix(m_prefix + "job:")
    , m_leasePrefix(m_prefix + "lease:")
    , m_stream(m_prefix + "queue:analysis")
    , m_stats(m_prefix + "stats")
    , m_channel(m_prefix + "jobs:changed")
{ }

QByteArray RedisKeys::dedup(const QString &owner, const QString &listingId, const QString &type) const
{
    return m_prefix + "job:byListing:" + owner.toUtf8() + ':' + listingId.toUtf8() + ':' + type.toUtf8();
}

} // namespace dealscope::server
