#pragma once

#include "server/store/RedisEndpoint.h"

#include <QByteArray>
#include <QList>

#include <memory>
#include <optional>

class QTcpSocket;
struct redisReader;

namespace dealscope::server {

struct RedisValue;

// The bytes of one Redis connection: a blocking QTcpSocket, or a QSslSocket for rediss://, with
// hiredis's RESP reader parsing what arrives. Debian's hiredis 0.14 has no TLS of its own, and
// its reader is all of it that is needed here. Used by one thread only (the one that opened it),
// with no event loop: every wait is a waitFor…() call bounded by the endpoint's timeout.
// Failures throw StoreUnavailable with a message that names the endpoint, never its password.
class RedisSocket final
{
public:
    explicit RedisSocket(const RedisEndpoint &endpoint);
    ~RedisSocket();
    RedisSocket(const RedisSocket &) = delete;
    RedisSocket &operator=(const RedisSocket &) = delete;

    // Connects and, for TLS, completes the handshake with the certificate checked.
    void open();
    // Sends all of `bytes` within the timeout.
    void write(const QByteArray &bytes);
    // The next reply, or nullopt when none was complete within waitMs.
    std::optional<RedisValue> read(int waitMs);

    // Appends one command in RESP (an array of bulk strings) to `out`.
    static void appendCommand(QByteArray &out, const QList<QByteArray> &args);

private:
    [[noreturn]] void fail(const QString &what) const;

    const RedisEndpoint &m_endpoint; // owned by the RedisConnection that owns this socket
    std::unique_ptr<QTcpSocket> m_socket;
    redisReader *m_reader = nullptr;
};

} // namespace dealscope::server
