#include "server/store/RedisConnection.h"

#include "server/ServerLog.h"
#include "server/store/JobStore.h"

#include <QCryptographicHash>

#include <hiredis/hiredis.h>

#include <vector>

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
    : m_host(std::move(host))
    , m_port(port)
    , m_db(db)
    , m_timeoutMs(timeoutMs)
{ }

RedisConnection::~RedisConnection()
{
    drop();
}

void RedisConnection::drop()
{
    if (m_ctx)
        redisFree(m_ctx);
    m_ctx = nullptr;
}

void RedisConnection::ensureConnected()
{
    if (m_ctx)
        return;
    const timeval tv { m_timeoutMs / 1000, (m_timeoutMs % 1000) * 1000 };
    const QByteArray host = m_host.toUtf8();
    redisContext *ctx = redisConnectWithTimeout(host.constData(), m_port, tv);
    if (!ctx || ctx->err) {
        const QString why = ctx ? QString::fromUtf8(ctx->errstr) : QStringLiteral("out of memory");
        if (ctx)
            redisFree(ctx);
        throw StoreUnavailable(
            QStringLiteral("cannot connect to Redis at %1:%2: %3").arg(m_host).arg(m_port).arg(why).toStdString());
    }
    redisSetTimeout(ctx, tv);
    m_ctx = ctx;
    if (m_db != 0) {
        const RedisValue r = command({ "SELECT", QByteArray::number(m_db) });
        if (r.isError())
            throw StoreUnavailable("cannot select the Redis database: " + r.str.toStdString());
    }
}

RedisValue RedisConnection::command(const QList<QByteArray> &args)
{
    return pipeline({ args }).constFirst();
}

QList<RedisValue> RedisConnection::pipeline(const QList<QList<QByteArray>> &commands)
{
    ensureConnected();
    for (const auto &args : commands) {
        std::vector<const char *> argv;
        std::vector<size_t> lens;
        argv.reserve(size_t(args.size()));
        lens.reserve(size_t(args.size()));
        for (const QByteArray &a : args) {
            argv.push_back(a.constData());
            lens.push_back(size_t(a.size()));
        }
        redisAppendCommandArgv(m_ctx, int(argv.size()), argv.data(), lens.data());
    }
    QList<RedisValue> out;
    out.reserve(commands.size());
    for (qsizetype i = 0; i < commands.size(); ++i) {
        void *reply = nullptr;
        if (redisGetReply(m_ctx, &reply) != REDIS_OK || !reply) {
            const std::string why = m_ctx->errstr;
            drop();
            throw StoreUnavailable("Redis connection failed: " + why);
        }
        out.append(toRedisValue(reply));
        freeReplyObject(reply);
    }
    return out;
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
