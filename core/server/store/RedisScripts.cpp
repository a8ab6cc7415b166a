#include "server/store/RedisScripts.h"

#include <QFile>

namespace dealscope::server {

namespace {
QByteArray lua(const char *name)
{
    QFile file(QStringLiteral(":/redis/%1.lua").arg(QLatin1String(name)));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("the Redis script %s is not compiled in", name);
    return file.readAll();
}

RedisConnection::Script script(const QByteArray &source)
{
    return RedisConnection::makeScript(source.constData());
}
} // namespace

const RedisScripts &RedisScripts::instance()
{
    static const RedisScripts scripts;
    return scripts;
}

RedisScripts::RedisScripts()
{
    // Shared by the scripts that read a job's state, put in front of their text.
    const QByteArray jobState = lua("job_state");
    create = script(lua("create"));
    compareAndSet = script(lua("compare_and_set"));
    leasedWrite = script(jobState + lua("leased_write"));
    heartbeat = script(jobState + lua("heartbeat"));
    checkpoint = script(lua("checkpoint"));
    claimBatch = script(lua("claim_batch"));
    rateLimit = script(lua("rate_limit"));
}

} // namespace dealscope::server
