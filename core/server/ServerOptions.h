#pragma once

#include "server/store/RedisEndpoint.h"

#include <QByteArray>
#include <QHostAddress>
#include <QString>

#include <optional>

class QCommandLineParser;
class QProcessEnvironment;

namespace dealscope::server {

// The options of dealscope-server (issue 3). Every option can also come from the environment as
// DEALSCOPE_<NAME> (upper case, '-' → '_', e.g. DEALSCOPE_COMPLETED_TTL); the command line wins.
struct ServerOptions final
{
    QString listenHost = QStringLiteral("127.0.0.1");
    QHostAddress listenAddress = QHostAddress::LocalHost;
    quint16 port = 8080;
    bool listenGiven = false; // --listen (or DEALSCOPE_LISTEN) was set: a worker process serves its probes there
    QString listingsFile = QStringLiteral(":/demo/listings.csv");
    QString store = QStringLiteral("memory");
    // --store redis[s]://…, with the password (--redis-password-file, DEALSCOPE_REDIS_PASSWORD, or
    // the URL when it comes from DEALSCOPE_STORE) and --redis-ca-file. Empty host: memory store.
    RedisEndpoint redis;
    int redisLoadingWaitSecs = 300; // how long start-up waits for a Redis that is loading its data
    QString redisPrefix = QStringLiteral("dealscope:");
    int workers = 2;
    int claimBatch = 0; // 0: adaptive (1..16)
    QString role = QStringLiteral("all");
    QString tokensFile;
    int completedTtlSecs = 3600;
    int jobTimeoutSecs = 300;
    int maxAttempts = 3;
    int leaseSecs = 30;
    double rateLimit = 0;
    QByteArray qstashCurrentKey;
    QByteArray qstashNextKey;
    // The URL clients and QStash reach this server at ("https://jobs.example.com"); the consume
    // route checks a delivery's signed `sub` against it, never against the Host header.
    QString publicUrl;
    bool insecureNoAuth = false;
    int graceSecs = 10;
    // Connection limits of the HTTP layer (see GuardedTcpServer and HttpConnection).
    int headerTimeoutSecs = 10;
    int maxConnections = 1024;
    int maxConnectionsPerPeer = 256;

    bool isRedis() const { return !redis.host.isEmpty(); }
    bool runsApi() const { return role != QLatin1String("worker"); }
    bool runsWorkers() const { return role != QLatin1String("api"); }
};

// Adds the options to `parser` (not --help/--version).
void addServerOptions(QCommandLineParser &parser);
// Reads them back, with the environment as fallback. Returns the error message on bad input.
std::optional<QString> readServerOptions(
    const QCommandLineParser &parser, const QProcessEnvironment &env, ServerOptions *out);

} // namespace dealscope::server
