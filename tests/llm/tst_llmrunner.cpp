// The stand-in scenarios through the local runner (LocalJobRunner + the real engine + the
// OpenAI provider), as the desktop and dealscope-cli run them: job status, error, attempts,
// result and partialOutput as the user sees them. Ends with a grep for the key in everything
// the run wrote (SQLite job store, results library, QSettings INI, log output).
#include "LlmTestSupport.h"
#include "StandInProcess.h"
#include "analysis/AnalysisEngine.h"
#include "common/JsonQt.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/LocalJobRunner.h"
#include "llm/OpenAiNarrativeProvider.h"
#include "storage/ResultsLibrary.h"

#include <QDir>
#include <QDirIterator>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace dealscope;
using namespace dealscope::llm;
using nlohmann::json;

namespace {
QString str(const json &j)
{
    return j.is_string() ? QString::fromStdString(j.get<std::string>()) : QString::fromStdString(j.dump());
}
} // namespace

class TestLlmRunner final : public QObject
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
    void perJobProviderOverride();
    void keyNeverPersistedOrLogged();

private:
    struct Harness
    {
        std::shared_ptr<AnalysisEngine> engine;
        std::unique_ptr<LocalJobRunner> runner;
        QHash<QString, QList<Job>> updates;
    };
    std::unique_ptr<Harness> makeRunner(const LlmConfig &config, bool defaultToLlm = true);
    LlmConfig config(const QString &model) const;
    std::optional<Job> startAndWait(
        Harness &h, const QString &type, json params = json::object(), int timeoutMs = 30000);
    std::optional<Job> startJob(Harness &h, const QString &type, json params = json::object());

    StandInProcess m_standin;
    QString m_key;
    QTemporaryDir m_dataRoot;
    int m_runnerCount = 0;
    ResultsLibrary m_library; // what the desktop keeps every finished result in
    int m_stored = 0;
};

void TestLlmRunner::initTestCase()
{
    llmtest::LogCapture::instance().install();
    m_key = llmtest::randomKey();
    QVERIFY(m_dataRoot.isValid());
    QVERIFY(m_standin.start(m_key));
    QVERIFY2(
        m_library.open(m_dataRoot.filePath(QStringLiteral("results.sqlite"))), qPrintable(m_library.errorString()));
}

void TestLlmRunner::cleanupTestCase()
{
    m_standin.stop();
}

LlmConfig TestLlmRunner::config(const QString &model) const
{
    LlmConfig c;
    c.baseUrl = m_standin.openAiBase();
    c.model = model;
    c.apiKey = m_key;
    c.connectTimeoutMs = 3000;
    c.idleTimeoutMs = 1000;
    c.totalTimeoutMs = 30000;
    return c;
}

std::unique_ptr<TestLlmRunner::Harness> TestLlmRunner::makeRunner(const LlmConfig &config, bool defaultToLlm)
{
    auto h = std::make_unique<Harness>();
    auto benchmarks = BenchmarkTable::builtin();
    h->engine = std::make_shared<AnalysisEngine>(
        benchmarks, std::make_shared<const ListingCatalog>(llmtest::fictionalListings(), benchmarks));
    auto provider = std::make_shared<const OpenAiNarrativeProvider>(config);
    h->engine->registerProvider(provider);
    if (defaultToLlm)
        h->engine->setDefaultProvider(provider->name());
    LocalRunnerOptions options;
    options.dataDir = m_dataRoot.filePath(QStringLiteral("runner%1").arg(++m_runnerCount));
    QDir().mkpath(options.dataDir);
    options.threads = 2;
    options.timeoutSeconds = 60;
    options.retryBaseDelayMs = 50;
    options.retryMaxDelayMs = 200;
    h->runner = std::make_unique<LocalJobRunner>(h->engine, options);
    if (!h->runner->open())
        return nullptr;
    Harness *raw = h.get();
    connect(
        h->runner.get(), &JobBackend::jobUpdated, this, [raw](const Job &job) { raw->updates[job.id].append(job); });
    return h;
}

std::optional<Job> TestLlmRunner::startJob(Harness &h, const QString &type, json params)
{
    std::optional<BackendReply> reply;
    StartRequest request;
    request.listingId = QStringLiteral("demo-bakery");
    request.analysisType = type;
    request.params = std::move(params);
    request.force = true;
    h.runner->start(request, this, [&](const BackendReply &r) { reply = r; });
    if (!QTest::qWaitFor([&] { return reply.has_value(); }, 10000) || !reply->ok() || !reply->job)
        return std::nullopt;
    h.runner->watch(reply->job->id);
    return reply->job;
}

std::optional<Job> TestLlmRunner::startAndWait(Harness &h, const QString &type, json params, int timeoutMs)
{
    const auto started = startJob(h, type, std::move(params));
    if (!started)
        return std::nullopt;
    const QString id = started->id;
    if (!QTest::qWaitFor(
            [&] { return !h.updates[id].isEmpty() && isTerminal(h.updates[id].last().status); }, timeoutMs))
        return std::nullopt;
    const Job job = h.updates[id].last();
    if (job.status == JobStatus::Succeeded
        && m_library.store(jobToJson(job), listingToJson(llmtest::fictionalListings().first())))
        ++m_stored;
    return job;
}

void TestLlmRunner::streamingSuccess()
{
    const QString model = QStringLiteral("ok~runner");
    auto h = makeRunner(config(model));
    QVERIFY(h);
    const auto job = startAndWait(*h, QStringLiteral("valuation"));
    QVERIFY(job);
    QCOMPARE(jobStatusName(job->status), QStringLiteral("succeeded"));
    QCOMPARE(job->progress, 100.0);
    QVERIFY(job->result);
    const json &result = *job->result;
    QCOMPARE(str(result["engine"]), model);
    QCOMPARE(str(result["promptVersion"]), QStringLiteral("valuation.v1"));
    QVERIFY(str(result["summary"]).startsWith(QStringLiteral("Stand-in narrative of a valuation")));
    QVERIFY(result["usage"]["promptTokens"].get<qint64>() > 0);
    QVERIFY(result["metrics"]["sdeMultiple"].is_number());
    bool sawTokens = false;
    for (const Job &update : h->updates[job->id])
        sawTokens = sawTokens || update.partialOutput.startsWith(QStringLiteral("Writing narrative (") + model);
    QVERIFY(sawTokens);
    QCOMPARE(m_standin.requestsFor(model).size(), size_t(1));
}

void TestLlmRunner::nonStreamingSuccess()
{
    LlmConfig c = config(QStringLiteral("ok~runner-nostream"));
    c.stream = false;
    auto h = makeRunner(c);
    QVERIFY(h);
    const auto job = startAndWait(*h, QStringLiteral("business_analysis"));
    QVERIFY(job);
    QCOMPARE(jobStatusName(job->status), QStringLiteral("succeeded"));
    QVERIFY((*job->result)["narrative"].contains("keyQuestions"));
    const json requests = m_standin.requestsFor(c.model);
    QCOMPARE(requests.size(), size_t(1));
    QVERIFY(requests[0]["stream"] == false);
}

void TestLlmRunner::rateLimitedThenSuccess()
{
    const QString model = QStringLiteral("rate-limit-once~runner");
    auto h = makeRunner(config(model));
    QVERIFY(h);
    const auto job = startAndWait(*h, QStringLiteral("risk_assessment"));
    QVERIFY(job);
    QCOMPARE(jobStatusName(job->status), QStringLiteral("succeeded"));
    QCOMPARE(job->attempt, 2);
    const json requests = m_standin.requestsFor(model);
    QCOMPARE(requests.size(), size_t(2));
    QVERIFY(requests[0]["status"] == 429);
    // Retry-After: 1 honoured (the runner's own backoff is 50 ms here).
    const qint64 gap = requests[1]["receivedAt"].get<qint64>() - requests[0]["receivedAt"].get<qint64>();
    QVERIFY2(gap >= 1000, qPrintable(QString::number(gap)));
}

void TestLlmRunner::serverErrorThreeTimesFails()
{
    const QString model = QStringLiteral("server-error~runner");
    auto h = makeRunner(config(model));
    QVERIFY(h);
    const auto job = startAndWait(*h, QStringLiteral("valuation"));
    QVERIFY(job);
    QCOMPARE(jobStatusName(job->status), QStringLiteral("failed"));
    QCOMPARE(job->attempt, 3);
    QVERIFY2(job->error.contains(QStringLiteral("HTTP 500")), qPrintable(job->error));
    QVERIFY(!job->result);
    QCOMPARE(m_standin.requestsFor(model).size(), size_t(3));
}

void TestLlmRunner::rejectsJsonSchemaFallsBack()
{
    const QString model = QStringLiteral("no-json-schema~runner");
    auto h = makeRunner(config(model));
    QVERIFY(h);
    const auto job = startAndWait(*h, QStringLiteral("market_intelligence"));
    QVERIFY(job);
    QCOMPARE(jobStatusName(job->status), QStringLiteral("succeeded"));
    QCOMPARE(job->attempt, 1);
    const json requests = m_standin.requestsFor(model);
    QCOMPARE(requests.size(), size_t(2));
    QCOMPARE(str(requests[1]["responseFormat"]), QStringLiteral("json_object"));
}

void TestLlmRunner::invalidThenRepairSucceeds()
{
    const QString model = QStringLiteral("invalid-then-repair~runner");
    auto h = makeRunner(config(model));
    QVERIFY(h);
    const auto job = startAndWait(*h, QStringLiteral("valuation"));
    QVERIFY(job);
    QCOMPARE(jobStatusName(job->status), QStringLiteral("succeeded"));
    QVERIFY((*job->result)["usage"]["requests"] == 2);
    QCOMPARE(m_standin.requestsFor(model).size(), size_t(2));
}

void TestLlmRunner::invalidAfterRepairFails()
{
    const QString model = QStringLiteral("always-invalid~runner");
    auto h = makeRunner(config(model));
    QVERIFY(h);
    const auto job = startAndWait(*h, QStringLiteral("valuation"));
    QVERIFY(job);
    QCOMPARE(jobStatusName(job->status), QStringLiteral("failed"));
    QCOMPARE(job->attempt, 1); // permanent: no retry
    QVERIFY2(
        job->error.contains(QStringLiteral("did not match the valuation_narrative schema after one repair request")),
        qPrintable(job->error));
    QCOMPARE(m_standin.requestsFor(model).size(), size_t(2));
}

void TestLlmRunner::stalledStreamFailsAfterRetries()
{
    const QString model = QStringLiteral("stall~runner");
    auto h = makeRunner(config(model));
    QVERIFY(h);
    const auto job = startAndWait(*h, QStringLiteral("valuation"), json::object(), 30000);
    QVERIFY(job);
    QCOMPARE(jobStatusName(job->status), QStringLiteral("failed"));
    QCOMPARE(job->attempt, 3);
    QVERIFY2(job->error.contains(QStringLiteral("stalled")), qPrintable(job->error));
    const json requests = m_standin.requestsFor(model);
    QCOMPARE(requests.size(), size_t(3));
    for (const auto &r : requests)
        QVERIFY(r.contains("clientClosedAt"));
}

void TestLlmRunner::cancelMidStream()
{
    const QString model = QStringLiteral("slow~runner-cancel");
    auto h = makeRunner(config(model));
    QVERIFY(h);
    const auto started = startJob(*h, QStringLiteral("valuation"));
    QVERIFY(started);
    const QString id = started->id;
    QVERIFY(QTest::qWaitFor(
        [&] {
            return !h->updates[id].isEmpty()
                && h->updates[id].last().partialOutput.startsWith(QStringLiteral("Writing narrative ("));
        },
        10000));
    const qint64 cancelAt = QDateTime::currentMSecsSinceEpoch();
    std::optional<BackendReply> reply;
    h->runner->cancel(id, this, [&](const BackendReply &r) { reply = r; });
    QVERIFY(QTest::qWaitFor([&] { return isTerminal(h->updates[id].last().status); }, 5000));
    QCOMPARE(jobStatusName(h->updates[id].last().status), QStringLiteral("canceled"));
    json requests;
    QTRY_VERIFY_WITH_TIMEOUT(
        (requests = m_standin.requestsFor(model), requests.size() == 1 && requests[0].contains("clientClosedAt")),
        5000);
    QVERIFY(!requests[0].contains("finishedAt"));
    const qint64 closedAfter = requests[0]["clientClosedAt"].get<qint64>() - cancelAt;
    qInfo() << "runner: the stand-in saw the connection closed" << closedAfter << "ms after cancel()";
    QVERIFY2(closedAfter < 250, qPrintable(QString::number(closedAfter)));
}

void TestLlmRunner::refusalFails()
{
    const QString model = QStringLiteral("refusal~runner");
    auto h = makeRunner(config(model));
    QVERIFY(h);
    const auto job = startAndWait(*h, QStringLiteral("risk_assessment"));
    QVERIFY(job);
    QCOMPARE(jobStatusName(job->status), QStringLiteral("failed"));
    QCOMPARE(job->attempt, 1);
    QCOMPARE(job->error,
        QStringLiteral("the model refused to write the narrative: I'm sorry, but I can't help with that request."));
}

void TestLlmRunner::perJobProviderOverride()
{
    const QString model = QStringLiteral("ok~override");
    auto h = makeRunner(config(model), /*defaultToLlm=*/false);
    QVERIFY(h);
    const auto builtin = startAndWait(*h, QStringLiteral("valuation"));
    QVERIFY(builtin);
    QCOMPARE(str((*builtin->result)["engine"]), QStringLiteral("builtin"));
    const auto llm = startAndWait(*h, QStringLiteral("valuation"), { { "provider", "openai" } });
    QVERIFY(llm);
    QCOMPARE(jobStatusName(llm->status), QStringLiteral("succeeded"));
    QCOMPARE(str((*llm->result)["engine"]), model);
    // A provider the operator did not enable is refused up front.
    std::optional<BackendReply> reply;
    StartRequest request;
    request.listingId = QStringLiteral("demo-bakery");
    request.analysisType = QStringLiteral("valuation");
    request.params = { { "provider", "azure" } };
    h->runner->start(request, this, [&](const BackendReply &r) { reply = r; });
    QVERIFY(QTest::qWaitFor([&] { return reply.has_value(); }, 5000));
    QVERIFY(!reply->ok());
    QVERIFY(reply->message.contains(QStringLiteral("azure")));
}

void TestLlmRunner::keyNeverPersistedOrLogged()
{
    // Also write what the desktop writes for in-flight jobs: the QSettings INI.
    const QString ini = m_dataRoot.filePath(QStringLiteral("settings.ini"));
    {
        QSettings settings(ini, QSettings::IniFormat);
        InFlightRegistry registry(settings);
        registry.put({ QStringLiteral("demo-bakery"), QStringLiteral("valuation"), QStringLiteral("job"),
            QStringLiteral("local"), {} });
        settings.sync();
    }
    QVERIFY(m_runnerCount >= 10);
    QVERIFY(m_stored >= 5);
    QCOMPARE(m_library.count(), m_stored);
    int files = 0;
    QDirIterator it(m_dataRoot.path(), QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile file(it.next());
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        ++files;
        QVERIFY2(!bytes.contains(m_key.toUtf8()), qPrintable(file.fileName()));
        QVERIFY2(!bytes.contains(m_key.mid(8, 12).toUtf8()), qPrintable(file.fileName()));
    }
    QVERIFY(files >= 11); // jobs.sqlite (+ wal) per runner and the INI
    const QString logs = llmtest::LogCapture::instance().text();
    QVERIFY(llmtest::LogCapture::instance().lineCount() > 10);
    QVERIFY(!logs.contains(m_key));
    QVERIFY(!logs.contains(m_key.mid(8, 12)));
}

QTEST_GUILESS_MAIN(TestLlmRunner)
#include "tst_llmrunner.moc"
