#pragma once

#include "server/store/RedisEndpoint.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <memory>
#include <optional>
#include <utility>

namespace dealscope::server {

// A Redis reply copied out of hiredis (so no reply object outlives its call).
struct RedisValue final
{
    enum class Type { Nil, String, Status, Integer, Array, Error };
    Type type = Type::Nil;
    QByteArray str;
    long long integer = 0;
    QList<RedisValue> elements;

    bool isNil() const { return type == Type::Nil; }
    bool isError() const { return type == Type::Error; }
};

class RedisSocket;

// One synchronous Redis connection (plain TCP or TLS, see RedisSocket), used by one thread only.
// Connecting authenticates (AUTH, with the ACL user when there is one) and selects the database.
// Reconnects on the next command after an I/O error; I/O errors, timeouts and a refused AUTH
// throw StoreUnavailable, whose message never holds the password.
class RedisConnection final
{
public:
    struct Script
    {
        QByteArray source;
        QByteArray sha1; // computed from source
    };

    // The credentials and TLS settings are those registered for host:port (RedisEndpoint::registerAddress).
    RedisConnection(QString host, quint16 port, int db, int timeoutMs = 5000);
    explicit RedisConnection(RedisEndpoint endpoint);
    ~RedisConnection();
    RedisConnection(const RedisConnection &) = delete;
    RedisConnection &operator=(const RedisConnection &) = delete;

    RedisValue command(const QList<QByteArray> &args);
    // EVALSHA, falling back to EVAL when the server lost its script cache (restart).
    RedisValue eval(const Script &script, const QList<QByteArray> &keys, const QList<QByteArray> &args);
    struct EvalCall
    {
        QList<QByteArray> keys;
        QList<QByteArray> args;
        QList<QList<QByteArray>> before; // commands the script relies on, sent ahead of it

        // Adds another call of the same script (scripts that take several writes per call).
        void append(const EvalCall &other)
        {
            keys += other.keys;
            args += other.args;
            before += other.before;
        }
    };
    // The script after call.before in one round trip; the answer is the script's (a refused
    // command ahead of it is logged: the script must answer for what it did not find).
    RedisValue eval(const Script &script, const EvalCall &call);
    // Several scripts (each after its `before` commands) in one round trip; one reply per script.
    QList<RedisValue> evalMany(const QList<std::pair<const Script *, EvalCall>> &calls);
    // Sends several commands in one round trip.
    QList<RedisValue> pipeline(const QList<QList<QByteArray>> &commands);

    static Script makeScript(const char *source);

    // Pub/sub: sends SUBSCRIBE without waiting. From then on the connection only takes
    // nextPush() until drop().
    void subscribe(const QByteArray &channel);
    // The next reply Redis pushes on a subscribed connection (the subscribe confirmation, then
    // the messages), or nullopt when none came within waitMs.
    std::optional<RedisValue> nextPush(int waitMs);

    void ensureConnected();
    void drop();
    const RedisEndpoint &endpoint() const { return m_endpoint; }

private:
    RedisEndpoint m_endpoint;
    std::unique_ptr<RedisSocket> m_socket;
};

RedisValue toRedisValue(void *reply);

} // namespace dealscope::server
