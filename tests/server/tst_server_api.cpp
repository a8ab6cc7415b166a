// The HTTP job API of dealscope-server over real HTTP against the real binary (memory store):
// the bad-input table, tenant isolation, dedup under concurrency, cancel, timeout, retry,
// ETag/304, long-poll, listings, metrics, tokens, QStash consume, rate limit, SIGTERM.

#include "ServerTestSupport.h"
#include "server/auth/QStashVerifier.h"

#include <QDateTime>
#include <QTest>
#include <QUrlQuery>

using namespace servertest;

namespace {
QByteArray listingsCsv()
{
    return "id,title,industry,asking price,cash flow,gross revenue,year established,location\n"
           "L1,Corner Cafe,Restaurant,450000,120000,600000,2005,\"Austin, TX\"\n"
           "L2,Car Wash Express,Car Washes,1200000,300000,900000,2012,\"Denver, CO\"\n"
           "L3,Plumbing Services,Plumbing,800000,250000,1500000,1998,\"Tampa, FL\"\n"
           "L4,Quiet Bookshop,Retail,150000,40000,300000,2019,\"Portland, OR\"\n"
           "L5,Landscaping Crew,Landscaping,350000,110000,700000,2010,\"Raleigh, NC\"\n"
           "L6,Dry Cleaner,Dry Cleaning,275000,90000,410000,2001,\"Columbus, OH\"\n"
           "L7,Pet Grooming,Pet Services,220000,80000,350000,2015,\"Boise, ID\"\n";
}
} // namespace

class TestServerApi : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_listings, m_tokens;
    QByteArray m_tokenA, m_tokenB;
    ServerProcess m_server;
    Http m_http;

    QByteArray bearer(const QByteArray &token) const { return "Bearer " + token; }
    QList<QPair<QByteArray, QByteArray>> authA() const { return { { "Authorization", bearer(m_tokenA) } }; }
    QList<QPair<QByteArray, QByteArray>> authB() const { return { { "Authorization", bearer(m_tokenB) } }; }

    QByteArray addToken(const QString &tenant)
    {
        QProcess p;
        p.start(QStringLiteral(DEALSCOPE_SERVER_BINARY),
            { QStringLiteral("token"), QStringLiteral("add"), QStringLiteral("--tenant"), tenant,
                QStringLiteral("--tokens"), m_tokens });
        p.waitForFinished(10000);
        return p.readAllStandardOutput().trimmed();
    }

    HttpResult start(const QByteArray &token, const QString &listing, const QString &type,
        const nlohmann::json &extra = nlohmann::json::object())
    {
        nlohmann::json body = extra;
        body["listingId"] = listing.toStdString();
        body["analysisType"] = type.toStdString();
        return m_http.request("POST", m_server.url(QStringLiteral("/api/analysis/start")),
            QByteArray::fromStdString(body.dump()), { { "Authorization", bearer(token) } });
    }
    HttpResult status(
        const QByteArray &token, const QString &query, const QList<QPair<QByteArray, QByteArray>> &more = {})
    {
        auto headers = more;
        headers.append(qMakePair(QByteArray("Authorization"), bearer(token)));
        return m_http.request(
            "GET", m_server.url(QStringLiteral("/api/analysis/status?") + query), QByteArray(), headers);
    }
    nlohmann::json waitForStatus(const QByteArray &token, const QString &id, const QStringList &wanted, int ms = 15000)
    {
        nlohmann::json job;
        waitFor(
            [&] {
                const auto r = status(token, QStringLiteral("jobId=") + id);
                job = r.json();
                return r.status == 200 && wanted.contains(QString::fromStdString(job.value("status", std::string())));
            },
            ms);
        return job;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_listings = m_dir.filePath(QStringLiteral("listings.csv"));
        m_tokens = m_dir.filePath(QStringLiteral("tokens.json"));
        QFile f(m_listings);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(listingsCsv());
        f.close();
        m_tokenA = addToken(QStringLiteral("acme"));
        m_tokenB = addToken(QStringLiteral("globex"));
        QVERIFY(m_tokenA.startsWith("ds_"));
        QVERIFY(m_tokenB.startsWith("ds_"));
        QVERIFY(m_tokenA != m_tokenB);
        // The token file stores only hashes.
        QFile tf(m_tokens);
        QVERIFY(tf.open(QIODevice::ReadOnly));
        const QByteArray stored = tf.readAll();
        QVERIFY(!stored.contains(m_tokenA));
        QVERIFY(stored.contains("acme"));

        // One worker; market_intelligence sleeps in a step (cancelable) and so runs into the
        // 3 s timeout; the first business_analysis fails once with a transient error.
        QVERIFY(m_server.start({ QStringLiteral("--listings"), m_listings, QStringLiteral("--tokens"), m_tokens,
                                   QStringLiteral("--workers"), QStringLiteral("1"), QStringLiteral("--job-timeout"),
                                   QStringLiteral("3") },
            { { QStringLiteral("DEALSCOPE_FAILPOINTS"),
                QStringLiteral("analysis.step.market_intelligence.percentiles=delay(60000);"
                               "analysis.step.business_analysis.overview=fail(1,transient)") } }));
    }

    void cleanupTestCase() { QCOMPARE(m_server.terminate(), 0); }

    void healthAndReady()
    {
        auto r = m_http.request("GET", m_server.url(QStringLiteral("/healthz")));
        QCOMPARE(r.status, 200);
        r = m_http.request("GET", m_server.url(QStringLiteral("/readyz")));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()["store"].get<std::string>(), std::string("memory"));
    }

    void retryAfterTransientFailure()
    {
        // Must be the first business_analysis of this server process (fail(1,…) counts per process).
        const auto r = start(m_tokenA, QStringLiteral("L1"), QStringLiteral("business_analysis"));
        QCOMPARE(r.status, 202);
        const QString id = QString::fromStdString(r.json()["jobId"].get<std::string>());
        const auto job = waitForStatus(m_tokenA, id, { QStringLiteral("succeeded"), QStringLiteral("failed") });
        QCOMPARE(job.value("status", std::string()), std::string("succeeded"));
        QCOMPARE(job["attempt"].get<int>(), 2);
        QVERIFY(job["result"].is_object());
    }

    void badInput_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("auth"); // "A", "none", "bad", "basic"
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");

        const QString startPath = QStringLiteral("/api/analysis/start");
        const QByteArray json = "application/json";
        QTest::newRow("malformed JSON") << QByteArray("POST") << startPath << QByteArray("{\"listingId\":")
                                        << QByteArray("A") << json << 400 << "malformed_json";
        QTest::newRow("empty body") << QByteArray("POST") << startPath << QByteArray("") << QByteArray("A") << json
                                    << 400 << "malformed_json";
        QTest::newRow("invalid UTF-8") << QByteArray("POST") << startPath
                                       << QByteArray("{\"listingId\":\"\xff\xfe\",\"analysisType\":\"valuation\"}")
                                       << QByteArray("A") << json << 400 << "malformed_json";
        QTest::newRow("array body") << QByteArray("POST") << startPath << QByteArray("[1,2]") << QByteArray("A") << json
                                    << 400 << "invalid_body";
        QTest::newRow("deeply nested") << QByteArray("POST") << startPath
                                       << QByteArray(5000, '[') + QByteArray(5000, ']') << QByteArray("A") << json
                                       << 400 << "invalid_body";
        QTest::newRow("missing listingId")
            << QByteArray("POST") << startPath << QByteArray("{\"analysisType\":\"valuation\"}") << QByteArray("A")
            << json << 400 << "missing_field";
        QTest::newRow("listingId number")
            << QByteArray("POST") << startPath << QByteArray("{\"listingId\":7,\"analysisType\":\"valuation\"}")
            << QByteArray("A") << json << 400 << "invalid_field";
        QTest::newRow("listingId empty") << QByteArray("POST") << startPath
                                         << QByteArray("{\"listingId\":\"\",\"analysisType\":\"valuation\"}")
                                         << QByteArray("A") << json << 400 << "invalid_field";
        QTest::newRow("listingId huge") << QByteArray(
            "POST") << startPath << "{\"listingId\":\"" + QByteArray(5000, 'x') + "\",\"analysisType\":\"valuation\"}"
                                        << QByteArray("A") << json << 400 << "invalid_field";
        QTest::newRow("missing analysisType") << QByteArray("POST") << startPath << QByteArray("{\"listingId\":\"L1\"}")
                                              << QByteArray("A") << json << 400 << "missing_field";
        QTest::newRow("analysisType object")
            << QByteArray("POST") << startPath << QByteArray("{\"listingId\":\"L1\",\"analysisType\":{}}")
            << QByteArray("A") << json << 400 << "invalid_field";
        QTest::newRow("unknown analysisType")
            << QByteArray("POST") << startPath << QByteArray("{\"listingId\":\"L1\",\"analysisType\":\"astrology\"}")
            << QByteArray("A") << json << 400 << "unknown_analysis_type";
        QTest::newRow("analysisType huge")
            << QByteArray("POST") << startPath
            << "{\"listingId\":\"L1\",\"analysisType\":\"" + QByteArray(5000, 'v') + "\"}" << QByteArray("A") << json
            << 400 << "unknown_analysis_type";
        QTest::newRow("params string") << QByteArray(
            "POST") << startPath << QByteArray("{\"listingId\":\"L1\",\"analysisType\":\"valuation\",\"params\":\"x\"}")
                                       << QByteArray("A") << json << 400 << "invalid_field";
        QTest::newRow("params out of range")
            << QByteArray("POST") << startPath
            << QByteArray("{\"listingId\":\"L1\",\"analysisType\":\"valuation\",\"params\":{\"downPaymentPct\":5}}")
            << QByteArray("A") << json << 400 << "invalid_params";
        QTest::newRow("params unknown key")
            << QByteArray("POST") << startPath
            << QByteArray("{\"listingId\":\"L1\",\"analysisType\":\"valuation\",\"params\":{\"bogus\":1}}")
            << QByteArray("A") << json << 400 << "invalid_params";
        QTest::newRow("force not bool")
            << QByteArray("POST") << startPath
            << QByteArray("{\"listingId\":\"L1\",\"analysisType\":\"valuation\",\"force\":\"yes\"}") << QByteArray("A")
            << json << 400 << "invalid_field";
        QTest::newRow("unknown listing") << QByteArray("POST") << startPath
                                         << QByteArray("{\"listingId\":\"NOPE\",\"analysisType\":\"valuation\"}")
                                         << QByteArray("A") << json << 404 << "listing_not_found";
        QTest::newRow("text/plain body") << QByteArray("POST") << startPath
                                         << QByteArray("{\"listingId\":\"L1\",\"analysisType\":\"valuation\"}")
                                         << QByteArray("A") << QByteArray("text/plain") << 415
                                         << "unsupported_media_type";
        QTest::newRow("GET start") << QByteArray("GET") << startPath << QByteArray() << QByteArray("A") << QByteArray()
                                   << 405 << "method_not_allowed";
        QTest::newRow("POST status") << QByteArray("POST") << QStringLiteral("/api/analysis/status?jobId=x")
                                     << QByteArray("{}") << QByteArray("A") << json << 405 << "method_not_allowed";
        QTest::newRow("DELETE cancel") << QByteArray("DELETE") << QStringLiteral("/api/analysis/cancel") << QByteArray()
                                       << QByteArray("A") << QByteArray() << 405 << "method_not_allowed";
        QTest::newRow("no token") << QByteArray("POST") << startPath
                                  << QByteArray("{\"listingId\":\"L1\",\"analysisType\":\"valuation\"}")
                                  << QByteArray("none") << json << 401 << "unauthorized";
        QTest::newRow("wrong token") << QByteArray("POST") << startPath
                                     << QByteArray("{\"listingId\":\"L1\",\"analysisType\":\"valuation\"}")
                                     << QByteArray("bad") << json << 401 << "unauthorized";
        QTest::newRow("basic auth") << QByteArray("GET") << QStringLiteral("/api/listings") << QByteArray()
                                    << QByteArray("basic") << QByteArray() << 401 << "unauthorized";
        QTest::newRow("status no id") << QByteArray("GET") << QStringLiteral("/api/analysis/status") << QByteArray()
                                      << QByteArray("A") << QByteArray() << 400 << "missing_field";
        QTest::newRow("status hostile id")
            << QByteArray("GET") << QStringLiteral("/api/analysis/status?jobId=..%2F..%2Fetc%2Fpasswd") << QByteArray()
            << QByteArray("A") << QByteArray() << 400 << "invalid_job_id";
        QTest::newRow("status unknown id")
            << QByteArray("GET") << QStringLiteral("/api/analysis/status?jobId=AAAAAAAAAAAAAAAAAAAAA") << QByteArray()
            << QByteArray("A") << QByteArray() << 404 << "job_not_found";
        QTest::newRow("wait 31") << QByteArray("GET")
                                 << QStringLiteral("/api/analysis/status?jobId=AAAAAAAAAAAAAAAAAAAAA&wait=31")
                                 << QByteArray() << QByteArray("A") << QByteArray() << 400 << "invalid_wait";
        QTest::newRow("wait negative") << QByteArray("GET")
                                       << QStringLiteral("/api/analysis/status?jobId=AAAAAAAAAAAAAAAAAAAAA&wait=-1")
                                       << QByteArray() << QByteArray("A") << QByteArray() << 400 << "invalid_wait";
        QTest::newRow("wait text") << QByteArray("GET")
                                   << QStringLiteral("/api/analysis/status?jobId=AAAAAAAAAAAAAAAAAAAAA&wait=soon")
                                   << QByteArray() << QByteArray("A") << QByteArray() << 400 << "invalid_wait";
        QStringList many;
        for (int i = 0; i < 101; ++i)
            many << QStringLiteral("A%1").arg(i, 20, 10, QLatin1Char('0'));
        QTest::newRow("101 jobIds") << QByteArray("GET")
                                    << QStringLiteral("/api/analysis/status?jobIds=") + many.join(QLatin1Char(','))
                                    << QByteArray() << QByteArray("A") << QByteArray() << 400 << "too_many_job_ids";
        QTest::newRow("jobId and jobIds")
            << QByteArray("GET") << QStringLiteral("/api/analysis/status?jobId=a&jobIds=b") << QByteArray()
            << QByteArray("A") << QByteArray() << 400 << "invalid_query";
        QTest::newRow("cancel malformed")
            << QByteArray("POST") << QStringLiteral("/api/analysis/cancel") << QByteArray("{jobId}") << QByteArray("A")
            << json << 400 << "malformed_json";
        QTest::newRow("cancel no id") << QByteArray("POST") << QStringLiteral("/api/analysis/cancel")
                                      << QByteArray("{}") << QByteArray("A") << json << 400 << "missing_field";
        QTest::newRow("cancel unknown") << QByteArray("POST") << QStringLiteral("/api/analysis/cancel")
                                        << QByteArray("{\"jobId\":\"AAAAAAAAAAAAAAAAAAAAA\"}") << QByteArray("A")
                                        << json << 404 << "job_not_found";
        QTest::newRow("lookup no params") << QByteArray("GET") << QStringLiteral("/api/analysis/lookup") << QByteArray()
                                          << QByteArray("A") << QByteArray() << 400 << "missing_field";
        QTest::newRow("lookup bad type") << QByteArray("GET")
                                         << QStringLiteral("/api/analysis/lookup?listingId=L1&analysisType=tarot")
                                         << QByteArray() << QByteArray("A") << QByteArray() << 400
                                         << "unknown_analysis_type";
        QTest::newRow("unknown route") << QByteArray("GET") << QStringLiteral("/api/nothing/here") << QByteArray()
                                       << QByteArray("A") << QByteArray() << 404 << "not_found";
        QTest::newRow("listings limit 0") << QByteArray("GET") << QStringLiteral("/api/listings?limit=0")
                                          << QByteArray() << QByteArray("A") << QByteArray() << 400 << "invalid_query";
        QTest::newRow("listings offset -5")
            << QByteArray("GET") << QStringLiteral("/api/listings?offset=-5") << QByteArray() << QByteArray("A")
            << QByteArray() << 400 << "invalid_query";
        QTest::newRow("unknown listing id") << QByteArray("GET") << QStringLiteral("/api/listings/NOPE") << QByteArray()
                                            << QByteArray("A") << QByteArray() << 404 << "listing_not_found";
    }

    void badInput()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, auth);
        QFETCH(QByteArray, contentType);
        QFETCH(int, status);
        QFETCH(QString, code);
        QList<QPair<QByteArray, QByteArray>> headers { { "X-Request-Id", "bad-input-42" } };
        if (auth == "A")
            headers.append(qMakePair(QByteArray("Authorization"), bearer(m_tokenA)));
        else if (auth == "bad")
            headers.append(qMakePair(QByteArray("Authorization"), QByteArray("Bearer ds_not-a-real-token")));
        else if (auth == "basic")
            headers.append(qMakePair(QByteArray("Authorization"), QByteArray("Basic dXNlcjpwYXNz")));
        if (!contentType.isEmpty())
            headers.append(qMakePair(QByteArray("Content-Type"), contentType));
        const auto r = m_http.request(method, m_server.url(path), method == "GET" ? QByteArray() : body, headers);
        QCOMPARE(r.status, status);
        QCOMPARE(QString::fromStdString(r.errorCode()), code);
        const auto j = r.json();
        QCOMPARE(j["error"]["requestId"].get<std::string>(), std::string("bad-input-42"));
        QCOMPARE(r.headers.value("x-request-id"), QByteArray("bad-input-42"));
        QVERIFY(!j["error"]["message"].get<std::string>().empty());
        if (code == QLatin1String("unknown_analysis_type"))
            QVERIFY(j["error"]["message"].get<std::string>().find("market_intelligence") != std::string::npos);
        if (status == 405)
            QVERIFY(!r.headers.value("allow").isEmpty());
    }

    void oversizedAndHostileFraming()
    {
        const qint64 rssBefore = m_server.rssKb();
        // A 40 MB upload is refused as soon as its header is read; the body is never buffered.
        const QByteArray head = "POST /api/analysis/start HTTP/1.1\r\nHost: x\r\nAuthorization: " + bearer(m_tokenA)
            + "\r\nContent-Type: application/json\r\nContent-Length: 41943040\r\n\r\n";
        auto r = rawExchange(m_server.port(), head, 40 * 1024 * 1024);
        QCOMPARE(r.status, 413);
        QCOMPARE(r.errorCode(), std::string("payload_too_large"));
        const qint64 rssAfter = m_server.rssKb();
        QVERIFY2(rssAfter - rssBefore < 16 * 1024,
            qPrintable(QStringLiteral("RSS grew by %1 KiB").arg(rssAfter - rssBefore)));

        // Just over 64 KiB, honestly declared.
        const QByteArray body(64 * 1024 + 1, ' ');
        r = rawExchange(m_server.port(),
            "POST /api/analysis/start HTTP/1.1\r\nHost: x\r\nContent-Length: " + QByteArray::number(body.size())
                + "\r\n\r\n" + body);
        QCOMPARE(r.status, 413);

        // Huge headers.
        r = rawExchange(
            m_server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Junk: " + QByteArray(20000, 'a') + "\r\n\r\n");
        QCOMPARE(r.status, 431);
        QCOMPARE(r.errorCode(), std::string("headers_too_large"));
        // An endless header line without a blank line.
        r = rawExchange(m_server.port(), "GET /healthz HTTP/1.1\r\nX-Junk: ", 1024 * 1024);
        QCOMPARE(r.status, 431);

        // Chunked uploads are refused (we could not bound them before buffering).
        r = rawExchange(m_server.port(),
            "POST /api/analysis/start HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
            "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        QCOMPARE(r.status, 411);
        QCOMPARE(r.errorCode(), std::string("length_required"));

        // Through QNetworkAccessManager as well: 100 KiB of JSON.
        const auto q = m_http.request("POST", m_server.url(QStringLiteral("/api/analysis/start")),
            "{\"listingId\":\"" + QByteArray(100 * 1024, 'x') + "\"}", authA());
        QCOMPARE(q.status, 413);

        // A body right at the limit is read and judged on its content.
        QByteArray exact = "{\"listingId\":\"L1\",\"analysisType\":\"valuation\",\"pad\":\"";
        exact += QByteArray(64 * 1024 - exact.size() - 2, 'p') + "\"}";
        QCOMPARE(exact.size(), 64 * 1024);
        const auto ok = m_http.request("POST", m_server.url(QStringLiteral("/api/analysis/start")), exact, authA());
        QVERIFY2(ok.status == 202 || ok.status == 200, ok.body.constData());

        // Still serving.
        QCOMPARE(m_http.request("GET", m_server.url(QStringLiteral("/healthz"))).status, 200);
    }

    void rateLimited()
    {
        ServerProcess limited;
        QVERIFY(limited.start({ QStringLiteral("--listings"), m_listings, QStringLiteral("--tokens"), m_tokens,
            QStringLiteral("--workers"), QStringLiteral("1"), QStringLiteral("--rate-limit"), QStringLiteral("2") }));
        int tooMany = 0;
        HttpResult last;
        for (int i = 0; i < 8; ++i) {
            const auto r = m_http.request("GET", limited.url(QStringLiteral("/api/listings")), QByteArray(), authA());
            if (r.status == 429) {
                ++tooMany;
                last = r;
            } else {
                QCOMPARE(r.status, 200);
            }
        }
        QVERIFY(tooMany >= 4);
        QCOMPARE(last.errorCode(), std::string("rate_limited"));
        QVERIFY(last.headers.value("retry-after").toInt() >= 1);
        // Per token: the other tenant is not affected.
        QCOMPARE(
            m_http.request("GET", limited.url(QStringLiteral("/api/listings")), QByteArray(), authB()).status, 200);
        QCOMPARE(limited.terminate(), 0);
    }

    void tenantIsolation()
    {
        const auto r = start(m_tokenA, QStringLiteral("L4"), QStringLiteral("valuation"));
        QCOMPARE(r.status, 202);
        const QString id = QString::fromStdString(r.json()["jobId"].get<std::string>());
        waitForStatus(m_tokenA, id, { QStringLiteral("succeeded") });

        QCOMPARE(status(m_tokenB, QStringLiteral("jobId=") + id).status, 404);
        QCOMPARE(status(m_tokenB, QStringLiteral("jobId=") + id + QStringLiteral("&wait=1")).status, 404);
        const auto batch = status(m_tokenB, QStringLiteral("jobIds=") + id);
        QCOMPARE(batch.status, 200);
        QCOMPARE(batch.json()["jobs"].size(), size_t(0));
        QCOMPARE(batch.json()["missing"][0].get<std::string>(), id.toStdString());
        const auto lookupB = m_http.request("GET",
            m_server.url(QStringLiteral("/api/analysis/lookup?listingId=L4&analysisType=valuation")), QByteArray(),
            authB());
        QCOMPARE(lookupB.status, 404);
        const auto cancelB = m_http.request("POST", m_server.url(QStringLiteral("/api/analysis/cancel")),
            "{\"jobId\":\"" + id.toUtf8() + "\"}", authB());
        QCOMPARE(cancelB.status, 404);
        QCOMPARE(cancelB.errorCode(), std::string("job_not_found"));

        // Tenant A sees it everywhere.
        const auto batchA = status(m_tokenA, QStringLiteral("jobIds=") + id + QStringLiteral(",AAAAAAAAAAAAAAAAAAAAA"));
        QCOMPARE(batchA.json()["jobs"].size(), size_t(1));
        QCOMPARE(batchA.json()["missing"][0].get<std::string>(), std::string("AAAAAAAAAAAAAAAAAAAAA"));
        const auto lookupA = m_http.request("GET",
            m_server.url(QStringLiteral("/api/analysis/lookup?listingId=L4&analysisType=valuation")), QByteArray(),
            authA());
        QCOMPARE(lookupA.status, 200);
        QCOMPARE(lookupA.json()["id"].get<std::string>(), id.toStdString());
        // No owner on the wire.
        QVERIFY(!lookupA.json().contains("owner"));

        // Dedup is per tenant: B gets its own job for the same pair.
        const auto startB = start(m_tokenB, QStringLiteral("L4"), QStringLiteral("valuation"));
        QCOMPARE(startB.status, 202);
        QVERIFY(startB.json()["jobId"].get<std::string>() != id.toStdString());
    }

    void dedupAndForce()
    {
        const auto first = start(m_tokenA, QStringLiteral("L5"), QStringLiteral("risk_assessment"));
        QCOMPARE(first.status, 202);
        QCOMPARE(first.json()["deduplicated"].get<bool>(), false);
        const std::string id = first.json()["jobId"];
        waitForStatus(m_tokenA, QString::fromStdString(id), { QStringLiteral("succeeded") });
        // A recent success is returned…
        const auto again = start(m_tokenA, QStringLiteral("L5"), QStringLiteral("risk_assessment"));
        QCOMPARE(again.status, 200);
        QCOMPARE(again.json()["deduplicated"].get<bool>(), true);
        QCOMPARE(again.json()["jobId"].get<std::string>(), id);
        QCOMPARE(again.json()["job"]["status"].get<std::string>(), std::string("succeeded"));
        // …unless forced.
        const auto forced
            = start(m_tokenA, QStringLiteral("L5"), QStringLiteral("risk_assessment"), { { "force", true } });
        QCOMPARE(forced.status, 202);
        QVERIFY(forced.json()["jobId"].get<std::string>() != id);
    }

    void fiftyConcurrentStartsMakeOneJob()
    {
        // 50 connections, every request written before any answer is read.
        const QByteArray body = R"({"listingId":"L6","analysisType":"valuation"})";
        const QByteArray request = "POST /api/analysis/start HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                                   "application/json\r\nAuthorization: "
            + bearer(m_tokenA) + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < 50; ++i) {
            sockets.push_back(std::make_unique<QTcpSocket>());
            sockets.back()->connectToHost(QHostAddress::LocalHost, m_server.port());
        }
        for (auto &s : sockets)
            QVERIFY(s->waitForConnected(5000));
        for (auto &s : sockets)
            s->write(request);
        for (auto &s : sockets)
            s->flush();
        QSet<std::string> ids;
        int created = 0, deduplicated = 0;
        for (auto &s : sockets) {
            QByteArray in;
            waitFor(
                [&] {
                    in += s->readAll();
                    return s->state() == QAbstractSocket::UnconnectedState
                        || (in.contains("\r\n\r\n") && in.endsWith("}"));
                },
                10000);
            const auto r = parseRaw(in);
            const auto j = r.json();
            QVERIFY2(r.status == 202 || r.status == 200, in.constData());
            ids.insert(j["jobId"].get<std::string>());
            (j["deduplicated"].get<bool>() ? deduplicated : created) += 1;
        }
        QCOMPARE(created, 1);
        QCOMPARE(deduplicated, 49);
        QCOMPARE(ids.size(), 1);
    }

    void etagAndNotModified()
    {
        const auto r = start(m_tokenA, QStringLiteral("L7"), QStringLiteral("valuation"));
        const QString id = QString::fromStdString(r.json()["jobId"].get<std::string>());
        waitForStatus(m_tokenA, id, { QStringLiteral("succeeded") });
        const auto first = status(m_tokenA, QStringLiteral("jobId=") + id);
        const QByteArray etag = first.headers.value("etag");
        QVERIFY(etag.startsWith('"'));
        const auto second = status(m_tokenA, QStringLiteral("jobId=") + id, { { "If-None-Match", etag } });
        QCOMPARE(second.status, 304);
        QVERIFY(second.body.isEmpty());
        QCOMPARE(second.headers.value("etag"), etag);
        const auto stale
            = status(m_tokenA, QStringLiteral("jobId=") + id, { { "If-None-Match", "\"0000000000000000\"" } });
        QCOMPARE(stale.status, 200);
        // A long-poll on a terminal, unchanged job answers 304 at once.
        const auto poll = status(
            m_tokenA, QStringLiteral("jobId=") + id + QStringLiteral("&wait=20"), { { "If-None-Match", etag } });
        QCOMPARE(poll.status, 304);
        QVERIFY(poll.elapsedMs < 5000);
    }

    void cancelQueuedAndRunningWithLongPoll()
    {
        // The slow job occupies the only worker…
        const auto slow = start(m_tokenA, QStringLiteral("L1"), QStringLiteral("market_intelligence"));
        QCOMPARE(slow.status, 202);
        const QString slowId = QString::fromStdString(slow.json()["jobId"].get<std::string>());
        const auto running = waitForStatus(m_tokenA, slowId, { QStringLiteral("running") });
        QCOMPARE(running.value("status", std::string()), std::string("running"));
        // …so this one stays queued and is canceled at once.
        const auto queued = start(m_tokenA, QStringLiteral("L2"), QStringLiteral("valuation"));
        const QString queuedId = QString::fromStdString(queued.json()["jobId"].get<std::string>());
        QCOMPARE(queued.json()["job"]["status"].get<std::string>(), std::string("queued"));
        const auto c1 = m_http.request("POST", m_server.url(QStringLiteral("/api/analysis/cancel")),
            "{\"jobId\":\"" + queuedId.toUtf8() + "\"}", authA());
        QCOMPARE(c1.status, 200);
        QCOMPARE(c1.json()["status"].get<std::string>(), std::string("canceled"));
        QCOMPARE(c1.json()["error"].get<std::string>(), std::string("canceled by user"));
        // Canceling it again: 409 with the job.
        const auto c2 = m_http.request("POST", m_server.url(QStringLiteral("/api/analysis/cancel")),
            "{\"jobId\":\"" + queuedId.toUtf8() + "\"}", authA());
        QCOMPARE(c2.status, 409);
        QCOMPARE(c2.errorCode(), std::string("job_terminal"));
        QCOMPARE(c2.json()["job"]["status"].get<std::string>(), std::string("canceled"));

        // Long-poll the running job, then cancel it: the poll answers with the change.
        const QByteArray etag = status(m_tokenA, QStringLiteral("jobId=") + slowId).headers.value("etag");
        QNetworkReply *poll = m_http.send("GET",
            m_server.url(QStringLiteral("/api/analysis/status?jobId=") + slowId + QStringLiteral("&wait=20")),
            QByteArray(), { { "Authorization", bearer(m_tokenA) }, { "If-None-Match", etag } });
        QTest::qWait(300);
        QVERIFY(!poll->isFinished());
        QElapsedTimer sinceCancel;
        sinceCancel.start();
        const auto c3 = m_http.request("POST", m_server.url(QStringLiteral("/api/analysis/cancel")),
            "{\"jobId\":\"" + slowId.toUtf8() + "\"}", authA());
        QCOMPARE(c3.status, 200);
        QCOMPARE(c3.json()["cancelRequested"].get<bool>(), true);
        const auto woke = Http::collect(poll);
        QCOMPARE(woke.status, 200);
        QVERIFY(woke.json()["cancelRequested"].get<bool>());
        QVERIFY(sinceCancel.elapsed() < 20000);
        // Cooperative cancellation reaches the running step within a second.
        const auto done = waitForStatus(m_tokenA, slowId,
            { QStringLiteral("canceled"), QStringLiteral("failed"), QStringLiteral("succeeded") }, 5000);
        QCOMPARE(done.value("status", std::string()), std::string("canceled"));
        QVERIFY(sinceCancel.elapsed() < 2500);
    }

    void longPollTimesOutWith304()
    {
        const auto slow = start(m_tokenA, QStringLiteral("L3"), QStringLiteral("market_intelligence"));
        const QString id = QString::fromStdString(slow.json()["jobId"].get<std::string>());
        const auto running = waitForStatus(m_tokenA, id, { QStringLiteral("running") });
        QCOMPARE(running.value("status", std::string()), std::string("running"));
        const QByteArray etag = status(m_tokenA, QStringLiteral("jobId=") + id).headers.value("etag");
        const auto poll = status(
            m_tokenA, QStringLiteral("jobId=") + id + QStringLiteral("&wait=1"), { { "If-None-Match", etag } });
        QCOMPARE(poll.status, 304);
        QVERIFY(poll.elapsedMs >= 900);

        // This job then runs into the 3 s job timeout.
        const auto failed = waitForStatus(
            m_tokenA, id, { QStringLiteral("failed"), QStringLiteral("succeeded"), QStringLiteral("canceled") }, 10000);
        QCOMPARE(failed.value("status", std::string()), std::string("failed"));
        QCOMPARE(failed.value("error", std::string()), std::string("timed out after 3 s"));
    }

    void listingsRoutes()
    {
        auto r = m_http.request(
            "GET", m_server.url(QStringLiteral("/api/listings?limit=2&offset=1")), QByteArray(), authA());
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()["total"].get<int>(), 7);
        QCOMPARE(r.json()["listings"].size(), size_t(2));
        QCOMPARE(r.json()["listings"][0]["id"].get<std::string>(), std::string("L2"));
        r = m_http.request("GET", m_server.url(QStringLiteral("/api/listings?q=car%20wash")), QByteArray(), authA());
        QCOMPARE(r.json()["total"].get<int>(), 1);
        r = m_http.request("GET", m_server.url(QStringLiteral("/api/listings/L3")), QByteArray(), authA());
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()["title"].get<std::string>(), std::string("Plumbing Services"));
        QCOMPARE(r.json()["askingPrice"].get<qint64>(), 800000);
    }

    void metricsInPrometheusFormat()
    {
        const auto r = m_http.request("GET", m_server.url(QStringLiteral("/metrics")));
        QCOMPARE(r.status, 200);
        QVERIFY(r.headers.value("content-type").startsWith("text/plain"));
        QVERIFY(r.body.contains("# TYPE dealscope_jobs gauge"));
        QVERIFY(r.body.contains("dealscope_queue_depth "));
        QVERIFY(r.body.contains("dealscope_http_requests_total{route=\"start\",status=\"202\"}"));
        QVERIFY(r.body.contains(
            "dealscope_job_duration_seconds_bucket{analysis_type=\"valuation\",status=\"succeeded\",le=\"+Inf\"}"));
        QVERIFY(!r.body.contains("dealscope_jobs{status=\"succeeded\"} 0\n"));
    }

    void tokenListAndRevoke()
    {
        const QByteArray token = addToken(QStringLiteral("initech"));
        QVERIFY(!token.isEmpty());
        // The running server picks up new tokens within a second.
        QVERIFY(waitFor(
            [&] {
                return m_http
                           .request("GET", m_server.url(QStringLiteral("/api/listings")), QByteArray(),
                               { { "Authorization", bearer(token) } })
                           .status
                    == 200;
            },
            5000));
        QProcess list;
        list.start(QStringLiteral(DEALSCOPE_SERVER_BINARY),
            { QStringLiteral("token"), QStringLiteral("list"), QStringLiteral("--tokens"), m_tokens });
        list.waitForFinished(10000);
        const QByteArray listed = list.readAllStandardOutput();
        QVERIFY(listed.contains("initech"));
        QVERIFY(!listed.contains(token));
        QProcess revoke;
        revoke.start(QStringLiteral(DEALSCOPE_SERVER_BINARY),
            { QStringLiteral("token"), QStringLiteral("revoke"), QStringLiteral("--tenant"), QStringLiteral("initech"),
                QStringLiteral("--tokens"), m_tokens });
        revoke.waitForFinished(10000);
        QCOMPARE(revoke.exitCode(), 0);
        // The running server picks up the revocation.
        QVERIFY(waitFor(
            [&] {
                return m_http
                           .request("GET", m_server.url(QStringLiteral("/api/listings")), QByteArray(),
                               { { "Authorization", bearer(token) } })
                           .status
                    == 401;
            },
            5000));
    }

    void refusesUnsafeConfigurations()
    {
        ServerProcess noAuth;
        QVERIFY(!noAuth.start({ QStringLiteral("--listings"), m_listings }));
        QCOMPARE(noAuth.process()->exitCode(), 2);
        ServerProcess exposed;
        QVERIFY(!exposed.start({ QStringLiteral("--listings"), m_listings, QStringLiteral("--insecure-no-auth"),
            QStringLiteral("--listen"), QStringLiteral("0.0.0.0:0") }));
        QVERIFY(exposed.stderrText().contains("loopback"));
        ServerProcess badStore;
        QVERIFY(!badStore.start({ QStringLiteral("--listings"), m_listings, QStringLiteral("--insecure-no-auth"),
            QStringLiteral("--store"), QStringLiteral("postgres://x") }));
        // Options also come from the environment.
        ServerProcess fromEnv;
        QVERIFY(fromEnv.start({},
            { { QStringLiteral("DEALSCOPE_LISTINGS"), m_listings },
                { QStringLiteral("DEALSCOPE_INSECURE_NO_AUTH"), QStringLiteral("1") },
                { QStringLiteral("DEALSCOPE_WORKERS"), QStringLiteral("1") } }));
        const auto r = m_http.request("GET", fromEnv.url(QStringLiteral("/api/listings/L1")));
        QCOMPARE(r.status, 200);
        QCOMPARE(fromEnv.terminate(), 0);
    }

    void qstashConsume()
    {
        const QByteArray current = "sig_current_key_123";
        const QByteArray next = "sig_next_key_456";
        using dealscope::server::QStashVerifier;
        // Without the URL QStash calls, the keys are refused (the Host header is the client's).
        {
            ServerProcess refused;
            QVERIFY(!refused.start({ QStringLiteral("--listings"), m_listings, QStringLiteral("--tokens"), m_tokens,
                QStringLiteral("--qstash-current-key"), QString::fromLatin1(current) }));
            QVERIFY(refused.stderrText().contains("--public-url"));
        }
        ServerProcess consumer;
        QVERIFY(consumer.start({ QStringLiteral("--listings"), m_listings, QStringLiteral("--tokens"), m_tokens,
            QStringLiteral("--workers"), QStringLiteral("0"), QStringLiteral("--qstash-current-key"),
            QString::fromLatin1(current), QStringLiteral("--qstash-next-key"), QString::fromLatin1(next),
            QStringLiteral("--public-url"), QStringLiteral("https://jobs.example.com/") }));
        // With no queue workers the job waits for its push delivery.
        const auto created = m_http.request("POST", consumer.url(QStringLiteral("/api/analysis/start")),
            R"({"listingId":"L2","analysisType":"valuation"})", authA());
        QCOMPARE(created.status, 202);
        const QByteArray jobId = QByteArray::fromStdString(created.json()["jobId"].get<std::string>());
        const QByteArray body = "{\"jobId\":\"" + jobId + "\"}";
        const QString url = QStringLiteral("https://jobs.example.com/api/analysis/consume");
        const QString hostUrl = QStringLiteral("http://127.0.0.1:%1/api/analysis/consume").arg(consumer.port());
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const QUrl consumeUrl = consumer.url(QStringLiteral("/api/analysis/consume"));
        const auto deliver = [&](const QByteArray &signature, const QByteArray &payload) {
            return m_http.request("POST", consumeUrl, payload, { { "Upstash-Signature", signature } });
        };

        auto r = m_http.request("POST", consumeUrl, body);
        QCOMPARE(r.status, 401);
        QCOMPARE(r.errorCode(), std::string("invalid_signature"));
        QCOMPARE(deliver(QStashVerifier::sign("wrong", url, body, now), body).status, 401);
        QCOMPARE(deliver(QStashVerifier::sign(current, url, "{}", now), body).status, 401); // body hash mismatch
        QCOMPARE(deliver(QStashVerifier::sign(current, url, body, now - 4000, 300), body).status, 401); // expired
        QCOMPARE(deliver(QStashVerifier::sign(current, QStringLiteral("https://elsewhere/x"), body, now), body).status,
            401); // other URL
        // Signed for the address the client connected to (its Host header): not the public URL.
        QCOMPARE(deliver(QStashVerifier::sign(current, hostUrl, body, now), body).status, 401);
        // "alg": 1 was an unauthenticated 500.
        constexpr auto b64 = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;
        const QByteArray signedOk = QStashVerifier::sign(current, url, body, now);
        r = deliver(QByteArray(R"({"alg":1})").toBase64(b64) + signedOk.mid(signedOk.indexOf('.')), body);
        QCOMPARE(r.status, 401);
        QCOMPARE(r.errorCode(), std::string("invalid_signature"));

        // Signed with the next key (rotation): runs the job and answers once it is stored.
        const QByteArray delivery = QStashVerifier::sign(next, url, body, now);
        r = deliver(delivery, body);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()["status"].get<std::string>(), std::string("succeeded"));
        QVERIFY(r.json()["result"].is_object());
        // The same delivery again (captured and replayed): refused while its token is valid.
        r = deliver(delivery, body);
        QCOMPARE(r.status, 401);
        QVERIFY2(r.body.contains("accepted before"), r.body.constData());
        // A new delivery of the finished job (a retry of QStash) is answered with the job.
        QCOMPARE(deliver(QStashVerifier::sign(current, url, body, now), body).status, 200);

        // An unknown job is a permanent failure: 489 and the non-retryable header.
        const QByteArray unknown = R"({"jobId":"AAAAAAAAAAAAAAAAAAAAA"})";
        r = deliver(QStashVerifier::sign(current, url, unknown, now), unknown);
        QCOMPARE(r.status, 489);
        QCOMPARE(r.headers.value("upstash-nonretryable-error"), QByteArray("true"));
        QCOMPARE(consumer.terminate(), 0);
    }
};

QTEST_GUILESS_MAIN(TestServerApi)
#include "tst_server_api.moc"
