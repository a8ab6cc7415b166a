// Token file, QStash signature verification and the rate limiter.

#include "server/auth/QStashVerifier.h"
#include "server/auth/RateLimiter.h"
#include "server/auth/TokenStore.h"

#include <QCryptographicHash>
#include <QFile>
#include <QMessageAuthenticationCode>
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
        const qint64 now = 1800000000;
        QStashVerifier v("current", "next");
        const auto ok = [&](const QByteArray &jwt, const QByteArray &b = R"({"jobId":"x"})",
                            const QString &u = QStringLiteral("https://api.example/api/analysis/consume")) {
            return v.verify(jwt, b, { u }, now).ok();
        };
        QVERIFY(ok(QStashVerifier::sign("current", url, body, now)));
        QVERIFY(ok(QStashVerifier::sign("next", url, body, now)));
        QVERIFY(!ok(QStashVerifier::sign("other", url, body, now)));
        QVERIFY(!ok(QStashVerifier::sign("current", url, body, now), body + ' '));
        QVERIFY(!ok(QStashVerifier::sign("current", url, body, now), body, QStringLiteral("https://evil/")));
        QVERIFY(!ok(QStashVerifier::sign("current", url, body, now - 1000, 300))); // expired
        QVERIFY(!ok(QStashVerifier::sign("current", url, body, now + 1000))); // not yet valid
        QVERIFY(!ok(QStashVerifier::sign("current", url, body, now, 2 * 86400))); // good for too long
        for (const QByteArray &junk :
            { QByteArray(), QByteArray("a.b"), QByteArray("a.b.c"), QByteArray("..."), QByteArray(10000, '.') })
            QVERIFY(!ok(junk));
        // alg none is refused even with a "valid" signature part.
        const QByteArray signedOk = QStashVerifier::sign("current", url, body, now);
        const QByteArray noneHeader = QByteArray(R"({"alg":"none","typ":"JWT"})")
                                          .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
        QVERIFY(!ok(noneHeader + signedOk.mid(signedOk.indexOf('.'))));
        QVERIFY(!QStashVerifier("", "").verify(signedOk, body, { url }, now).ok());
        // Every token gets its own identity, remembered until it expires.
        const auto first = v.verify(signedOk, body, { url }, now);
        QVERIFY(first.ok() && first.replayKey.size() == 64);
        QCOMPARE(first.expiresAtSecs, now + 300 + QStashVerifier::kClockSkewSecs);
        QCOMPARE(v.verify(signedOk, body, { url }, now).replayKey, first.replayKey);
        QVERIFY(
            v.verify(QStashVerifier::sign("current", url, body, now), body, { url }, now).replayKey != first.replayKey);
    }

    void qstashTokensOfTheWrongShapeAreRefusedNotThrown_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<QByteArray>("claims");
        const QByteArray goodHeader = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
        const QByteArray goodClaims = "{\"iss\":\"Upstash\",\"sub\":\"https://a/b\",\"exp\":1800000300,\"body\":\"x\"}";
        // "alg": 1 threw nlohmann's type_error outside the try block: an unauthenticated 500.
        QTest::newRow("alg number") << QByteArray("{\"alg\":1}") << goodClaims;
        QTest::newRow("alg array") << QByteArray("{\"alg\":[\"HS256\"]}") << goodClaims;
        QTest::newRow("alg null") << QByteArray("{\"alg\":null}") << goodClaims;
        QTest::newRow("header array") << QByteArray("[]") << goodClaims;
        QTest::newRow("header deep") << QByteArray(100, '[') + QByteArray(100, ']') << goodClaims;
        QTest::newRow("iss number") << goodHeader << QByteArray("{\"iss\":7,\"sub\":\"https://a/b\",\"exp\":1}");
        QTest::newRow("sub object") << goodHeader << QByteArray("{\"iss\":\"Upstash\",\"sub\":{},\"exp\":1}");
        QTest::newRow("exp string") << goodHeader
                                    << QByteArray("{\"iss\":\"Upstash\",\"sub\":\"https://a/b\",\"exp\":\"x\"}");
        QTest::newRow("exp huge") << goodHeader
                                  << QByteArray("{\"iss\":\"Upstash\",\"sub\":\"https://a/b\",\"exp\":1e308}");
        QTest::newRow("nbf bool")
            << goodHeader
            << QByteArray("{\"iss\":\"Upstash\",\"sub\":\"https://a/b\",\"exp\":1800000300,\"nbf\":true}");
        QTest::newRow("body number")
            << goodHeader << QByteArray("{\"iss\":\"Upstash\",\"sub\":\"https://a/b\",\"exp\":1800000300,\"body\":5}");
        QTest::newRow("jti object")
            << goodHeader
            << QByteArray("{\"iss\":\"Upstash\",\"sub\":\"https://a/b\",\"exp\":1800000300,\"body\":\"x\",\"jti\":{}}");
    }
    void qstashTokensOfTheWrongShapeAreRefusedNotThrown()
    {
        QFETCH(QByteArray, header);
        QFETCH(QByteArray, claims);
        constexpr auto b64 = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;
        // Signed with the right key: only the shape is wrong.
        const QByteArray input = header.toBase64(b64) + '.' + claims.toBase64(b64);
        const QByteArray jwt = input + '.'
            + QMessageAuthenticationCode::hash(input, "current", QCryptographicHash::Sha256).toBase64(b64);
        QStashVerifier v("current", {});
        const auto r = v.verify(jwt, "x", { QStringLiteral("https://a/b") }, 1800000000);
        QVERIFY(!r.ok());
        QVERIFY(!r.error->isEmpty());
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
