#pragma once

#include <QByteArray>
#include <QString>

namespace dealscope::server {

// The names of the Redis store's keys under its prefix (SPEC §5 layout): `job:{id}`,
// `job:byListing:{tenant}:{listingId}:{analysisType}`, the stream `queue:analysis` with its
// group `workers`, the change channel, and the store's own lease, checkpoint, staging and stats keys.
class RedisKeys final
{
public:
    explicit RedisKeys(const QString &prefix);

    const QByteArray &prefix() const { return m_prefix; }
    QByteArray key(const QString &suffix) const { return m_prefix + suffix.toUtf8(); }

    QByteArray job(const QString &id) const { return m_jobPrefix + id.toUtf8(); }
    const QByteArray &jobPrefix() const { return m_jobPrefix; }
    QByteArray lease(const QString &id) const { return m_leasePrefix + id.toUtf8(); }
    const QByteArray &leasePrefix() const { return m_leasePrefix; }
    QByteArray checkpoint(const QString &id) const { return m_prefix + "checkpoint:" + id.toUtf8(); }
    // A finished job's JSON on its way to its job key (see leased_write.lua); one per lease.
    QByteArray staging(const QString &id, const QString &token) const
    {
        return m_prefix + "staging:" + id.toUtf8() + ':' + token.toUtf8();
    }
    QByteArray dedup(const QString &owner, const QString &listingId, const QString &type) const;

    const QByteArray &stream() const { return m_stream; }
    const QByteArray &stats() const { return m_stats; }
    const QByteArray &channel() const { return m_channel; }
    const QByteArray &group() const { return m_group; }

private:
    QByteArray m_prefix;
    QByteArray m_jobPrefix;
    QByteArray m_leasePrefix;
    QByteArray m_stream;
    QByteArray m_stats;
    QByteArray m_channel;
    QByteArray m_group = "workers";
};

} // namespace dealscope::server
