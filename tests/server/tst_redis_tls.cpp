// Redis with a password, an ACL user and TLS (issue 15, item 9), against a real redis-server with
// a CA made by the test: the right password works, a wrong one is a clear error that never holds
// the password, an untrusted certificate and a host-name mismatch are refused, and the real
// dealscope-server runs jobs over rediss:// with the password from a file or the environment
// while refusing one on its command line.

#include "RedisTlsSupport.h"
#include "server/store/JobStore.h"
#include "server/store/RedisConnection.h"

#include <QElapsedTimer>
#include <QTest>

using namespace dealscope::server;
using namespace servertest;

class TestRedisTls : public QObject
{
    Q_OBJECT

private:
    TestCertificates m_certs;
    TlsRedisServer m_redis;
    QTemporaryDir m_dir;
    QString m_listings;
    Http m_http;

    // The message of the StoreUnavailable that `f` throws ("" when it throws none).
    template <typename F> static QString failure(F f)
    {
        try {
            f();
        } catch (const StoreUnavailable &e) {
            return QString::fromUtf8(e.what());
        }
        return {};
    }
    QString storeUrl(const QString &userInfo = QString::fromLatin1(TlsRedisServer::kUser)) const
    {
        return QStringLiteral("rediss://%1@127.0.0.1:%2").arg(userInfo).arg(m_redis.tlsPort());
    }
    QStringList serverArgs(const QStringList &more) const
    {
        return QStringList { QStringLiteral("--listings"), m_listings, QStringLiteral("--insecure-no-auth"),
            QStringLiteral("--workers"), QStringLiteral("1") }
        + more;
    }
    // Starts a server expected to fail: its exit code and stderr.
    static std::pair<int, QString> failedStart(const QStringList &args, const QMap<QString, QString> &env = {})
    {
        ServerProcess s;
        if (s.start(args, env))
            return { 0, QStringLiteral("started") };
        s.process()->waitForFinished(20000);
        return { s.process()->exitCode(), QString::fromUtf8(s.stderrText()) };
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QSslSocket::supportsSsl(), "Qt has no TLS backend");
        QVERIFY(m_certs.make());
        QVERIFY(m_redis.start(m_certs.path(QStringLiteral("server.crt")), m_certs.path(QStringLiteral("server.key")),
            m_certs.path(QStringLiteral("ca.crt"))));
        m_listings = m_dir.filePath(QStringLiteral("listings.csv"));
        QFile f(m_listings);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("id,title,industry,asking price,cash flow,gross revenue,year established\n"
                "L1,Corner Cafe,Restaurant,450000,120000,600000,2005\n");
    }

    void aclUserWithTheRightPasswordWorks()
    {
        RedisConnection c(m_redis.endpoint(m_certs.ca()));
        QCOMPARE(c.command({ "ACL", "WHOAMI" }).str, QByteArray("alice"));
        const auto replies = c.pipeline({ { "SET", "tls:k", "v" }, { "GET", "tls:k" }, { "DEL", "tls:k" } });
        QCOMPARE(replies.size(), 3);
        QCOMPARE(replies[1].str, QByteArray("v"));
        QCOMPARE(replies[2].integer, 1LL);
        // A reply larger than one TLS record and one read.
        const QByteArray big(3 * 1024 * 1024, 'x');
        QCOMPARE(c.command({ "SET", "tls:big", big }).str, QByteArray("OK"));
        QCOMPARE(c.command({ "GET", "tls:big" }).str, big);
        c.command({ "DEL", "tls:big" });
    }

    void defaultUserWithRequirepassWorks()
    {
        RedisEndpoint ep = m_redis.endpoint(m_certs.ca());
        ep.user.clear();
        ep.password = TlsRedisServer::kDefaultPassword;
        RedisConnection c(ep);
        QCOMPARE(c.command({ "ACL", "WHOAMI" }).str, QByteArray("default"));
    }

    void wrongPasswordIsAClearErrorWithoutThePassword()
    {
        RedisEndpoint ep = m_redis.endpoint(m_certs.ca());
        ep.password = "not-the-password-1234";
        RedisConnection c(ep);
        const QString why = failure([&] { c.command({ "PING" }); });
        QVERIFY2(why.contains(QLatin1String("refused the password of user \"alice\"")), qPrintable(why));
        QVERIFY2(why.contains(QLatin1String("WRONGPASS")), qPrintable(why));
        QVERIFY2(why.contains(QStringLiteral("rediss://alice@127.0.0.1:%1").arg(m_redis.tlsPort())), qPrintable(why));
        QVERIFY(!why.contains(QLatin1String("not-the-password-1234")));
    }

    void untrustedCertificateIsRefused()
    {
        // No CA given: the system's CAs do not know the test CA.
        RedisEndpoint ep = m_redis.endpoint({});
        QString why = failure([&] { RedisConnection(ep).command({ "PING" }); });
        QVERIFY2(why.contains(QLatin1String("TLS handshake failed")), qPrintable(why));
        QVERIFY2(why.contains(QLatin1String("--redis-ca-file")), qPrintable(why));
        QVERIFY(!why.contains(QLatin1String(TlsRedisServer::kUserPassword)));
        // A CA that did not sign the server's certificate.
        ep.caCertificates = QSslCertificate::fromPath(m_certs.path(QStringLiteral("selfsigned.crt")));
        QVERIFY(!ep.caCertificates.isEmpty());
        why = failure([&] { RedisConnection(ep).command({ "PING" }); });
        QVERIFY2(why.contains(QLatin1String("TLS handshake failed")), qPrintable(why));
        // A self-signed server certificate is refused as well.
        TlsRedisServer selfSigned;
        QVERIFY(selfSigned.start(m_certs.path(QStringLiteral("selfsigned.crt")),
            m_certs.path(QStringLiteral("selfsigned.key")), m_certs.path(QStringLiteral("ca.crt"))));
        why = failure([&] { RedisConnection(selfSigned.endpoint(m_certs.ca())).command({ "PING" }); });
        QVERIFY2(why.contains(QLatin1String("TLS handshake failed")), qPrintable(why));
    }

    void hostNameMismatchIsRefused()
    {
        // Signed by the trusted CA, but for another name than the one connected to.
        TlsRedisServer other;
        QVERIFY(other.start(m_certs.path(QStringLiteral("othername.crt")),
            m_certs.path(QStringLiteral("othername.key")), m_certs.path(QStringLiteral("ca.crt"))));
        const QString why = failure([&] { RedisConnection(other.endpoint(m_certs.ca())).command({ "PING" }); });
        QVERIFY2(why.contains(QLatin1String("host name did not match")), qPrintable(why));
    }

    void plainClientOnTheTlsPortFailsWithinTheTimeout()
    {
        RedisEndpoint ep = m_redis.endpoint(m_certs.ca());
        ep.tls = false;
        ep.timeoutMs = 500;
        QElapsedTimer t;
        t.start();
        const QString why = failure([&] { RedisConnection(ep).command({ "PING" }); });
        QVERIFY2(!why.isEmpty(), "a plain connection to the TLS port answered");
        QVERIFY2(t.elapsed() < 5000, QByteArray::number(t.elapsed()).constData());
    }

    void silentPeerTimesOutTheHandshake()
    {
        // Accepted by the kernel, never answered: the handshake ends with the connection timeout.
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        RedisEndpoint ep = m_redis.endpoint(m_certs.ca());
        ep.port = silent.serverPort();
        ep.timeoutMs = 300;
        QElapsedTimer t;
        t.start();
        const QString why = failure([&] { RedisConnection(ep).command({ "PING" }); });
        QVERIFY2(why.contains(QLatin1String("TLS handshake failed")), qPrintable(why));
        QVERIFY2(t.elapsed() < 3000, QByteArray::number(t.elapsed()).constData());
    }

    void reconnectsOnTheNextCommandAfterALostConnection()
    {
        RedisConnection c(m_redis.endpoint(m_certs.ca()));
        QCOMPARE(c.command({ "CLIENT", "SETNAME", "victim" }).str, QByteArray("OK"));
        RedisConnection killer(m_redis.endpoint(m_certs.ca()));
        const QByteArray list = killer.command({ "CLIENT", "LIST" }).str;
        QByteArray id;
        for (const QByteArray &line : list.split('\n'))
            if (line.contains("name=victim"))
                id = line.split(' ').value(0).mid(3);
        QVERIFY(!id.isEmpty());
        QCOMPARE(killer.command({ "CLIENT", "KILL", "ID", id }).integer, 1LL);
        // The command on the killed connection fails; the next one connects again.
        QVERIFY(!failure([&] { c.command({ "PING" }); }).isEmpty());
        QCOMPARE(c.command({ "PING" }).str, QByteArray("PONG"));
    }

    void subscriberReceivesMessagesOverTls()
    {
        RedisConnection sub(m_redis.endpoint(m_certs.ca()));
        sub.subscribe("tls:changes");
        const auto confirmed = sub.nextPush(5000);
        QVERIFY(confirmed);
        QCOMPARE(confirmed->elements.value(0).str, QByteArray("subscribe"));
        QVERIFY(!sub.nextPush(50)); // nothing yet: a bounded wait, no error
        RedisConnection pub(m_redis.endpoint(m_certs.ca()));
        QCOMPARE(pub.command({ "PUBLISH", "tls:changes", "a,b" }).integer, 1LL);
        const auto message = sub.nextPush(5000);
        QVERIFY(message);
        QCOMPARE(message->elements.value(0).str, QByteArray("message"));
        QCOMPARE(message->elements.value(2).str, QByteArray("a,b"));
    }

    void serverRunsJobsOverTlsWithThePasswordFromAFile()
    {
        const QString passwordFile = m_dir.filePath(QStringLiteral("redis-password"));
        QFile f(passwordFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(TlsRedisServer::kUserPassword) + "\n");
        f.close();
        ServerProcess server;
        QVERIFY(server.start(serverArgs({ QStringLiteral("--store"), storeUrl(),
            QStringLiteral("--redis-password-file"), passwordFile, QStringLiteral("--redis-ca-file"),
            m_certs.path(QStringLiteral("ca.crt")), QStringLiteral("--redis-prefix"), QStringLiteral("file:") })));
        const auto r = m_http.request("POST", server.url(QStringLiteral("/api/analysis/start")),
            R"({"listingId":"L1","analysisType":"valuation"})");
        QCOMPARE(r.status, 202);
        const QString id = QString::fromStdString(r.json()["jobId"].get<std::string>());
        // A long-poll wakes through the change subscription, which runs over TLS as well.
        nlohmann::json job;
        QVERIFY(waitFor(
            [&] {
                job = m_http.request("GET", server.url(QStringLiteral("/api/analysis/status?wait=5&jobId=") + id))
                          .json();
                return job.value("status", std::string()) == "succeeded";
            },
            30000));
        QCOMPARE(m_http.request("GET", server.url(QStringLiteral("/readyz"))).status, 200);
        const int exitCode = server.terminate();
        QVERIFY2(exitCode == 0, server.stderrText().right(3000).constData());
        QVERIFY(!server.stderrText().contains(TlsRedisServer::kUserPassword));
    }

    void serverTakesTheWholeUrlFromTheEnvironment()
    {
        ServerProcess server;
        QVERIFY(server.start(serverArgs({ QStringLiteral("--redis-prefix"), QStringLiteral("env:") }),
            { { QStringLiteral("DEALSCOPE_STORE"),
                  storeUrl(QStringLiteral("alice:") + QLatin1String(TlsRedisServer::kUserPassword)) },
                { QStringLiteral("DEALSCOPE_REDIS_CA_FILE"), m_certs.path(QStringLiteral("ca.crt")) } }));
        QCOMPARE(m_http.request("GET", server.url(QStringLiteral("/readyz"))).status, 200);
        const int exitCode = server.terminate();
        QVERIFY2(exitCode == 0, server.stderrText().right(3000).constData());
        QVERIFY(!server.stderrText().contains(TlsRedisServer::kUserPassword));
    }

    void serverRefusesAPasswordOnItsCommandLine()
    {
        const QString secret = QStringLiteral("visible-in-ps-5555");
        const auto [code, err]
            = failedStart(serverArgs({ QStringLiteral("--store"), storeUrl(QStringLiteral("alice:") + secret),
                QStringLiteral("--redis-ca-file"), m_certs.path(QStringLiteral("ca.crt")) }));
        QCOMPARE(code, 2);
        QVERIFY2(err.contains(QLatin1String("refusing a password on the command line")), qPrintable(err));
        QVERIFY2(err.contains(QLatin1String("DEALSCOPE_REDIS_PASSWORD")), qPrintable(err));
        QVERIFY2(!err.contains(secret), qPrintable(err));
    }

    void serverStartFailsClearlyOnAWrongPasswordOrCertificate()
    {
        const QStringList tls { QStringLiteral("--store"), storeUrl(), QStringLiteral("--redis-ca-file"),
            m_certs.path(QStringLiteral("ca.crt")) };
        auto [code, err] = failedStart(
            serverArgs(tls), { { QStringLiteral("DEALSCOPE_REDIS_PASSWORD"), QStringLiteral("wrong-pass-7777") } });
        QCOMPARE(code, 1);
        QVERIFY2(err.contains(QLatin1String("refused the password of user \"alice\"")), qPrintable(err));
        QVERIFY2(!err.contains(QLatin1String("wrong-pass-7777")), qPrintable(err));

        std::tie(code, err) = failedStart(
            serverArgs({ QStringLiteral("--store"), QStringLiteral("rediss://127.0.0.1:%1").arg(m_redis.tlsPort()),
                QStringLiteral("--redis-ca-file"), m_certs.path(QStringLiteral("ca.crt")) }));
        QCOMPARE(code, 1);
        QVERIFY2(err.contains(QLatin1String("requires a password")), qPrintable(err));

        std::tie(code, err) = failedStart(serverArgs({ QStringLiteral("--store"), storeUrl() }),
            { { QStringLiteral("DEALSCOPE_REDIS_PASSWORD"), QLatin1String(TlsRedisServer::kUserPassword) } });
        QCOMPARE(code, 1);
        QVERIFY2(err.contains(QLatin1String("TLS handshake failed")), qPrintable(err));
        QVERIFY2(!err.contains(QLatin1String(TlsRedisServer::kUserPassword)), qPrintable(err));
    }
};

QTEST_GUILESS_MAIN(TestRedisTls)
#include "tst_redis_tls.moc"
