// The Redis options of dealscope-server (issue 15): redis[s]:// URLs with an ACL user, the
// password from a file, the environment or DEALSCOPE_STORE but never from the command line, the
// CA file, and messages that never repeat a password, however odd its characters.

#include "server/ServerOptions.h"

#include <QCommandLineParser>
#include <QFile>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

using namespace dealscope::server;

class TestRedisOptions final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    // readServerOptions() on `args` (after the program name) and `env`: the error, if any.
    static std::optional<QString> read(const QStringList &args, const QMap<QString, QString> &env, ServerOptions *o)
    {
        QCommandLineParser p;
        addServerOptions(p);
        if (!p.parse(QStringList { QStringLiteral("dealscope-server"), QStringLiteral("--insecure-no-auth") } + args))
            return p.errorText();
        QProcessEnvironment e;
        for (auto it = env.cbegin(); it != env.cend(); ++it)
            e.insert(it.key(), it.value());
        return readServerOptions(p, e, o);
    }
    QString file(const QString &name, const QByteArray &content)
    {
        QFile f(m_dir.filePath(name));
        f.open(QIODevice::WriteOnly);
        f.write(content);
        return f.fileName();
    }

private Q_SLOTS:
    void userHostPortDatabaseAndTls()
    {
        ServerOptions o;
        QCOMPARE(read({ QStringLiteral("--store"), QStringLiteral("rediss://alice@cache.example:6380/2") },
                     { { QStringLiteral("DEALSCOPE_REDIS_PASSWORD"), QStringLiteral("s3cret") } }, &o),
            std::nullopt);
        QVERIFY(o.isRedis());
        QVERIFY(o.redis.tls);
        QCOMPARE(o.redis.host, QStringLiteral("cache.example"));
        QCOMPARE(o.redis.port, quint16(6380));
        QCOMPARE(o.redis.db, 2);
        QCOMPARE(o.redis.user, QStringLiteral("alice"));
        QCOMPARE(o.redis.password, QByteArray("s3cret"));
        QCOMPARE(o.redis.displayName(), QStringLiteral("rediss://alice@cache.example:6380/2"));

        ServerOptions plain;
        QCOMPARE(read({ QStringLiteral("--store"), QStringLiteral("redis://127.0.0.1") }, {}, &plain), std::nullopt);
        QVERIFY(!plain.redis.tls);
        QCOMPARE(plain.redis.port, quint16(6379));
        QVERIFY(plain.redis.password.isEmpty());
    }

    void passwordFromAFile()
    {
        ServerOptions o;
        const QString f = file(QStringLiteral("pw"), "line one\r\nline two\n");
        QCOMPARE(read({ QStringLiteral("--store"), QStringLiteral("redis://h:1"),
                          QStringLiteral("--redis-password-file"), f },
                     {}, &o),
            std::nullopt);
        QCOMPARE(o.redis.password, QByteArray("line one"));
        const auto empty = read({ QStringLiteral("--store"), QStringLiteral("redis://h:1"),
                                    QStringLiteral("--redis-password-file"), file(QStringLiteral("empty"), "\n") },
            {}, &o);
        QVERIFY(empty && empty->contains(QLatin1String("is empty")));
        const auto missing = read({ QStringLiteral("--store"), QStringLiteral("redis://h:1"),
                                      QStringLiteral("--redis-password-file"), m_dir.filePath(QStringLiteral("none")) },
            {}, &o);
        QVERIFY(missing && missing->contains(QLatin1String("cannot read")));
    }

    void passwordOnTheCommandLineIsRefusedAndNeverRepeated_data()
    {
        QTest::addColumn<QString>("password");
        // Each holds "Zq", which no message has.
        QTest::newRow("plain") << QStringLiteral("hunterZq2hunter2");
        QTest::newRow("at sign") << QStringLiteral("p@sZq@word9");
        QTest::newRow("slash") << QStringLiteral("pa/sZq:wo/rd9");
        QTest::newRow("encoded") << QStringLiteral("pa%2FsZq%40wd9");
    }
    void passwordOnTheCommandLineIsRefusedAndNeverRepeated()
    {
        QFETCH(QString, password);
        ServerOptions o;
        const auto error
            = read({ QStringLiteral("--store"), QStringLiteral("rediss://alice:%1@cache.example:6380").arg(password) },
                {}, &o);
        QVERIFY(error);
        QVERIFY2(!error->contains(password), qPrintable(*error));
        QVERIFY2(!error->contains(QLatin1String("Zq")), qPrintable(*error)); // no piece of it either
        // The same URL from the environment is accepted (no '/' or '@' unencoded: a valid URL).
        if (!password.contains(QLatin1Char('/')) && password.count(QLatin1Char('@')) == 0) {
            ServerOptions fromEnv;
            QCOMPARE(read({},
                         { { QStringLiteral("DEALSCOPE_STORE"),
                             QStringLiteral("rediss://alice:%1@cache.example:6380").arg(password) } },
                         &fromEnv),
                std::nullopt);
            QVERIFY(!fromEnv.redis.password.isEmpty());
            QVERIFY(!fromEnv.store.contains(password));
        }
    }

    void passwordGivenTwiceOrWithoutRedis()
    {
        ServerOptions o;
        auto e = read({},
            { { QStringLiteral("DEALSCOPE_STORE"), QStringLiteral("redis://:abc@h:1") },
                { QStringLiteral("DEALSCOPE_REDIS_PASSWORD"), QStringLiteral("def") } },
            &o);
        QVERIFY(e && e->contains(QLatin1String("more than once")));
        QVERIFY(!e->contains(QLatin1String("abc")) && !e->contains(QLatin1String("def")));
        ServerOptions memory;
        e = read({}, { { QStringLiteral("DEALSCOPE_REDIS_PASSWORD"), QStringLiteral("def") } }, &memory);
        QVERIFY(e && e->contains(QLatin1String("store is memory")));
    }

    void caFile()
    {
        ServerOptions o;
        auto e = read({ QStringLiteral("--store"), QStringLiteral("redis://h:1"), QStringLiteral("--redis-ca-file"),
                          file(QStringLiteral("x.pem"), "x") },
            {}, &o);
        QVERIFY(e && e->contains(QLatin1String("needs a TLS store")));
        e = read({ QStringLiteral("--store"), QStringLiteral("rediss://h:1"), QStringLiteral("--redis-ca-file"),
                     file(QStringLiteral("notpem.pem"), "not a certificate") },
            {}, &o);
        QVERIFY(e && e->contains(QLatin1String("holds no PEM certificate")));
    }

    void badUrls()
    {
        for (const QString &url :
            { QStringLiteral("http://h:1"), QStringLiteral("redis://h:1/16"), QStringLiteral("redis:///0"),
                QStringLiteral("redis://h:1/x"), QStringLiteral("redis://h:1?ssl=true") }) {
            ServerOptions o;
            const auto e = read({ QStringLiteral("--store"), url }, {}, &o);
            QVERIFY2(e && e->contains(QLatin1String("--store must be")), qPrintable(url));
        }
        ServerOptions o;
        QCOMPARE(read({ QStringLiteral("--redis-loading-wait"), QStringLiteral("5") }, {}, &o), std::nullopt);
        QCOMPARE(o.redisLoadingWaitSecs, 5);
    }
};

QTEST_GUILESS_MAIN(TestRedisOptions)
#include "tst_redis_options.moc"
