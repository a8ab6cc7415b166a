// What a start returns, over HTTP against the real binary on the memory and the Redis store:
// dedup only for the same inputs (params as canonical JSON, the listing snapshot), 409 with the
// active job for other inputs, force, Idempotency-Key (also across a 503 while Redis stalls),
// and a listing snapshot the server does not have, analysed as sent through a retry and a takeover.

#include "ServerTestSupport.h"

#include <QScopeGuard>
#include <QTest>

using namespace servertest;

namespace {
QByteArray listingsCsv()
{
    return "id,title,industry,asking price,cash flow,gross revenue,year established\n"
           "L1,Corner Cafe,Restaurant,450000,120000,600000,2005\n"
           "L2,Car Wash Express,Car Washes,1200000,300000,900000,2012\n"
           "L3,Plumbing Services,Plumbing,800000,250000,1500000,1998\n"
           "L4,Quiet Bookshop,Retail,150000,40000,300000,2019\n";
}

// A listing only the client has (SPEC §2 shape).
nlohmann::json snapshot(const std::string &id, qint64 askingPrice, qint64 cashFlow)
{
    return { { "id", id }, { "title", "Harbour Bakery" }, { "industry", "Bakery" }, { "askingPrice", askingPrice },
        { "cashFlow", cashFlow }, { "grossRevenue", 900000 }, { "yearEstablished", 1990 },
        { "location", "Portland, ME" } };
}
} // namespace

class TestServerDedup : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_listings;
    RedisServer m_redis;
    ServerProcess m_memory;
    ServerProcess m_onRedis;
    Http m_http;
    int m_prefixSeq = 0;

    ServerProcess &server(const QString &store) { return store == QLatin1String("redis") ? m_onRedis : m_memory; }

    QStringList args(const QString &store, const QStringList &more = {})
    {
        QStringList a { QStringLiteral("--listings"), m_listings, QStringLiteral("--insecure-no-auth"),
            QStringLiteral("--workers"), QStringLiteral("1") };
        if (store == QLatin1String("redis"))
            a << QStringLiteral("--store") << m_redis.url() << QStringLiteral("--redis-prefix")
              << QStringLiteral("d%1:").arg(++m_prefixSeq);
        return a + more;
    }

    HttpResult start(
        ServerProcess &s, const nlohmann::json &body, const QList<QPair<QByteArray, QByteArray>> &headers = {})
    {
        return m_http.request(
            "POST", s.url(QStringLiteral("/api/analysis/start")), QByteArray::fromStdString(body.dump()), headers);
    }
    nlohmann::json waitForStatus(ServerProcess &s, const std::string &id, const QStringList &wanted, int ms = 20000)
    {
        nlohmann::json job;
        waitFor(
            [&] {
                job = m_http
                          .request(
                              "GET", s.url(QStringLiteral("/api/analysis/status?jobId=") + QString::fromStdString(id)))
                          .json();
                return job.is_object() && wanted.contains(QString::fromStdString(job.value("status", std::string())));
            },
            ms);
        return job;
    }
    void cancel(ServerProcess &s, const std::string &id)
    {
        m_http.request("POST", s.url(QStringLiteral("/api/analysis/cancel")),
            QByteArray::fromStdString(nlohmann::json { { "jobId", id } }.dump()));
    }

    static void addStores()
    {
        QTest::addColumn<QString>("store");
        QTest::newRow("memory") << QStringLiteral("memory");
        QTest::newRow("redis") << QStringLiteral("redis");
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_listings = m_dir.filePath(QStringLiteral("listings.csv"));
        QFile f(m_listings);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(listingsCsv());
        f.close();
        QVERIFY(m_redis.start(false));
        // market_intelligence waits in a step (cancelable), so its job stays active; the first
        // risk_assessment of each process fails once with a transient error.
        const QMap<QString, QString> failpoints { { QStringLiteral("DEALSCOPE_FAILPOINTS"),
            QStringLiteral("analysis.step.market_intelligence.percentiles=delay(60000);"
                           "analysis.step.risk_assessment.red_flags=fail(1,transient)") } };
        QVERIFY(m_memory.start(args(QStringLiteral("memory")), failpoints));
        QVERIFY(m_onRedis.start(args(QStringLiteral("redis")), failpoints));
    }

    void cleanupTestCase()
    {
        QCOMPARE(m_memory.terminate(), 0);
        QCOMPARE(m_onRedis.terminate(), 0);
    }

    void activeJobIsJoinedOnlyForTheSameInputs_data() { addStores(); }
    void activeJobIsJoinedOnlyForTheSameInputs()
    {
        QFETCH(QString, store);
        ServerProcess &s = server(store);
        const nlohmann::json base { { "listingId", "L1" }, { "analysisType", "market_intelligence" } };
        auto withParams = [&](nlohmann::json params, nlohmann::json extra = nlohmann::json::object()) {
            nlohmann::json body = base;
            body["params"] = std::move(params);
            body.update(extra);
            return body;
        };
        const auto first = start(s, withParams({ { "termYears", 5 } }));
        QCOMPARE(first.status, 202);
        const std::string id = first.json()["jobId"];
        const auto stop = qScopeGuard([&] { cancel(s, id); });
        // Same params, also written another way: the active job is joined.
        for (const auto &params : { nlohmann::json { { "termYears", 5 } }, nlohmann::json { { "termYears", 5.0 } } }) {
            const auto same = start(s, withParams(params));
            QCOMPARE(same.status, 200);
            QCOMPARE(same.json()["deduplicated"].get<bool>(), true);
            QCOMPARE(same.json()["jobId"].get<std::string>(), id);
        }
        // Other params: 409 with the active job, whether forced or not; it was computed for 5 years.
        for (const bool force : { false, true }) {
            const auto other = start(s, withParams({ { "termYears", 25 } }, { { "force", force } }));
            QCOMPARE(other.status, 409);
            QCOMPARE(other.errorCode(), std::string("active_job_conflict"));
            QCOMPARE(other.json()["job"]["id"].get<std::string>(), id);
            QCOMPARE(other.json()["jobId"].get<std::string>(), id);
            QCOMPARE(other.json()["job"]["params"]["termYears"].get<int>(), 5);
            QVERIFY(!other.json()["job"].contains("listing"));
        }
        // A snapshot of the listing is another input than the server's listing.
        const auto withSnapshot
            = start(s, withParams({ { "termYears", 5 } }, { { "listing", snapshot("L1", 450000, 120000) } }));
        QCOMPARE(withSnapshot.status, 409);
        // After a cancel, the other params start a new job.
        cancel(s, id);
        QCOMPARE(waitForStatus(s, id, { QStringLiteral("canceled") }).value("status", std::string()),
            std::string("canceled"));
        const auto next = start(s, withParams({ { "termYears", 25 } }));
        QCOMPARE(next.status, 202);
        QVERIFY(next.json()["jobId"].get<std::string>() != id);
        cancel(s, next.json()["jobId"].get<std::string>());
    }

    void recentSuccessIsReturnedOnlyForTheSameInputs_data() { addStores(); }
    void recentSuccessIsReturnedOnlyForTheSameInputs()
    {
        QFETCH(QString, store);
        ServerProcess &s = server(store);
        const nlohmann::json five { { "listingId", "L2" }, { "analysisType", "valuation" },
            { "params", { { "termYears", 5 } } } };
        const auto first = start(s, five);
        QCOMPARE(first.status, 202);
        const std::string id = first.json()["jobId"];
        QCOMPARE(waitForStatus(s, id, { QStringLiteral("succeeded") }).value("status", std::string()),
            std::string("succeeded"));
        const auto again = start(s, five);
        QCOMPARE(again.status, 200);
        QCOMPARE(again.json()["jobId"].get<std::string>(), id);
        // A success computed for 5 years does not answer a start for 25: a new job.
        nlohmann::json twentyFive = five;
        twentyFive["params"]["termYears"] = 25;
        const auto other = start(s, twentyFive);
        QCOMPARE(other.status, 202);
        const std::string otherId = other.json()["jobId"];
        QVERIFY(otherId != id);
        const auto done = waitForStatus(s, otherId, { QStringLiteral("succeeded") });
        QCOMPARE(done["params"]["termYears"].get<int>(), 25);
        // force: a new computation even for the same inputs.
        twentyFive["force"] = true;
        const auto forced = start(s, twentyFive);
        QCOMPARE(forced.status, 202);
        QVERIFY(forced.json()["jobId"].get<std::string>() != otherId);
    }

    void idempotencyKeyReturnsTheJobItCreated_data() { addStores(); }
    void idempotencyKeyReturnsTheJobItCreated()
    {
        QFETCH(QString, store);
        ServerProcess &s = server(store);
        const nlohmann::json body { { "listingId", "L3" }, { "analysisType", "valuation" } };
        const QList<QPair<QByteArray, QByteArray>> key { { "Idempotency-Key", "retry-" + store.toUtf8() + "-1" } };
        const auto first = start(s, body, key);
        QCOMPARE(first.status, 202);
        QVERIFY(!first.headers.contains("idempotency-replayed"));
        const auto retry = start(s, body, key);
        QCOMPARE(retry.status, 202);
        QCOMPARE(retry.json()["jobId"].get<std::string>(), first.json()["jobId"].get<std::string>());
        QCOMPARE(retry.json()["deduplicated"].get<bool>(), false);
        QCOMPARE(retry.headers.value("idempotency-replayed"), QByteArray("true"));
        // The same key on another request.
        const auto misuse = start(s, { { "listingId", "L4" }, { "analysisType", "valuation" } }, key);
        QCOMPARE(misuse.status, 422);
        QCOMPARE(misuse.errorCode(), std::string("idempotency_key_reused"));
        for (const QByteArray &bad : { QByteArray("has space"), QByteArray(256, 'k'), QByteArray("tab\there") }) {
            const auto refused = start(s, body, { { "Idempotency-Key", bad } });
            QCOMPARE(refused.status, 400);
            QCOMPARE(refused.errorCode(), std::string("invalid_idempotency_key"));
        }
    }

    void listingSnapshotIsAnalysedAsSent_data() { addStores(); }
    void listingSnapshotIsAnalysedAsSent()
    {
        QFETCH(QString, store);
        ServerProcess &s = server(store);
        // A listing the server does not have, its figures only in the request. The first
        // risk_assessment of the process fails once (transient): the retry runs on the snapshot too.
        const std::string listingId = "DESK-" + store.toStdString();
        const auto r = start(s,
            { { "listingId", listingId }, { "analysisType", "risk_assessment" },
                { "listing", snapshot(listingId, 600000, 150000) } });
        QCOMPARE(r.status, 202);
        QVERIFY(!r.json()["job"].contains("listing"));
        const auto done
            = waitForStatus(s, r.json()["jobId"], { QStringLiteral("succeeded"), QStringLiteral("failed") });
        QCOMPARE(done.value("status", std::string()), std::string("succeeded"));
        QCOMPARE(done["attempt"].get<int>(), 2);
        QVERIFY(!done.contains("listing"));
        const auto &metrics = done["result"]["metrics"];
        QCOMPARE(metrics["askingPrice"].get<qint64>(), qint64(600000));
        QCOMPARE(metrics["cashFlow"].get<qint64>(), qint64(150000));
        QCOMPARE(metrics["sdeMultiple"].get<double>(), 4.0);
        // Without the snapshot the server does not know the listing.
        QCOMPARE(start(s, { { "listingId", listingId + "-x" }, { "analysisType", "valuation" } }).status, 404);
    }

    void badListingSnapshotsNameTheField_data()
    {
        QTest::addColumn<QByteArray>("listing");
        QTest::addColumn<QByteArray>("field");
        QTest::newRow("not an object") << QByteArray("[1]") << QByteArray("listing");
        QTest::newRow("other id") << QByteArray(R"({"id":"OTHER","title":"Shop"})") << QByteArray("'id'");
        QTest::newRow("no title") << QByteArray(R"({"id":"X1"})") << QByteArray("'title'");
        QTest::newRow("price as text") << QByteArray(R"({"id":"X1","title":"Shop","askingPrice":"cheap"})")
                                       << QByteArray("'askingPrice'");
        QTest::newRow("fractional price")
            << QByteArray(R"({"id":"X1","title":"Shop","cashFlow":10.5})") << QByteArray("'cashFlow'");
        QTest::newRow("year out of range")
            << QByteArray(R"({"id":"X1","title":"Shop","yearEstablished":1e15})") << QByteArray("'yearEstablished'");
        // Found by the start_body fuzz target: beyond qint64 the float was cast before its range
        // was checked (undefined; the sanitized server aborted).
        QTest::newRow("price beyond int64")
            << QByteArray(R"({"id":"X1","title":"Shop","askingPrice":60077777777777777000})")
            << QByteArray("'askingPrice': is out of range");
        QTest::newRow("price far below int64")
            << QByteArray(R"({"id":"X1","title":"Shop","ffe":-1e300})") << QByteArray("'ffe': is out of range");
        QTest::newRow("price beyond a double")
            << QByteArray(R"({"id":"X1","title":"Shop","askingPrice":1e999})") << QByteArray("does not fit a double");
    }
    void badListingSnapshotsNameTheField()
    {
        QFETCH(QByteArray, listing);
        QFETCH(QByteArray, field);
        const QByteArray body = R"({"listingId":"X1","analysisType":"valuation","listing":)" + listing + "}";
        const auto r = m_http.request("POST", m_memory.url(QStringLiteral("/api/analysis/start")), body);
        QCOMPARE(r.status, 400);
        QVERIFY2(r.body.contains(field), r.body.constData());
    }

    void snapshotKeepsTheBodyLimit()
    {
        nlohmann::json big = snapshot("BIG-1", 100000, 20000);
        big["description"] = std::string(70 * 1024, 'd');
        const auto r
            = start(m_memory, { { "listingId", "BIG-1" }, { "analysisType", "valuation" }, { "listing", big } });
        QCOMPARE(r.status, 413);
    }

    void idempotentStartSurvivesAStall()
    {
        // A start answered 503 while Redis stalls may still have been made once Redis is back:
        // its retry with the same Idempotency-Key gets that job instead of a second one.
        RedisServer redis;
        QVERIFY(redis.start(false));
        ServerProcess api;
        QStringList a = args(QStringLiteral("redis"), { QStringLiteral("--role"), QStringLiteral("api") });
        a[a.indexOf(m_redis.url())] = redis.url();
        QVERIFY(api.start(a));
        const nlohmann::json body { { "listingId", "L4" }, { "analysisType", "risk_assessment" } };
        const QList<QPair<QByteArray, QByteArray>> key { { "Idempotency-Key", "stall-1" } };
        // A first start loads the script into Redis (a stalled EVALSHA would otherwise answer
        // NOSCRIPT and never run).
        QCOMPARE(start(api, { { "listingId", "L3" }, { "analysisType", "risk_assessment" } }).status, 202);
        redis.pause(true);
        auto resume = qScopeGuard([&] { redis.pause(false); });
        QNetworkReply *pending = m_http.send(
            "POST", api.url(QStringLiteral("/api/analysis/start")), QByteArray::fromStdString(body.dump()), key);
        const auto stalled = Http::collect(pending, 30000);
        QCOMPARE(stalled.status, 503);
        QVERIFY(stalled.headers.contains("retry-after"));
        redis.pause(false);
        resume.dismiss();
        // Redis ran the start it had received before the server gave up on it.
        QVERIFY(waitFor(
            [&] {
                return !redis
                            .cli({ QStringLiteral("GET"),
                                a.at(a.indexOf(QStringLiteral("--redis-prefix")) + 1)
                                    + QStringLiteral("job:byListing:public:L4:risk_assessment") })
                            .isEmpty();
            },
            10000));
        const auto retry = start(api, body, key);
        QCOMPARE(retry.status, 202);
        QCOMPARE(retry.headers.value("idempotency-replayed"), QByteArray("true"));
        const auto lookup = m_http.request(
            "GET", api.url(QStringLiteral("/api/analysis/lookup?listingId=L4&analysisType=risk_assessment")));
        QCOMPARE(lookup.json()["id"].get<std::string>(), retry.json()["jobId"].get<std::string>());
        QCOMPARE(api.terminate(), 0);
    }

    void snapshotSurvivesATakeover()
    {
        // The worker running a snapshot job is killed; another process, which does not have the
        // listing either, takes the job over after the lease and finishes it on the snapshot.
        QStringList a = args(QStringLiteral("redis"), { QStringLiteral("--lease"), QStringLiteral("2") });
        ServerProcess first;
        QVERIFY(first.start(a,
            { { QStringLiteral("DEALSCOPE_FAILPOINTS"),
                QStringLiteral("analysis.step.valuation.sde_multiple=delay(60000)") } }));
        const auto r = start(first,
            { { "listingId", "TAKE-1" }, { "analysisType", "valuation" },
                { "listing", snapshot("TAKE-1", 700000, 175000) } });
        QCOMPARE(r.status, 202);
        const std::string id = r.json()["jobId"];
        QCOMPARE(waitForStatus(first, id, { QStringLiteral("running") }).value("status", std::string()),
            std::string("running"));
        ServerProcess second;
        QVERIFY(second.start(a));
        first.sendSignal(SIGKILL);
        first.process()->waitForFinished(5000);
        const auto done = waitForStatus(second, id, { QStringLiteral("succeeded"), QStringLiteral("failed") }, 30000);
        QCOMPARE(done.value("status", std::string()), std::string("succeeded"));
        QCOMPARE(done["attempt"].get<int>(), 2);
        QCOMPARE(done["result"]["metrics"]["askingPrice"].get<qint64>(), qint64(700000));
        QCOMPARE(done["result"]["metrics"]["sdeMultiple"].get<double>(), 4.0);
        QCOMPARE(second.terminate(), 0);
    }
};

QTEST_GUILESS_MAIN(TestServerDedup)
#include "tst_server_dedup.moc"
