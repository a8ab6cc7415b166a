#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <utility>

struct redisContext;

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

// One synchronous hiredis connection, used by one thread only. Reconnects on the next command
// after an I/O error; I/O errors throw StoreUnavailable.
class RedisConnection final
{
public:
    struct Script
    {
        QByteArray source;
        QByteArray sha1; // computed from source
    };

    RedisConnection(QString host, quint16 port, int db, int timeoutMs = 5000);
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

    // For the subscriber: the raw context after ensureConnected().
    redisContext *context() { return m_ctx; }
    void ensureConnected();
    void drop();

private:
    QString m_host;
    quint16 m_port;
    int m_db;
    int m_timeoutMs;
    redisContext *m_ctx = nullptr;
};

RedisValue toRedisValue(void *reply);

} // namespace dealscope::server
