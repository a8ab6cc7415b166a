// The stand-in scenarios through the real dealscope-server (HTTP job API, Redis store, workers)
// started with the shared LLM options, as an operator runs it:
//   OPENAI_API_KEY=… dealscope-server --provider openai --base-url … --model …
// The model name is fixed per server process; the stand-in's alias endpoint picks the scenario.
// Ends with a grep for the key in the server's log output, every Redis command (MONITOR) and the
// job JSON the API served.
#include "LlmTestSupport.h"
#include "StandInProcess.h"

#include <QDir>
#include <QHostAddress>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using nlohmann::json;

namespace {
QString str(const json &j)
{
    return j.is_string() ? QString::fromStdString(j.get<std::string>()) : QString::fromStdString(j.dump());
}

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost);
    return probe.serverPort();
}

struct HttpResult
{
    int status = 0;
    json body;
    QByteArray raw;
};

HttpResult http(const QByteArray &method, const QUrl &url, const json &body = nullptr)
{
    QNetworkAccessManager nam;
    nam.setProxy(QNetworkProxy::NoProxy);
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply = body.is_null()
        ? nam.sendCustomRequest(request, method)
        : nam.sendCustomRequest(request, method, QByteArray::fromStdString(body.dump()));
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(10000, &loop, &QEventLoop::quit);
    loop.exec();
    HttpResult out;
    out.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    out.raw = reply->readAll();
    out.body = json::parse(out.raw.toStdString(), nullptr, false);
    delete reply;
    return out;
}

class ManagedProcess final
{
public:
    ~ManagedProcess() { stop(); }
    QProcess process;
    QByteArray output;
    void start(const QString &program, const QStringList &args,
        const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
    {
        process.setProgram(program);
        process.setArguments(args);
        process.setProcessEnvironment(env);
        process.setProcessChannelMode(QProcess::MergedChannels);
        QObject::connect(&process, &QProcess::readyRead, [this] { output += process.readAll(); });
        process.start();
    }
    void stop()
    {
        if (process.state() != QProcess::NotRunning) {
            process.terminate();
            if (!process.waitForFinished(5000)) {
                process.kill();
                process.waitForFinished(5000);
            }
        }
        output += process.readAll();
    }
};
} // namespace

class TestLlmServer final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void streamingSuccess();
    void nonStreamingSuccess();
    void rateLimitedThenSuccess();
    void serverErrorThreeTimesFails();
    void rejectsJsonSchemaFallsBack();
    void invalidThenRepairSucceeds();
    void invalidAfterRepairFails();
    void stalledStreamFailsAfterRetries();
    void cancelMidStream();
    void refusalFails();
    void keyNeverReachesLogsRedisOrApi();

private:
    bool startServer(ManagedProcess &server, quint16 port, const QString &model, const QStringList &extra);
    QUrl api(quint16 port, const QString &path) const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path));
    }
    QString startJob(quint16 port, const QString &type);
    json waitTerminal(quint16 port, const QString &jobId, QStringList *partials = nullptr, int timeoutMs = 40000);
    json runScenario(const QString &scenario, const QString &type = QStringLiteral("valuation"));

    StandInProcess m_standin;
    QString m_key;
    QTemporaryDir m_dir;
    ManagedProcess m_redis;
    ManagedProcess m_monitor;
    quint16 m_redisPort = 0;
    ManagedProcess m_server;
    quint16 m_port = 0;
    QByteArray m_apiBytes; // every job JSON the API served
};

void TestLlmServer::initTestCase()
{
    m_key = llmtest::randomKey();
    QVERIFY(m_dir.isValid());
    QVERIFY(m_standin.start(m_key));

    // Is the LLM wired into the server yet?
    QProcess help;
    help.start(QStringLiteral(DEALSCOPE_SERVER_BIN), { QStringLiteral("--help") });
    QVERIFY(help.waitForFinished(10000));
    if (!help.readAllStandardOutput().contains("--provider"))
        QSKIP("dealscope-server does not offer --provider yet (LlmOptions not wired into it)");

    const QString redis = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
    QVERIFY2(!redis.isEmpty(), "redis-server is needed");
    m_redisPort = freePort();
    m_redis.start(redis,
        { QStringLiteral("--port"), QString::number(m_redisPort), QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
            QStringLiteral("--save"), QString(), QStringLiteral("--appendonly"), QStringLiteral("no"),
            QStringLiteral("--dir"), m_dir.path() });
    QVERIFY(QTest::qWaitFor([&] { return m_redis.output.contains("Ready to accept connections"); }, 10000));
    m_monitor.start(QStandardPaths::findExecutable(QStringLiteral("redis-cli")),
        { QStringLiteral("-p"), QString::number(m_redisPort), QStringLiteral("monitor") });
    QVERIFY(QTest::qWaitFor([&] { return m_monitor.output.contains("OK"); }, 10000));

    QFile listings(m_dir.filePath(QStringLiteral("listings.csv")));
    QVERIFY(listings.open(QIODevice::WriteOnly));
    listings.write(
        "id,title,industry,location,asking price,gross revenue,cash flow,year established,employees,description\r\n"
        "demo-bakery,Neighbourhood Bakery (fictional),Bakery,\"Springfield, IL\",450000,900000,150000,2012,9,Fictional "
        "bakery for tests\r\n");
    listings.close();

    m_port = freePort();
    QVERIFY(startServer(m_server, m_port, QStringLiteral("server-model"),
        { QStringLiteral("--store"), QStringLiteral("redis://127.0.0.1:%1").arg(m_redisPort) }));
}

void TestLlmServer::cleanupTestCase()
{
    m_server.stop();
    m_monitor.stop();
    m_redis.stop();
    m_standin.stop();
}

bool TestLlmServer::startServer(ManagedProcess &server, quint16 port, const QString &model, const QStringList &extra)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("OPENAI_API_KEY"), m_key);
    env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("dealscope.*=true"));
    server.start(QStringLiteral(DEALSCOPE_SERVER_BIN),
        QStringList { QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port),
            QStringLiteral("--insecure-no-auth"), QStringLiteral("--listings"),
            m_dir.filePath(QStringLiteral("listings.csv")), QStringLiteral("--workers"), QStringLiteral("2"),
            QStringLiteral("--max-attempts"), QStringLiteral("3"), QStringLiteral("--provider"),
            QStringLiteral("openai"), QStringLiteral("--base-url"), m_standin.openAiBase().toString(),
            QStringLiteral("--model"), model, QStringLiteral("--llm-idle-timeout"), QStringLiteral("1") }
            + extra,
        env);
    return QTest::qWaitFor([&] { return http("GET", api(port, QStringLiteral("/healthz"))).status == 200; }, 15000);
}

QString TestLlmServer::startJob(quint16 port, const QString &type)
{
    const HttpResult r = http("POST", api(port, QStringLiteral("/api/analysis/start")),
        { { "listingId", "demo-bakery" }, { "analysisType", type.toStdString() }, { "force", true } });
    m_apiBytes += r.raw;
    if (r.status != 202 || !r.body.is_object() || !r.body.contains("jobId"))
        return {};
    return str(r.body["jobId"]);
}

json TestLlmServer::waitTerminal(quint16 port, const QString &jobId, QStringList *partials, int timeoutMs)
{
    json job;
    (void)QTest::qWaitFor(
        [&] {
            const HttpResult r = http("GET", api(port, QStringLiteral("/api/analysis/status?jobId=") + jobId));
            m_apiBytes += r.raw;
            if (r.status != 200)
                return false;
            job = r.body;
            if (partials && job.contains("partialOutput") && job["partialOutput"].is_string())
                partials->append(str(job["partialOutput"]));
            const QString status = str(job["status"]);
            return status == QLatin1String("succeeded") || status == QLatin1String("failed")
                || status == QLatin1String("canceled");
        },
        timeoutMs);
    return job;
}

json TestLlmServer::runScenario(const QString &scenario, const QString &type)
{
    if (!m_standin.setAlias(QStringLiteral("server-model"), scenario))
        return {};
    const QString id = startJob(m_port, type);
    if (id.isEmpty())
        return {};
    return waitTerminal(m_port, id);
}

void TestLlmServer::streamingSuccess()
{
    QStringList partials;
    QVERIFY(m_standin.setAlias(QStringLiteral("server-model"), QStringLiteral("slow~server")));
    const QString id = startJob(m_port, QStringLiteral("valuation"));
    QVERIFY(!id.isEmpty());
    const json job = waitTerminal(m_port, id, &partials);
    QCOMPARE(str(job["status"]), QStringLiteral("succeeded"));
    QCOMPARE(str(job["result"]["engine"]), QStringLiteral("slow~server"));
    QCOMPARE(str(job["result"]["promptVersion"]), QStringLiteral("valuation.v1"));
    QVERIFY(job["result"]["usage"]["promptTokens"].get<qint64>() > 0);
    bool sawTokens = false;
    for (const QString &p : partials)
        sawTokens = sawTokens || p.startsWith(QStringLiteral("Writing narrative (server-model): "));
    QVERIFY2(sawTokens, qPrintable(partials.join(u'|')));
}

void TestLlmServer::nonStreamingSuccess()
{
    ManagedProcess server;
    const quint16 port = freePort();
    QVERIFY(startServer(server, port, QStringLiteral("ok~server-nostream"), { QStringLiteral("--llm-no-stream") }));
    const QString id = startJob(port, QStringLiteral("business_analysis"));
    QVERIFY(!id.isEmpty());
    const json job = waitTerminal(port, id);
    QCOMPARE(str(job["status"]), QStringLiteral("succeeded"));
    QVERIFY(job["result"]["narrative"].contains("keyQuestions"));
    const json requests = m_standin.requestsFor(QStringLiteral("ok~server-nostream"));
    QCOMPARE(requests.size(), size_t(1));
    QVERIFY(requests[0]["stream"] == false);
    server.stop();
    QVERIFY(!server.output.contains(m_key.toUtf8()));
}

void TestLlmServer::rateLimitedThenSuccess()
{
    const json job = runScenario(QStringLiteral("rate-limit-once~server"));
    QCOMPARE(str(job["status"]), QStringLiteral("succeeded"));
    QCOMPARE(job["attempt"].get<int>(), 2);
    const json requests = m_standin.requestsFor(QStringLiteral("rate-limit-once~server"));
    QCOMPARE(requests.size(), size_t(2));
    const qint64 gap = requests[1]["receivedAt"].get<qint64>() - requests[0]["receivedAt"].get<qint64>();
    QVERIFY2(gap >= 1000, qPrintable(QString::number(gap)));
}

void TestLlmServer::serverErrorThreeTimesFails()
{
    const json job = runScenario(QStringLiteral("server-error~server"));
    QCOMPARE(str(job["status"]), QStringLiteral("failed"));
    QVERIFY2(str(job["error"]).contains(QStringLiteral("HTTP 500")), qPrintable(str(job["error"])));
    QCOMPARE(m_standin.requestsFor(QStringLiteral("server-error~server")).size(), size_t(3));
}

void TestLlmServer::rejectsJsonSchemaFallsBack()
{
    const json job = runScenario(QStringLiteral("no-json-schema~server"), QStringLiteral("market_intelligence"));
    QCOMPARE(str(job["status"]), QStringLiteral("succeeded"));
    const json requests = m_standin.requestsFor(QStringLiteral("no-json-schema~server"));
    QCOMPARE(requests.size(), size_t(2));
    QCOMPARE(str(requests[1]["responseFormat"]), QStringLiteral("json_object"));
}

void TestLlmServer::invalidThenRepairSucceeds()
{
    const json job = runScenario(QStringLiteral("invalid-then-repair~server"));
    QCOMPARE(str(job["status"]), QStringLiteral("succeeded"));
    QVERIFY(job["result"]["usage"]["requests"] == 2);
}

void TestLlmServer::invalidAfterRepairFails()
{
    const json job = runScenario(QStringLiteral("always-invalid~server"));
    QCOMPARE(str(job["status"]), QStringLiteral("failed"));
    QCOMPARE(job["attempt"].get<int>(), 1);
    QVERIFY(str(job["error"]).contains(QStringLiteral("after one repair request")));
}

void TestLlmServer::stalledStreamFailsAfterRetries()
{
    const json job = runScenario(QStringLiteral("stall~server"));
    QCOMPARE(str(job["status"]), QStringLiteral("failed"));
    QVERIFY2(str(job["error"]).contains(QStringLiteral("stalled")), qPrintable(str(job["error"])));
    QCOMPARE(m_standin.requestsFor(QStringLiteral("stall~server")).size(), size_t(3));
}

void TestLlmServer::cancelMidStream()
{
    QVERIFY(m_standin.setAlias(QStringLiteral("server-model"), QStringLiteral("slow~server-cancel")));
    const QString id = startJob(m_port, QStringLiteral("valuation"));
    QVERIFY(!id.isEmpty());
    QVERIFY(QTest::qWaitFor(
        [&] {
            const HttpResult r = http("GET", api(m_port, QStringLiteral("/api/analysis/status?jobId=") + id));
            return r.status == 200 && r.body.is_object()
                && str(r.body.value("partialOutput", json(""))).startsWith(QStringLiteral("Writing narrative ("));
        },
        15000));
    const qint64 cancelAt = QDateTime::currentMSecsSinceEpoch();
    const HttpResult canceled
        = http("POST", api(m_port, QStringLiteral("/api/analysis/cancel")), { { "jobId", id.toStdString() } });
    QCOMPARE(canceled.status, 200);
    const json job = waitTerminal(m_port, id);
    QCOMPARE(str(job["status"]), QStringLiteral("canceled"));
    json requests;
    QTRY_VERIFY_WITH_TIMEOUT((requests = m_standin.requestsFor(QStringLiteral("slow~server-cancel")),
                                 requests.size() == 1 && requests[0].contains("clientClosedAt")),
        5000);
    const qint64 closedAfter = requests[0]["clientClosedAt"].get<qint64>() - cancelAt;
    qInfo() << "server: the stand-in saw the connection closed" << closedAfter
            << "ms after POST /api/analysis/cancel was sent";
    QVERIFY2(closedAfter < 250, qPrintable(QString::number(closedAfter)));
}

void TestLlmServer::refusalFails()
{
    const json job = runScenario(QStringLiteral("refusal~server"), QStringLiteral("risk_assessment"));
    QCOMPARE(str(job["status"]), QStringLiteral("failed"));
    QCOMPARE(job["attempt"].get<int>(), 1);
    QVERIFY(str(job["error"]).startsWith(QStringLiteral("the model refused to write the narrative")));
}

void TestLlmServer::keyNeverReachesLogsRedisOrApi()
{
    m_server.stop();
    QTest::qWait(200);
    m_monitor.stop();
    QVERIFY(m_server.output.size() > 0);
    QVERIFY(
        m_monitor.output.contains("XADD") || m_monitor.output.contains("SET") || m_monitor.output.contains("EVALSHA"));
    QVERIFY(m_apiBytes.contains("succeeded"));
    const QByteArray fragment = m_key.mid(8, 12).toUtf8();
    for (const QByteArray *bytes : { &m_server.output, &m_monitor.output, &m_apiBytes }) {
        QVERIFY(!bytes->contains(m_key.toUtf8()));
        QVERIFY(!bytes->contains(fragment));
    }
}

QTEST_GUILESS_MAIN(TestLlmServer)
#include "tst_llmserver.moc"
