#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace dealscope::server {

// Verifies the `Upstash-Signature` header of a QStash push delivery: a JWT signed with HS256,
// tried with the current signing key, then the next one (key rotation). Claims: iss "Upstash",
// sub the URL that was called, body base64url(SHA-256(raw body)), exp/nbf in seconds.
class QStashVerifier final
{
public:
    QStashVerifier(QByteArray currentKey, QByteArray nextKey);

    bool isConfigured() const { return !m_currentKey.isEmpty() || !m_nextKey.isEmpty(); }

    // Returns nullopt when valid, else why not (never echoes a key). `calledUrls` are the URLs this
    // request may have been addressed as (scheme variants behind a proxy); `nowSecs` for tests.
    std::optional<QString> verify(
        const QByteArray &jwt, const QByteArray &rawBody, const QList<QString> &calledUrls, qint64 nowSecs) const;

    // Builds a token the way QStash signs one (used by tests and the benchmark client).
    static QByteArray sign(const QByteArray &key, const QString &url, const QByteArray &rawBody, qint64 nowSecs,
        qint64 lifetimeSecs = 300);

private:
    std::optional<QString> verifyWithKey(const QByteArray &key, const QByteArray &jwt, const QByteArray &rawBody,
        const QList<QString> &calledUrls, qint64 nowSecs) const;
    QByteArray m_currentKey;
    QByteArray m_nextKey;
};

} // namespace dealscope::server
