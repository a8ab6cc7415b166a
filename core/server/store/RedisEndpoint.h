#pragma once

#include <QByteArray>
#include <QList>
#include <QSslCertificate>
#include <QString>

#include <optional>

namespace dealscope::server {

// Where a Redis is and how to reach it: address, database, ACL user, password and TLS.
// The password is a secret: displayName() and every message built from an endpoint leave it out.
struct RedisEndpoint final
{
    QString host;
    quint16 port = 6379;
    int db = 0;
    bool tls = false; // rediss://: TLS with the server's certificate verified against caCertificates
    QString user; // ACL user; empty: the default user
    QByteArray password; // empty: no AUTH
    QString caFile; // where caCertificates came from (for messages)
    // Trusted instead of the system's CA certificates when not empty (a private CA).
    QList<QSslCertificate> caCertificates;
    int timeoutMs = 5000; // connect, TLS handshake, each write and each wait for a reply

    // "rediss://alice@host:6380/1": what logs and error messages name, without the password.
    QString displayName() const;

    // Parses redis[s]://[user[:password]@]host[:port][/db]. On bad input returns nullopt and sets
    // *error to a message that does not repeat the password.
    static std::optional<RedisEndpoint> fromUrl(const QString &url, QString *error);
    // The URL with any password replaced by "***", for messages about a URL that did not parse.
    static QString redactedUrl(const QString &url);

    // RedisJobStore opens its per-thread and subscriber connections by host, port and database
    // only. The credentials and TLS settings of that address are registered here once at
    // start-up, so that every connection to it authenticates the same way; forAddress() hands
    // them back (an unregistered address: plain TCP, no AUTH).
    static void registerAddress(const RedisEndpoint &endpoint);
    static RedisEndpoint forAddress(const QString &host, quint16 port, int db);
};

} // namespace dealscope::server
