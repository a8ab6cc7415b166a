#include "server/store/RedisConnection.h"

#include "server/ServerLog.h"
#include "server/store/JobStore.h"
#include "server/store/RedisSocket.h"

#include <QCryptographicHash>

#include <hiredis/hiredis.h>

namespace dealscope::server {

RedisValue toRedisValue(void *raw)
{
    RedisValue v;
    auto *r = static_cast<redisReply *>(raw);
    if (!r)
        return v;
    switch (r->type) {
    case REDIS_REPLY_STRING:
        v.type = RedisValue::Type::String;
        v.str = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_STATUS:
        v.type = RedisValue::Type::Status;
        v.str = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_ERROR:
        v.type = RedisValue::Type::Error;
        v.str = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_INTEGER:
        v.type = RedisValue::Type::Integer;
        v.integer = r->integer;
        break;
    case REDIS_REPLY_ARRAY:
        v.type = RedisValue::Type::Array;
        v.elements.reserve(qsizetype(r->elements));
        for (size_t i = 0; i < r->elements; ++i)
            v.elements.append(toRedisValue(r->element[i]));
        break;
    default:
        break;
    }
    return v;
}

RedisConnection::RedisConnection(QString host, quint16 port, int db, int timeoutMs)
    : m_endpoint(RedisEndpoint::forAddress(host, port, db))
{
    m_endpoint.timeoutMs = timeoutMs;
}

RedisConnection::RedisConnection(RedisEndpoint endpoint)
    : m_endpoint(std::move(endpoint))
{ }

RedisConnection::~RedisConnection()
{
    drop();
}

void RedisConnection::drop()
{
    m_socket.reset();
}

void RedisConnection::ensureConnected()
{
    if (m_socket)
        return;
    auto socket = std::make_unique<RedisSocket>(m_endpoint);
    socket->open();
    // AUTH and SELECT in one round trip ahead of the first command. Both are allowed while Redis
    // is still loading its data, so a LOADING answer reaches the caller's command, not this.
    QByteArray hello;
    if (!m_endpoint.password.isEmpty()) {
        if (m_endpoint.user.isEmpty())
            RedisSocket::appendCommand(hello, { "AUTH", m_endpoint.password });
        else
            RedisSocket::appendCommand(hello, { "AUTH", m_endpoint.user.toUtf8(), m_endpoint.password });
    }
    if (m_endpoint.db != 0)
        RedisSocket::appendCommand(hello, { "SELECT", QByteArray::number(m_endpoint.db) });
    if (hello.isEmpty()) {
        m_socket = std::move(socket);
        return;
    }
    socket->write(hello);
    if (!m_endpoint.password.isEmpty()) {
        const auto r = socket->read(m_endpoint.timeoutMs);
        if (!r)
            throw StoreUnavailable(QStringLiteral("Redis at %1 did not answer AUTH within %2 ms")
                                       .arg(m_endpoint.displayName())
                                       .arg(m_endpoint.timeoutMs)
                                       .toStdString());
        // Redis's own words (WRONGPASS …, or that no password is set) never repeat the password.
        if (r->isError())
            throw StoreUnavailable(
                QStringLiteral("Redis at %1 refused the password%2: %3")
                    .arg(m_endpoint.displayName(),
                        m_endpoint.user.isEmpty() ? QString() : QStringLiteral(" of user \"%1\"").arg(m_endpoint.user),
                        QString::fromUtf8(r->str))
                    .toStdString());
    }
    if (m_endpoint.db != 0) {
        const auto r = socket->read(m_endpoint.timeoutMs);
        if (!r || r->isError())
            throw StoreUnavailable(QStringLiteral("Redis at %1: cannot select database %2: %3")
                                       .arg(m_endpoint.displayName())
                                       .arg(m_endpoint.db)
                                       .arg(r ? QString::fromUtf8(r->str) : QStringLiteral("no answer"))
                                       .toStdString());
    }
    m_socket = std::move(socket);
}

RedisValue RedisConnection::command(const QList<QByteArray> &args)
{
    return pipeline({ args }).constFirst();
}

QList<RedisValue> RedisConnection::pipeline(const QList<QList<QByteArray>> &commands)
{
    ensureConnected();
    QByteArray out;
    qsizetype size = 0;
    for (const auto &args : commands)
        for (const QByteArray &a : args)
            size += a.size() + 16;
    out.reserve(size + 16 * commands.size());
    for (const auto &args : commands)
        RedisSocket::appendCommand(out, args);
    QList<RedisValue> replies;
    replies.reserve(commands.size());
    try {
        m_socket->write(out);
        for (qsizetype i = 0; i < commands.size(); ++i) {
            std::optional<RedisValue> r = m_socket->read(m_endpoint.timeoutMs);
            if (!r)
                throw StoreUnavailable(QStringLiteral("Redis at %1 did not answer within %2 ms")
                                           .arg(m_endpoint.displayName())
                                           .arg(m_endpoint.timeoutMs)
                                           .toStdString());
            replies.append(std::move(*r));
        }
    } catch (const StoreUnavailable &) {
        // The replies still on their way would answer the next commands: start afresh.
        drop();
        throw;
    }
    return replies;
}

void RedisConnection::subscribe(const QByteArray &channel)
{
    ensureConnected();
    QByteArray out;
    RedisSocket::appendCommand(out, { "SUBSCRIBE", channel });
    try {
        m_socket->write(out);
    } catch (const StoreUnavailable &) {
        drop();
        throw;
    }
}

std::optional<RedisValue> RedisConnection::nextPush(int waitMs)
{
    if (!m_socket)
        throw StoreUnavailable("not subscribed");
    try {
        return m_socket->read(waitMs);
    } catch (const StoreUnavailable &) {
        drop();
        throw;
    }
}

RedisConnection::Script RedisConnection::makeScript(const char *source)
{
    Script s;
    s.source = QByteArray(source);
    s.sha1 = QCryptographicHash::hash(s.source, QCryptographicHash::Sha1).toHex();
    return s;
}

RedisValue RedisConnection::eval(const Script &script, const QList<QByteArray> &keys, const QList<QByteArray> &args)
{
    return eval(script, EvalCall { keys, args, {} });
}

RedisValue RedisConnection::eval(const Script &script, const EvalCall &call)
{
    return evalMany({ { &script, call } }).constFirst();
}

QList<RedisValue> RedisConnection::evalMany(const QList<std::pair<const Script *, EvalCall>> &calls)
{
    QList<QList<QByteArray>> commands;
    QList<qsizetype> scriptAt; // index of each script's reply
    for (const auto &[script, call] : calls) {
        commands += call.before;
        QList<QByteArray> cmd;
        cmd.reserve(3 + call.keys.size() + call.args.size());
        cmd << "EVALSHA" << script->sha1 << QByteArray::number(call.keys.size());
        cmd += call.keys;
        cmd += call.args;
        scriptAt.append(commands.size());
        commands.append(std::move(cmd));
    }
    QList<RedisValue> replies = pipeline(commands);
    QList<RedisValue> out;
    out.reserve(calls.size());
    qsizetype next = 0;
    for (qsizetype k = 0; k < calls.size(); ++k) {
        // A command ahead of a script that Redis refused (out of memory) is logged; the script
        // ran all the same and its own answer says what it could not do (a finish whose staged
        // JSON is missing answers LOST), so that answer is what counts.
        for (; next < scriptAt[k]; ++next)
            if (replies[next].isError())
                qCWarning(lcServerStore) << "Redis refused a command ahead of a script:" << replies[next].str;
        RedisValue r = std::move(replies[next++]);
        if (r.isError() && r.str.startsWith("NOSCRIPT")) {
            // The server lost its script cache (restart): the commands ahead of it stand.
            QList<QByteArray> cmd = commands[scriptAt[k]];
            cmd[0] = "EVAL";
            cmd[1] = calls[k].first->source;
            r = command(cmd);
        }
        out.append(std::move(r));
    }
    return out;
}

} // namespace dealscope::server
