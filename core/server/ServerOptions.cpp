#include "server/ServerOptions.h"

#include <QCommandLineParser>
#include <QFile>
#include <QHostInfo>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QSslSocket>
#include <QThread>
#include <QUrl>

namespace dealscope::server {

namespace {
QString envName(const QString &option)
{
    return QStringLiteral("DEALSCOPE_") + option.toUpper().replace(QLatin1Char('-'), QLatin1Char('_'));
}

// The command line value, else the environment's, else nullopt.
std::optional<QString> value(const QCommandLineParser &p, const QProcessEnvironment &env, const QString &name)
{
    if (p.isSet(name))
        return p.value(name);
    const QString e = envName(name);
    if (env.contains(e))
        return env.value(e);
    return std::nullopt;
}

std::optional<QString> readInt(
    const QCommandLineParser &p, const QProcessEnvironment &env, const QString &name, int min, int max, int *out)
{
    const auto v = value(p, env, name);
    if (!v)
        return std::nullopt;
    bool ok = false;
    const int n = v->trimmed().toInt(&ok);
    if (!ok || n < min || n > max)
        return QStringLiteral("--%1 must be a whole number from %2 to %3, got \"%4\"")
            .arg(name)
            .arg(min)
            .arg(max)
            .arg(*v);
    *out = n;
    return std::nullopt;
}
// Reads a secret's file: its first line, without the line break.
std::optional<QString> readSecretFile(const QString &option, const QString &path, QByteArray *out)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return QStringLiteral("--%1: cannot read %2: %3").arg(option, path, f.errorString());
    QByteArray text = f.read(64 * 1024);
    if (const qsizetype eol = text.indexOf('\n'); eol >= 0)
        text.truncate(eol);
    if (text.endsWith('\r'))
        text.chop(1);
    if (text.isEmpty())
        return QStringLiteral("--%1: %2 is empty (the password is its first line)").arg(option, path);
    *out = text;
    return std::nullopt;
}

// --store and what goes with a Redis store: its password and TLS CA file.
std::optional<QString> readStore(const QCommandLineParser &p, const QProcessEnvironment &env, ServerOptions *o)
{
    const auto v = value(p, env, QStringLiteral("store"));
    if (v)
        o->store = v->trimmed();
    if (o->store == QLatin1String("memory")) {
        o->redis = {};
    } else {
        QString error;
        auto endpoint = RedisEndpoint::fromUrl(o->store, &error);
        if (!endpoint)
            return error;
        // The command line is public (ps, /proc/PID/cmdline); the environment is not.
        if (!endpoint->password.isEmpty() && p.isSet(QStringLiteral("store")))
            return QStringLiteral("--store: refusing a password on the command line, where ps shows it to every user "
                                  "of this machine (%1). Give it with --redis-password-file FILE or "
                                  "DEALSCOPE_REDIS_PASSWORD, or put the whole URL in DEALSCOPE_STORE.")
                .arg(RedisEndpoint::redactedUrl(o->store));
        o->redis = std::move(*endpoint);
        // Keep the URL as given only without its password: o->store may be logged.
        o->store = RedisEndpoint::redactedUrl(o->store);
    }
    const QString passwordEnv = envName(QStringLiteral("redis-password"));
    const auto passwordFile = value(p, env, QStringLiteral("redis-password-file"));
    const int sources
        = int(!o->redis.password.isEmpty()) + int(passwordFile.has_value()) + int(!env.value(passwordEnv).isEmpty());
    if (sources > 1)
        return QStringLiteral("the Redis password is given more than once (URL, --redis-password-file, %1): "
                              "give it once")
            .arg(passwordEnv);
    if (passwordFile) {
        if (auto e = readSecretFile(QStringLiteral("redis-password-file"), *passwordFile, &o->redis.password))
            return e;
    } else if (!env.value(passwordEnv).isEmpty()) {
        o->redis.password = env.value(passwordEnv).toUtf8();
    }
    if (const auto ca = value(p, env, QStringLiteral("redis-ca-file"))) {
        if (!o->redis.tls)
            return QStringLiteral("--redis-ca-file needs a TLS store (--store rediss://…)");
        QFile f(*ca);
        if (!f.open(QIODevice::ReadOnly))
            return QStringLiteral("--redis-ca-file: cannot read %1: %2").arg(*ca, f.errorString());
        o->redis.caCertificates = QSslCertificate::fromData(f.readAll(), QSsl::Pem);
        if (o->redis.caCertificates.isEmpty())
            return QStringLiteral("--redis-ca-file: %1 holds no PEM certificate").arg(*ca);
        o->redis.caFile = *ca;
    }
    if (!o->isRedis() && (!o->redis.password.isEmpty() || passwordFile))
        return QStringLiteral("a Redis password is given but the store is memory (--store redis://…)");
    return std::nullopt;
}
} // namespace

void addServerOptions(QCommandLineParser &parser)
{
    parser.addOptions({
        { QStringLiteral("listen"),
            QStringLiteral("Address to serve the API on (default 127.0.0.1:8080); a --role worker process serves "
                           "/healthz, /readyz and /metrics there when given."),
            QStringLiteral("HOST:PORT") },
        { QStringLiteral("listings"),
            QStringLiteral("Listings file (CSV or JSON) served and analysed (default: the demo listings)."),
            QStringLiteral("FILE") },
        { QStringLiteral("store"),
            QStringLiteral("Job store: memory (default), redis://[USER@]HOST[:PORT][/DB], or rediss://… for TLS. "
                           "A password is refused here (ps shows the command line): use --redis-password-file, "
                           "DEALSCOPE_REDIS_PASSWORD, or the whole URL in DEALSCOPE_STORE."),
            QStringLiteral("STORE") },
        { QStringLiteral("redis-password-file"),
            QStringLiteral("File holding the Redis password (its first line) for AUTH."), QStringLiteral("FILE") },
        { QStringLiteral("redis-ca-file"),
            QStringLiteral("PEM file of the CA certificates a rediss:// server's certificate must be signed by "
                           "(default: the system's)."),
            QStringLiteral("FILE") },
        { QStringLiteral("redis-loading-wait"),
            QStringLiteral("Seconds start-up waits for a Redis that is still loading its data (default 300)."),
            QStringLiteral("SECONDS") },
        { QStringLiteral("redis-prefix"), QStringLiteral("Prefix of every Redis key (default dealscope:)."),
            QStringLiteral("PREFIX") },
        { QStringLiteral("workers"), QStringLiteral("Worker threads (default: number of cores)."),
            QStringLiteral("N") },
        { QStringLiteral("claim-batch"),
            QStringLiteral("Jobs a worker claims per store round trip; 0 adapts between 1 and 16 to how fast "
                           "jobs run (default 0)."),
            QStringLiteral("N") },
        { QStringLiteral("role"), QStringLiteral("api, worker or all (default)."), QStringLiteral("ROLE") },
        { QStringLiteral("tokens"), QStringLiteral("API token file (see the token command)."), QStringLiteral("FILE") },
        { QStringLiteral("completed-ttl"), QStringLiteral("Seconds finished jobs are kept (default 3600)."),
            QStringLiteral("SECONDS") },
        { QStringLiteral("job-timeout"), QStringLiteral("Seconds one attempt may run (default 300)."),
            QStringLiteral("SECONDS") },
        { QStringLiteral("max-attempts"),
            QStringLiteral("Attempts for transient failures and crashed workers (default 3)."), QStringLiteral("N") },
        { QStringLiteral("lease"),
            QStringLiteral("Seconds after which a silent worker's job is taken over (default 30)."),
            QStringLiteral("SECONDS") },
        { QStringLiteral("rate-limit"), QStringLiteral("API requests per second per token (default: unlimited)."),
            QStringLiteral("PER_SECOND") },
        { QStringLiteral("qstash-current-key"),
            QStringLiteral("QStash current signing key (enables /api/analysis/consume)."), QStringLiteral("KEY") },
        { QStringLiteral("qstash-next-key"), QStringLiteral("QStash next signing key."), QStringLiteral("KEY") },
        { QStringLiteral("public-url"),
            QStringLiteral("The URL this server is reached at from outside (https://HOST[:PORT][/PATH]); QStash "
                           "deliveries must be signed for PUBLIC_URL/api/analysis/consume."),
            QStringLiteral("URL") },
        { QStringLiteral("grace"),
            QStringLiteral("Seconds running jobs get to finish on SIGTERM before they are handed back (default 10)."),
            QStringLiteral("SECONDS") },
        { QStringLiteral("header-timeout"),
            QStringLiteral("Seconds a client has to send a request's whole header block (default 10)."),
            QStringLiteral("SECONDS") },
        { QStringLiteral("max-connections"),
            QStringLiteral("Open client connections at most (default 1024); when full, the longest idle one makes "
                           "room."),
            QStringLiteral("N") },
        { QStringLiteral("max-connections-per-peer"),
            QStringLiteral("Open connections per client address at most (default 256; 0: no cap)."),
            QStringLiteral("N") },
        { QStringLiteral("insecure-no-auth"),
            QStringLiteral("Serve without tokens (refused on non-loopback addresses).") },
    });
}

std::optional<QString> readServerOptions(const QCommandLineParser &p, const QProcessEnvironment &env, ServerOptions *o)
{
    o->workers = std::max(1, QThread::idealThreadCount());
    if (const auto listen = value(p, env, QStringLiteral("listen"))) {
        static const QRegularExpression re(QStringLiteral("^(\\[[0-9A-Fa-f:.]+\\]|[^:\\[\\]]+):(\\d{1,5})$"));
        const auto m = re.match(listen->trimmed());
        bool ok = false;
        const uint port = m.hasMatch() ? m.captured(2).toUInt(&ok) : 0;
        if (!m.hasMatch() || !ok || port > 65535)
            return QStringLiteral("--listen must be HOST:PORT, got \"%1\"").arg(*listen);
        QString host = m.captured(1);
        if (host.startsWith(QLatin1Char('[')))
            host = host.mid(1, host.size() - 2);
        o->listenHost = host;
        o->port = quint16(port);
        o->listenGiven = true;
        if (host == QLatin1String("localhost")) {
            o->listenAddress = QHostAddress::LocalHost;
        } else if (!o->listenAddress.setAddress(host)) {
            const QHostInfo info = QHostInfo::fromName(host);
            if (info.addresses().isEmpty())
                return QStringLiteral("--listen: cannot resolve \"%1\"").arg(host);
            o->listenAddress = info.addresses().constFirst();
        }
    }
    if (const auto v = value(p, env, QStringLiteral("listings")))
        o->listingsFile = *v;
    if (auto e = readStore(p, env, o))
        return e;
    if (auto e = readInt(p, env, QStringLiteral("redis-loading-wait"), 0, 86400, &o->redisLoadingWaitSecs))
        return e;
    if (const auto v = value(p, env, QStringLiteral("redis-prefix")))
        o->redisPrefix = *v;
    if (auto e = readInt(p, env, QStringLiteral("workers"), 0, 256, &o->workers))
        return e;
    if (auto e = readInt(p, env, QStringLiteral("claim-batch"), 0, 16, &o->claimBatch))
        return e;
    if (const auto v = value(p, env, QStringLiteral("role"))) {
        if (*v != QLatin1String("api") && *v != QLatin1String("worker") && *v != QLatin1String("all"))
            return QStringLiteral("--role must be api, worker or all, got \"%1\"").arg(*v);
        o->role = *v;
    }
    if (const auto v = value(p, env, QStringLiteral("tokens")))
        o->tokensFile = *v;
    if (auto e = readInt(p, env, QStringLiteral("completed-ttl"), 1, 30 * 86400, &o->completedTtlSecs))
        return e;
    if (auto e = readInt(p, env, QStringLiteral("job-timeout"), 1, 86400, &o->jobTimeoutSecs))
        return e;
    if (auto e = readInt(p, env, QStringLiteral("max-attempts"), 1, 100, &o->maxAttempts))
        return e;
    if (auto e = readInt(p, env, QStringLiteral("lease"), 1, 3600, &o->leaseSecs))
        return e;
    if (auto e = readInt(p, env, QStringLiteral("grace"), 0, 3600, &o->graceSecs))
        return e;
    if (auto e = readInt(p, env, QStringLiteral("header-timeout"), 1, 600, &o->headerTimeoutSecs))
        return e;
    if (auto e = readInt(p, env, QStringLiteral("max-connections"), 1, 1'000'000, &o->maxConnections))
        return e;
    if (auto e = readInt(p, env, QStringLiteral("max-connections-per-peer"), 0, 1'000'000, &o->maxConnectionsPerPeer))
        return e;
    if (const auto v = value(p, env, QStringLiteral("rate-limit"))) {
        bool ok = false;
        o->rateLimit = v->toDouble(&ok);
        if (!ok || o->rateLimit < 0 || o->rateLimit > 1e6)
            return QStringLiteral("--rate-limit must be a number of requests per second ≥ 0, got \"%1\"").arg(*v);
    }
    if (const auto v = value(p, env, QStringLiteral("qstash-current-key")))
        o->qstashCurrentKey = v->toUtf8();
    if (const auto v = value(p, env, QStringLiteral("qstash-next-key")))
        o->qstashNextKey = v->toUtf8();
    if (const auto v = value(p, env, QStringLiteral("public-url"))) {
        const QUrl url(v->trimmed(), QUrl::StrictMode);
        if (!url.isValid() || (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http"))
            || url.host().isEmpty() || url.hasQuery() || url.hasFragment())
            return QStringLiteral("--public-url must be http(s)://HOST[:PORT][/PATH], got \"%1\"").arg(*v);
        o->publicUrl = url.toString();
        while (o->publicUrl.endsWith(QLatin1Char('/'))) // the route's path follows
            o->publicUrl.chop(1);
    }
    if ((!o->qstashCurrentKey.isEmpty() || !o->qstashNextKey.isEmpty()) && o->publicUrl.isEmpty())
        return QStringLiteral("the QStash keys need --public-url: deliveries are checked against the URL QStash "
                              "calls, not against the Host header a client sends");
    if (p.isSet(QStringLiteral("insecure-no-auth"))) {
        o->insecureNoAuth = true;
    } else if (const QString e = env.value(envName(QStringLiteral("insecure-no-auth"))); !e.isEmpty()) {
        o->insecureNoAuth = e == QLatin1String("1") || e.compare(QLatin1String("true"), Qt::CaseInsensitive) == 0;
    }
    if (!o->isRedis() && o->role != QLatin1String("all"))
        return QStringLiteral("--role %1 needs a shared store (--store redis://HOST:PORT)").arg(o->role);
    if (o->isRedis() && o->redis.tls && !QSslSocket::supportsSsl())
        return QStringLiteral(
            "--store rediss://: this Qt has no TLS backend (install libqt6network6's OpenSSL plugin)");
    if (o->runsApi()) {
        if (o->tokensFile.isEmpty() && !o->insecureNoAuth)
            return QStringLiteral(
                "refusing to start without --tokens FILE (or --insecure-no-auth on a loopback address)");
        if (o->insecureNoAuth && !o->listenAddress.isLoopback())
            return QStringLiteral("--insecure-no-auth is refused on %1: it is only allowed on a loopback address")
                .arg(o->listenHost);
    }
    return std::nullopt;
}

} // namespace dealscope::server
