// Start-up against a Redis that is still loading its data (issue 15): Redis accepts connections
// while it replays a big RDB/AOF and answers every command with -LOADING. dealscope-server must
// wait and retry with a log line, for a bounded time, instead of exiting.
//
// The slow load is real: a redis-server restarted on a saved dataset with key-load-delay (Redis's
// own knob for slowing a load down, 100 ms a key here) and loading-process-events-interval-bytes
// small enough that it serves clients after every key. The test lets the load finish (CONFIG SET
// key-load-delay 0, which Redis takes while loading) only once the server has said it waits.

#include "ServerTestSupport.h"

#include <QTest>

using namespace servertest;

class TestRedisLoading : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    quint16 m_port = 0;
    std::unique_ptr<QProcess> m_redis;
    Http m_http;

    QByteArray cli(const QStringList &args) const
    {
        QProcess p;
        p.start(QStringLiteral("redis-cli"), QStringList { QStringLiteral("-p"), QString::number(m_port) } + args);
        p.waitForFinished(10000);
        return p.readAllStandardOutput().trimmed();
    }
    bool startRedis(const QStringList &more)
    {
        m_redis = std::make_unique<QProcess>();
        m_redis->setProcessChannelMode(QProcess::MergedChannels);
        m_redis->start(QStringLiteral("/usr/bin/redis-server"),
            QStringList { QStringLiteral("--port"), QString::number(m_port), QStringLiteral("--bind"),
                QStringLiteral("127.0.0.1"), QStringLiteral("--dir"), m_dir.path(), QStringLiteral("--dbfilename"),
                QStringLiteral("dump.rdb"), QStringLiteral("--save"), QString(), QStringLiteral("--appendonly"),
                QStringLiteral("no") }
                + more);
        // Up once it answers at all: PONG, or LOADING while it loads.
        return m_redis->waitForStarted(5000)
            && waitFor([this] { return !cli({ QStringLiteral("PING") }).isEmpty(); }, 10000);
    }
    void stopRedis()
    {
        if (!m_redis)
            return;
        m_redis->terminate();
        if (!m_redis->waitForFinished(10000))
            m_redis->kill();
        m_redis->waitForFinished(5000);
        m_redis.reset();
    }
    // Restarts Redis on the saved dataset, loading it at 100 ms a key (300 keys: 30 s).
    bool restartLoadingSlowly()
    {
        stopRedis();
        if (!startRedis({ QStringLiteral("--key-load-delay"), QStringLiteral("100000"),
                QStringLiteral("--loading-process-events-interval-bytes"), QStringLiteral("1024") }))
            return false;
        return cli({ QStringLiteral("PING") }).startsWith("LOADING");
    }
    std::unique_ptr<QProcess> startServer(const QStringList &more)
    {
        auto p = std::make_unique<QProcess>();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("DEALSCOPE_FAILPOINTS"));
        p->setProcessEnvironment(env);
        p->start(QStringLiteral(DEALSCOPE_SERVER_BINARY),
            QStringList { QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                QStringLiteral("--insecure-no-auth"), QStringLiteral("--workers"), QStringLiteral("1"),
                QStringLiteral("--store"), QStringLiteral("redis://127.0.0.1:%1").arg(m_port) }
                + more);
        return p;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_port = freePort();
        QVERIFY(startRedis({}));
        // 300 keys of 2 KB: each one more than loading-process-events-interval-bytes.
        QCOMPARE(cli({ QStringLiteral("EVAL"),
                     QStringLiteral("local v = string.rep('x', 2048) for i = 1, 300 do redis.call('SET', 'bulk:' .. i, "
                                    "v) end return 1"),
                     QStringLiteral("0") }),
            QByteArray("1"));
        // Uncompressed, so that every key is 2 KB of the file and Redis serves clients after each.
        QCOMPARE(cli({ QStringLiteral("CONFIG"), QStringLiteral("SET"), QStringLiteral("rdbcompression"),
                     QStringLiteral("no") }),
            QByteArray("OK"));
        QCOMPARE(cli({ QStringLiteral("SAVE") }), QByteArray("OK"));
    }
    void cleanupTestCase() { stopRedis(); }

    void startupWaitsForALoadingRedis()
    {
        QVERIFY(restartLoadingSlowly());
        auto server = startServer({});
        QVERIFY(server->waitForStarted(5000));
        QByteArray err, out;
        QVERIFY2(waitFor(
                     [&] {
                         err += server->readAllStandardError();
                         return err.contains("is loading its data") || server->state() == QProcess::NotRunning;
                     },
                     20000),
            err.constData());
        QVERIFY2(server->state() == QProcess::Running, err.constData());
        QVERIFY2(err.contains("% loaded"), err.constData());
        // The load ends: the server carries on by itself.
        QCOMPARE(cli({ QStringLiteral("CONFIG"), QStringLiteral("SET"), QStringLiteral("key-load-delay"),
                     QStringLiteral("0") }),
            QByteArray("OK"));
        static const QRegularExpression listenRe(QStringLiteral("listening on [^\\s]+:(\\d+)"));
        QRegularExpressionMatch m;
        QVERIFY2(waitFor(
                     [&] {
                         out += server->readAllStandardOutput();
                         m = listenRe.match(QString::fromUtf8(out));
                         return m.hasMatch() || server->state() == QProcess::NotRunning;
                     },
                     30000),
            QByteArray(err + server->readAllStandardError()).constData());
        QVERIFY2(m.hasMatch(), QByteArray(err + server->readAllStandardError()).constData());
        const QString base = QStringLiteral("http://127.0.0.1:%1").arg(m.captured(1));
        QCOMPARE(m_http.request("GET", QUrl(base + QStringLiteral("/readyz"))).status, 200);
        const auto r = m_http.request("POST", QUrl(base + QStringLiteral("/api/analysis/start")),
            R"({"listingId":"G000007","analysisType":"valuation"})");
        QCOMPARE(r.status, 202);
        QCOMPARE(cli({ QStringLiteral("EXISTS"), QStringLiteral("bulk:300") }), QByteArray("1"));
        server->terminate();
        QVERIFY(server->waitForFinished(20000));
        QCOMPARE(server->exitCode(), 0);
    }

    void startupGivesUpAfterTheLoadingWait()
    {
        QVERIFY(restartLoadingSlowly());
        auto server = startServer({ QStringLiteral("--redis-loading-wait"), QStringLiteral("1") });
        QVERIFY(server->waitForFinished(30000));
        const QByteArray err = server->readAllStandardError();
        QCOMPARE(server->exitCode(), 1);
        QVERIFY2(err.contains("is loading its data"), err.constData());
        QVERIFY2(err.contains("was still loading its data after 1 s (--redis-loading-wait)"), err.constData());
        QCOMPARE(cli({ QStringLiteral("CONFIG"), QStringLiteral("SET"), QStringLiteral("key-load-delay"),
                     QStringLiteral("0") }),
            QByteArray("OK"));
    }
};

QTEST_GUILESS_MAIN(TestRedisLoading)
#include "tst_redis_loading.moc"
