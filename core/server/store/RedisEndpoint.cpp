#include "server/store/RedisEndpoint.h"

#include <QMutex>
#include <QUrl>

#include <map>
#include <utility>

namespace dealscope::server {

namespace {
QMutex g_registryMutex;

std::map<std::pair<QString, quint16>, RedisEndpoint> &registry()
{
    static std::map<std::pair<QString, quint16>, RedisEndpoint> r;
    return r;
}
} // namespace

QString RedisEndpoint::displayName() const
{
    QString s = tls ? QStringLiteral("rediss://") : QStringLiteral("redis://");
    if (!user.isEmpty())
        s += user + QLatin1Char('@');
    s += host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    s += QLatin1Char(':') + QString::number(port);
    if (db != 0)
        s += QLatin1Char('/') + QString::number(db);
    return s;
}

QString RedisEndpoint::redactedUrl(const QString &url)
{
    // Everything between "scheme://user:" and the last '@' is taken for the password, whatever it
    // holds ('/', '@' and ':' unencoded make the URL invalid, and its message must still not show it).
    const qsizetype scheme = url.indexOf(QLatin1String("://"));
    const qsizetype at = url.lastIndexOf(QLatin1Char('@'));
    if (scheme < 0 || at < scheme)
        return url;
    const qsizetype colon = url.indexOf(QLatin1Char(':'), scheme + 3);
    if (colon < 0 || colon > at)
        return url;
    return url.left(colon + 1) + QLatin1String("***") + url.mid(at);
}

std::optional<RedisEndpoint> RedisEndpoint::fromUrl(const QString &text, QString *error)
{
    const QUrl url(text, QUrl::StrictMode);
    const QString scheme = url.scheme();
    bool dbOk = true;
    const QString path = url.path();
    const int db = path.isEmpty() || path == QLatin1String("/") ? 0 : path.mid(1).toInt(&dbOk);
    if (!url.isValid() || (scheme != QLatin1String("redis") && scheme != QLatin1String("rediss"))
        || url.host().isEmpty() || !dbOk || db < 0 || db > 15 || url.hasQuery() || url.hasFragment()) {
        *error = QStringLiteral("--store must be memory or redis[s]://[USER@]HOST[:PORT][/DB] (DB 0-15), got \"%1\"")
                     .arg(redactedUrl(text));
        return std::nullopt;
    }
    RedisEndpoint ep;
    ep.tls = scheme == QLatin1String("rediss");
    ep.host = url.host();
    ep.port = quint16(url.port(6379));
    ep.db = db;
    ep.user = url.userName(QUrl::FullyDecoded);
    ep.password = url.password(QUrl::FullyDecoded).toUtf8();
    return ep;
}

void RedisEndpoint::registerAddress(const RedisEndpoint &endpoint)
{
    const QMutexLocker lock(&g_registryMutex);
    registry()[{ endpoint.host, endpoint.port }] = endpoint;
}

RedisEndpoint RedisEndpoint::forAddress(const QString &host, quint16 port, int db)
{
    RedisEndpoint ep;
    {
        const QMutexLocker lock(&g_registryMutex);
        const auto it = registry().find({ host, port });
        if (it != registry().end())
            ep = it->second;
    }
    ep.host = host;
    ep.port = port;
    ep.db = db;
    return ep;
}

} // namespace dealscope::server
