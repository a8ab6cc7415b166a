// Live progress through the real dealscope-server while the model is slow (issue 11): the steps
// before the LLM call are visible at once, and partialOutput reads as text while the narrative
// streams. The model is the stand-in (OpenAI wire protocol); it holds its reply until the test
// releases it, so what a client sees during the model's latency is asserted, not raced. Runs on
// the memory store and on a real redis-server.
#include "../server/ServerTestSupport.h"
#include "StandInProcess.h"

#include <QTest>

using nlohmann::json;
using namespace servertest;

namespace {
const QString kModel = QStringLiteral("live-model");

QString str(const json &j, const char *key)
{
    return j.is_object() && j.contains(key) && j[key].is_string() ? QString::fromStdString(j[key].get<std::string>())
                                                                  : QString();
}
} // namespace

class TestServerLiveProgress final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void heldModelShowsEarlierSteps_data();
    void heldModelShowsEarlierSteps();

private:
    bool startServer(ServerProcess &server, const QStringList &store);
    QString start(ServerProcess &server, const QString &type);
    json job(ServerProcess &server, const QString &id);
    // The stand-in's record of the request `count` for the model, once it holds it.
    json heldRequest(int count);
    json waitTerminal(ServerProcess &server, const QString &id);
    // The stand-in's records of the server's model (the scenario is an alias of it).
    json requestsForModel() const
    {
        json out = json::array();
        for (const auto &entry : m_standin.log()) {
            if (entry.value("requestedModel", std::string()) == kModel.toStdString())
                out.push_back(entry);
        }
        return out;
    }

    StandInProcess m_standin;
    RedisServer m_redis;
    QTemporaryDir m_dir;
    Http m_http;
    QString m_key = QStringLiteral("sk-live-progress-test-key");
};

void TestServerLiveProgress::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(m_standin.start(m_key));
    QVERIFY(m_redis.start(false));
    QFile listings(m_dir.filePath(QStringLiteral("listings.csv")));
    QVERIFY(listings.open(QIODevice::WriteOnly));
    listings.write("id,title,industry,location,asking price,gross revenue,cash flow,year established,employees\r\n"
                   "demo-bakery,Neighbourhood Bakery (fictional),Bakery,\"Springfield, IL\",450000,900000,150000,"
                   "2012,9\r\n");
}

void TestServerLiveProgress::cleanupTestCase()
{
    m_redis.stop();
    m_standin.stop();
}

bool TestServerLiveProgress::startServer(ServerProcess &server, const QStringList &store)
{
    return server.start(
        QStringList { QStringLiteral("--insecure-no-auth"), QStringLiteral("--listings"),
            m_dir.filePath(QStringLiteral("listings.csv")), QStringLiteral("--workers"), QStringLiteral("1"),
            QStringLiteral("--provider"), QStringLiteral("openai"), QStringLiteral("--base-url"),
            m_standin.openAiBase().toString(), QStringLiteral("--model"), kModel }
            + store,
        { { QStringLiteral("OPENAI_API_KEY"), m_key } });
}

QString TestServerLiveProgress::start(ServerProcess &server, const QString &type)
{
    const json body = { { "listingId", "demo-bakery" }, { "analysisType", type.toStdString() }, { "force", true } };
    const HttpResult r = m_http.request(
        "POST", server.url(QStringLiteral("/api/analysis/start")), QByteArray::fromStdString(body.dump()));
    return r.status == 202 ? str(r.json(), "jobId") : QString();
}

json TestServerLiveProgress::job(ServerProcess &server, const QString &id)
{
    return m_http.request("GET", server.url(QStringLiteral("/api/analysis/status?jobId=") + id)).json();
}

json TestServerLiveProgress::heldRequest(int count)
{
    json held;
    waitFor(
        [&] {
            const json seen = requestsForModel();
            if (int(seen.size()) < count || !seen[count - 1].contains("heldAt"))
                return false;
            held = seen[count - 1];
            return true;
        },
        30000);
    return held;
}

json TestServerLiveProgress::waitTerminal(ServerProcess &server, const QString &id)
{
    json last;
    waitFor(
        [&] {
            last = job(server, id);
            const QString status = str(last, "status");
            return status == u"succeeded" || status == u"failed" || status == u"canceled";
        },
        60000);
    return last;
}

void TestServerLiveProgress::heldModelShowsEarlierSteps_data()
{
    QTest::addColumn<bool>("redis");
    QTest::newRow("memory store") << false;
    QTest::newRow("redis store") << true;
}

void TestServerLiveProgress::heldModelShowsEarlierSteps()
{
    QFETCH(bool, redis);
    QVERIFY(m_standin.setAlias(kModel, QStringLiteral("hold")));
    const int before = int(requestsForModel().size());
    ServerProcess server;
    QVERIFY(startServer(server, redis ? QStringList { QStringLiteral("--store"), m_redis.url() } : QStringList()));

    // 1. The model has the request and has not answered a byte: the client sees the steps before.
    const QString id = start(server, QStringLiteral("business_analysis"));
    QVERIFY(!id.isEmpty());
    const json held = heldRequest(before + 1);
    QVERIFY2(!held.is_null(), "the stand-in never received the narrative request");
    const json during = job(server, id);
    QCOMPARE(str(during, "status"), QStringLiteral("running"));
    // Every built-in step is done: the narrative's share is what is left.
    QVERIFY2(during.value("progress", 0.0) >= 50.0, during.dump().c_str());
    QVERIFY2(during.value("progress", 0.0) < 100.0, during.dump().c_str());
    QCOMPARE(str(during, "partialOutput"), QStringLiteral("Asking %1 for the narrative…").arg(kModel));
    // Published before the request left the worker: at most 100 ms after the step started.
    QVERIFY2(during.value("updatedAt", qint64(0)) <= held.value("receivedAt", qint64(0)) + 100, during.dump().c_str());
    QVERIFY(m_standin.release());
    const json done = waitTerminal(server, id);
    QCOMPARE(str(done, "status"), QStringLiteral("succeeded"));
    // The engine is the model that answered (the stand-in names its scenario).
    QCOMPARE(QString::fromStdString(done["result"].value("engine", std::string())), QStringLiteral("hold"));

    // 2. Mid-stream: partialOutput is the narrative's text as written, not JSON fragments.
    QVERIFY(m_standin.setAlias(kModel, QStringLiteral("hold-mid")));
    const QString second = start(server, QStringLiteral("risk_assessment"));
    QVERIFY(!second.isEmpty());
    QVERIFY(!heldRequest(before + 2).is_null());
    QString partial;
    // The last chunk before the hold may still be on its way (≤ 10 partialOutput writes per second).
    QVERIFY(waitFor(
        [&] {
            partial = str(job(server, second), "partialOutput");
            return partial.contains(QLatin1String("Stand-in"));
        },
        10000));
    qInfo().noquote() << "partialOutput while the stream pauses:" << partial;
    QVERIFY2(partial.startsWith(QStringLiteral("Writing narrative (%1): ").arg(kModel)), qPrintable(partial));
    for (const char *fragment : { "{", "}", "\":", "\\\"", "findingMessages", "\"code\"" })
        QVERIFY2(!partial.contains(QLatin1String(fragment)), qPrintable(partial));
    QVERIFY(m_standin.release());
    QCOMPARE(str(waitTerminal(server, second), "status"), QStringLiteral("succeeded"));
    QCOMPARE(server.terminate(), 0);
}

QTEST_GUILESS_MAIN(TestServerLiveProgress)
#include "tst_server_liveprogress.moc"
