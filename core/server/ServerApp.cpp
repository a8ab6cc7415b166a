#include "server/ServerApp.h"

#include "analysis/AnalysisEngine.h"
#include "benchmarks/BenchmarkTable.h"
#include "import/ListingImporter.h"
#include "market/ListingCatalog.h"
#include "server/ServerLog.h"
#include "server/auth/QStashVerifier.h"
#include "server/auth/RateLimiter.h"
#include "server/auth/TokenStore.h"
#include "server/http/ApiServer.h"
#include "server/http/GuardedTcpServer.h"
#include "server/http/Metrics.h"
#include "server/store/JobStore.h"
#include "server/store/MemoryJobStore.h"
#include "server/store/RedisConnection.h"
#include "server/store/RedisJobStore.h"
#include "server/worker/WorkerPool.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHostInfo>
#include <QProcessEnvironment>
#include <QTextStream>
#include <QThread>
#include <QTimer>

#include <csignal>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace dealscope::server {

namespace {
int g_signalFds[2] = { -1, -1 };

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(g_signalFds[0], &byte, 1);
}

// Waits up to `ms` for SIGTERM/SIGINT (before the event loop runs); whether one came.
bool signalledWithin(int ms)
{
    if (g_signalFds[1] < 0) {
        QThread::msleep(ulong(ms));
        return false;
    }
    pollfd pfd { g_signalFds[1], POLLIN, 0 };
    return ::poll(&pfd, 1, ms) > 0;
}

// "loading_loaded_perc:12.5" and "loading_eta_seconds:40" of INFO persistence, for the log line.
QString loadingProgress(RedisConnection &redis)
{
    const RedisValue info = redis.command({ "INFO", "persistence" });
    QByteArray perc, eta;
    for (const QByteArray &line : info.str.split('\n')) {
        if (line.startsWith("loading_loaded_perc:"))
            perc = line.mid(20).trimmed();
        else if (line.startsWith("loading_eta_seconds:"))
            eta = line.mid(20).trimmed();
    }
    if (perc.isEmpty())
        return {};
    return QStringLiteral(" (%1 % loaded, about %2 s left)").arg(QString::fromLatin1(perc), QString::fromLatin1(eta));
}

// Start-up against a Redis that is restarting: while it answers LOADING (replaying a big AOF or
// RDB; it accepts connections meanwhile) this waits and retries, logging every few seconds,
// for at most `maxWaitSecs`. Anything else is for the caller to report, as before: an
// unreachable Redis, a refused password. Returns the error, or nullopt once Redis serves.
std::optional<QString> waitUntilRedisServes(const RedisEndpoint &endpoint, int maxWaitSecs)
{
    RedisConnection redis(endpoint);
    QElapsedTimer waited;
    waited.start();
    qint64 nextLogMs = 0;
    for (;;) {
        RedisValue pong;
        try {
            pong = redis.command({ "PING" });
            if (!pong.isError())
                return std::nullopt;
            if (pong.str.startsWith("NOAUTH"))
                return QStringLiteral("Redis at %1 requires a password: give it with --redis-password-file FILE or "
                                      "DEALSCOPE_REDIS_PASSWORD")
                    .arg(endpoint.displayName());
            if (!pong.str.startsWith("LOADING"))
                return QStringLiteral("Redis at %1 answered PING with: %2")
                    .arg(endpoint.displayName(), QString::fromUtf8(pong.str));
            if (waited.elapsed() >= nextLogMs) {
                qCInfo(lcServer).noquote()
                    << QStringLiteral("Redis at %1 is loading its data%2; waiting (%3 of at most %4 s)")
                           .arg(endpoint.displayName(), loadingProgress(redis))
                           .arg(waited.elapsed() / 1000)
                           .arg(maxWaitSecs);
                nextLogMs += 5000;
            }
            if (waited.elapsed() >= qint64(maxWaitSecs) * 1000)
                return QStringLiteral("Redis at %1 was still loading its data after %2 s (--redis-loading-wait)")
                    .arg(endpoint.displayName())
                    .arg(maxWaitSecs);
        } catch (const StoreUnavailable &e) {
            return QString::fromUtf8(e.what());
        }
        if (signalledWithin(200))
            return QStringLiteral("stopped by a signal while Redis at %1 was loading its data")
                .arg(endpoint.displayName());
    }
}
} // namespace

ServerApp::ServerApp(ServerOptions options, std::shared_ptr<AnalysisEngine> engine, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_engine(std::move(engine))
    , m_metrics(std::make_unique<Metrics>())
{ }

ServerApp::~ServerApp()
{
    // No thread may reach the API once it is deleted: stop the subscriber, then the workers.
    if (m_store)
        m_store->stopNotifications();
    if (m_pool) {
        m_pool->stopClaiming();
        m_pool->releaseRunning();
        m_pool->join();
    }
    delete m_api;
}

void ServerApp::installSignalHandlers()
{
    if (g_signalFds[0] >= 0)
        return;
    ::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalFds);
    struct sigaction sa = {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
}

std::optional<QString> ServerApp::start()
{
    StoreSettings settings;
    settings.completedTtlSecs = m_options.completedTtlSecs;
    settings.leaseMs = qint64(m_options.leaseSecs) * 1000;
    settings.maxAttempts = m_options.maxAttempts;
    if (m_options.isRedis()) {
        // Every connection RedisJobStore opens to this address authenticates with these settings.
        RedisEndpoint::registerAddress(m_options.redis);
        if (auto error = waitUntilRedisServes(m_options.redis, m_options.redisLoadingWaitSecs))
            return error;
        qCInfo(lcServer).noquote() << "job store:" << m_options.redis.displayName();
        RedisJobStore::Endpoint endpoint { m_options.redis.host, m_options.redis.port, m_options.redis.db,
            m_options.redisPrefix };
        auto redis = std::make_unique<RedisJobStore>(endpoint, settings);
        if (const auto error = redis->initialize(m_options.runsApi())) // only API processes wake long-polls
            return *error;
        m_store = std::move(redis);
    } else {
        m_store = std::make_unique<MemoryJobStore>(settings);
    }

    if (m_options.runsApi()) {
        if (!m_options.tokensFile.isEmpty()) {
            auto tokens = std::make_shared<TokenStore>();
            QString error;
            if (!tokens->load(m_options.tokensFile, &error))
                return error;
            if (tokens->entries().isEmpty())
                qCWarning(lcServer) << "the token file" << m_options.tokensFile
                                    << "has no tokens: every API request will get 401";
            m_tokens = tokens;
            m_tokensModified = QFileInfo(m_options.tokensFile).lastModified();
            // `token revoke` takes effect in a running server within a second.
            auto *timer = new QTimer(this);
            connect(timer, &QTimer::timeout, this, &ServerApp::reloadTokensIfChanged);
            timer->start(1000);
        }
        ApiServer::Config config;
        config.requireAuth = !m_options.insecureNoAuth || !m_options.tokensFile.isEmpty();
        config.consumeEnabled = m_options.runsWorkers();
        m_api = new ApiServer(config, m_store.get(), m_engine, m_metrics.get());
        m_api->setTokens(m_tokens);
        m_api->setRateLimiter(std::make_unique<RateLimiter>(m_options.rateLimit));
        m_api->setQStash(
            std::make_unique<QStashVerifier>(m_options.qstashCurrentKey, m_options.qstashNextKey), m_options.publicUrl);
        ApiServer *api = m_api;
        m_store->setChangeListener(
            [api](const QString &id) { api->jobChanged(id); }, [api] { return api->wantsChanges(); });

        if (auto error = listen())
            return error;
    } else if (m_options.listenGiven) {
        // A worker process has no API, but its probes and metrics (its jobs' durations, its
        // requests) are what an orchestrator and Prometheus scrape.
        ApiServer::Config config;
        config.requireAuth = false;
        config.probesOnly = true;
        m_api = new ApiServer(config, m_store.get(), m_engine, m_metrics.get());
        if (auto error = listen())
            return error;
    }
    if (m_options.runsWorkers()) {
        // With --workers 0 the pool only serves the push-queue consumer (/api/analysis/consume).
        WorkerPool::Settings ws;
        ws.workers = m_options.workers;
        ws.claimBatch = m_options.claimBatch;
        ws.jobTimeoutSecs = m_options.jobTimeoutSecs;
        ws.maxAttempts = m_options.maxAttempts;
        ws.processName
            = QHostInfo::localHostName() + QLatin1Char(':') + QString::number(QCoreApplication::applicationPid());
        m_pool = std::make_unique<WorkerPool>(ws, m_store.get(), m_engine, m_metrics.get());
        if (m_api)
            m_api->setWorkerPool(m_pool.get());
        m_pool->start();
        QTextStream(stdout) << "dealscope-server running " << ws.workers << " workers on the " << m_store->kind()
                            << " store" << Qt::endl;
    }
    if (g_signalFds[1] >= 0) {
        m_signalNotifier = new QSocketNotifier(qintptr(g_signalFds[1]), QSocketNotifier::Read, this);
        connect(m_signalNotifier, &QSocketNotifier::activated, this, [this] {
            char byte;
            [[maybe_unused]] const auto n = ::read(g_signalFds[1], &byte, 1);
            shutdown();
        });
    }
    return std::nullopt;
}

std::optional<QString> ServerApp::listen()
{
    GuardedTcpServer::Limits limits;
    limits.connection.headerTimeoutMs = m_options.headerTimeoutSecs * 1000;
    // A stalled half-received request goes sooner than the whole header block's deadline.
    limits.connection.stallTimeoutMs = std::min(limits.connection.stallTimeoutMs, limits.connection.headerTimeoutMs);
    limits.maxConnections = m_options.maxConnections;
    limits.maxConnectionsPerPeer = m_options.maxConnectionsPerPeer;
    auto *tcp = new GuardedTcpServer(limits);
    if (!tcp->listen(m_options.listenAddress, m_options.port)) {
        const QString error = QStringLiteral("cannot listen on %1:%2: %3")
                                  .arg(m_options.listenHost)
                                  .arg(m_options.port)
                                  .arg(tcp->errorString());
        delete tcp;
        return error;
    }
    m_api->serve(tcp);
    connect(tcp, &GuardedTcpServer::refused, this,
        [this](int status) { m_metrics->countRequest(QStringLiteral("refused"), status, 0); });
    qCInfo(lcServer).noquote() << "listening on"
                               << QStringLiteral("%1:%2").arg(m_options.listenHost).arg(tcp->serverPort());
    // The port line on stdout lets scripts and tests start us on port 0.
    QTextStream(stdout) << "dealscope-server listening on " << m_options.listenHost << ':' << tcp->serverPort()
                        << Qt::endl;
    return std::nullopt;
}

void ServerApp::reloadTokensIfChanged()
{
    const QDateTime modified = QFileInfo(m_options.tokensFile).lastModified();
    if (modified == m_tokensModified)
        return;
    auto tokens = std::make_shared<TokenStore>();
    QString error;
    if (!tokens->load(m_options.tokensFile, &error)) {
        qCWarning(lcServer).noquote() << "keeping the previous tokens:" << error;
        return;
    }
    m_tokensModified = modified;
    m_tokens = tokens;
    if (m_api)
        m_api->setTokens(m_tokens);
}

void ServerApp::shutdown()
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    qCInfo(lcServer) << "shutting down";
    if (m_api) {
        for (QTcpServer *tcp : m_api->servers())
            tcp->close();
        m_api->flushWaiters();
    }
    if (!m_pool) {
        Q_EMIT finished(0);
        return;
    }
    m_pool->stopClaiming();
    auto *poll = new QTimer(this);
    auto *elapsed = new QElapsedTimer;
    elapsed->start();
    connect(poll, &QTimer::timeout, this, [this, poll, elapsed] {
        if (m_pool->running() > 0 && elapsed->elapsed() < qint64(m_options.graceSecs) * 1000)
            return;
        if (m_pool->running() > 0)
            qCInfo(lcServer) << "grace period over: handing" << m_pool->running() << "running jobs back to the queue";
        m_pool->releaseRunning();
        m_pool->join();
        poll->stop();
        delete elapsed;
        Q_EMIT finished(0);
    });
    poll->start(50);
}

} // namespace dealscope::server
