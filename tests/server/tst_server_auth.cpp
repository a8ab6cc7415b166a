// Token file, QStash signature verification and the rate limiter.

#include "server/auth/QStashVerifier.h"
#include "server/auth/RateLimiter.h"
#include "server/auth/TokenStore.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace dealscope::server;

class TestServerAuth : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tokenFileKeepsOnlyHashes()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("tokens.json"));
        TokenStore store;
        QString error;
        QVERIFY(store.load(path, &error)); // missing file = empty
        const QString a = store.add(QStringLiteral("acme"));
        const QString b = store.add(QStringLiteral("globex"));
        QVERIFY(a != b);
        QVERIFY(store.save(path, &error));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray text = f.readAll();
        QVERIFY(!text.contains(a.toLatin1()));
        QCOMPARE(f.permissions() & (QFileDevice::ReadOther | QFileDevice::ReadGroup), QFileDevice::Permissions());

        TokenStore loaded;
        QVERIFY(loaded.load(path, &error));
        QCOMPARE(loaded.tenantFor(a.toLatin1()), std::optional<QString>(QStringLiteral("acme")));
        QCOMPARE(loaded.tenantFor(b.toLatin1()), std::optional<QString>(QStringLiteral("globex")));
        QVERIFY(!loaded.tenantFor("ds_guess"));
        QVERIFY(!loaded.tenantFor(""));
        QCOMPARE(loaded.revoke(QStringLiteral("acme")), 1);
        QVERIFY(!loaded.tenantFor(a.toLatin1()));
        QCOMPARE(loaded.revoke(loaded.entries().constFirst().id), 1);
        QVERIFY(loaded.entries().isEmpty());
    }

    void hostileTokenFiles_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::newRow("not json") << QByteArray("tokens: yes");
        QTest::newRow("no tokens key") << QByteArray("{}");
        QTest::newRow("short hash") << QByteArray(R"({"tokens":[{"id":"t","tenant":"a","sha256":"abc"}]})");
        QTest::newRow("bad tenant") << QByteArray(
            R"({"tokens":[{"id":"t","tenant":"../x","sha256":"0000000000000000000000000000000000000000000000000000000000000000"}]})");
        QTest::newRow("wrong types") << QByteArray(R"({"tokens":[{"id":1,"tenant":[],"sha256":null}]})");
    }
    void hostileTokenFiles()
    {
        QFETCH(QByteArray, content);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("t.json"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
        f.close();
        TokenStore store;
        QString error;
        QVERIFY(!store.load(path, &error));
        QVERIFY(!error.isEmpty());
        QVERIFY(store.entries().isEmpty());
    }

    void constantTimeCompare()
    {
        QVERIFY(TokenStore::constantTimeEquals("abc", "abc"));
        QVERIFY(!TokenStore::constantTimeEquals("abc", "abd"));
        QVERIFY(!TokenStore::constantTimeEquals("abc", "abcd"));
        QVERIFY(TokenStore::constantTimeEquals("", ""));
    }

    void qstashSignatures()
    {
        const QByteArray body = R"({"jobId":"x"})";
        const QString url = QStringLiteral("https://api.example/api/analysis/consume");
        const qint64 now = 1'800'000'000;
        QStashVerifier v("current", "next");
        QVERIFY(!v.verify(QStashVerifier::sign("current", url, body, now), body, { url }, now));
        QVERIFY(!v.verify(QStashVerifier::sign("next", url, body, now), body, { url }, now));
        QVERIFY(v.verify(QStashVerifier::sign("other", url, body, now), body, { url }, now));
        QVERIFY(v.verify(QStashVerifier::sign("current", url, body, now), body + ' ', { url }, now));
        QVERIFY(
            v.verify(QStashVerifier::sign("current", url, body, now), body, { QStringLiteral("https://evil/") }, now));
        QVERIFY(v.verify(QStashVerifier::sign("current", url, body, now - 1000, 300), body, { url }, now)); // expired
        QVERIFY(v.verify(QStashVerifier::sign("current", url, body, now + 1000), body, { url }, now)); // not yet valid
        for (const QByteArray &junk :
            { QByteArray(), QByteArray("a.b"), QByteArray("a.b.c"), QByteArray("..."), QByteArray(10000, '.') })
            QVERIFY(v.verify(junk, body, { url }, now));
        // alg none is refused even with a "valid" signature part.
        const QByteArray signedOk = QStashVerifier::sign("current", url, body, now);
        const QByteArray noneHeader = QByteArray(R"({"alg":"none","typ":"JWT"})")
                                          .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
        QVERIFY(v.verify(noneHeader + signedOk.mid(signedOk.indexOf('.')), body, { url }, now));
        QVERIFY(QStashVerifier("", "").verify(signedOk, body, { url }, now));
    }

    void rateLimiterRefillsPerKey()
    {
        RateLimiter limiter(2);
        QCOMPARE(limiter.acquire(QStringLiteral("a"), 0), 0);
        QCOMPARE(limiter.acquire(QStringLiteral("a"), 0), 0);
        const qint64 wait = limiter.acquire(QStringLiteral("a"), 0);
        QVERIFY(wait > 0 && wait <= 500);
        QCOMPARE(limiter.acquire(QStringLiteral("b"), 0), 0);
        QCOMPARE(limiter.acquire(QStringLiteral("a"), 600), 0);
        QVERIFY(!RateLimiter(0).enabled());
    }
};

QTEST_GUILESS_MAIN(TestServerAuth)
#include "tst_server_auth.moc"
