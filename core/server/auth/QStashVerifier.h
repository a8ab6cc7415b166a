#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace dealscope::server {

// Verifies the `Upstash-Signature` header of a QStash push delivery: a JWT signed with HS256,
// tried with the current signing key, then the next one (key rotation). Claims: iss "Upstash",
// sub the URL that was called, body base64url(SHA-256(raw body)), exp/nbf in seconds. Anything
// in the token may be hostile: every member is type-checked, nothing throws.
class QStashVerifier final
{
public:
    QStashVerifier(QByteArray currentKey, QByteArray nextKey);

    bool isConfigured() const { return !m_currentKey.isEmpty() || !m_nextKey.isEmpty(); }

    struct Result final
    {
        std::optional<QString> error; // why not (never echoes a key); none when valid
        // For a valid token: what identifies this delivery (its jti, else its signature), to be
        // remembered until `expiresAtSecs` so that a captured delivery cannot be replayed.
        QByteArray replayKey;
        qint64 expiresAtSecs = 0;
        bool ok() const { return !error; }
    };

    // `calledUrls` are the URLs this request may have been addressed as (the configured public
    // URL, never the client's Host header); `nowSecs` for tests.
    Result verify(
        const QByteArray &jwt, const QByteArray &rawBody, const QList<QString> &calledUrls, qint64 nowSecs) const;

    // Builds a token the way QStash signs one, with a fresh jti (used by tests and the benchmark
    // client).
    static QByteArray sign(const QByteArray &key, const QString &url, const QByteArray &rawBody, qint64 nowSecs,
        qint64 lifetimeSecs = 300);

    // How far the clocks of QStash and this server may disagree.
    static constexpr qint64 kClockSkewSecs = 5;
    // The longest a token may still be valid.
    static constexpr qint64 kMaxLifetimeSecs = 86400;

private:
    Result verifyWithKey(const QByteArray &key, const QByteArray &jwt, const QByteArray &rawBody,
        const QList<QString> &calledUrls, qint64 nowSecs) const;
    QByteArray m_currentKey;
    QByteArray m_nextKey;
};

} // namespace dealscope::server
