// The narrative provider driven directly (writeNarrative on an AnalysisContext holding the real
// engine's built-in result) against the stand-in OpenAI server, one scenario per test.
#include "LlmTestSupport.h"
#include "StandInProcess.h"
#include "analysis/AnalysisContext.h"
#include "analysis/AnalysisError.h"
#include "common/JsonQt.h"
#include "jobs/Job.h"
#include "llm/OpenAiNarrativeProvider.h"

#include <QElapsedTimer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <arpa/inet.h>
#include <atomic>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace dealscope;
using namespace dealscope::llm;
using nlohmann::json;

namespace {
struct Run
{
    std::optional<AnalysisError> error;
    json result;
    json originalResult;
    QList<QPair<qint64, QString>> progress; // ms since start, text
    qint64 elapsedMs = 0;
};

QString str(const json &j)
{
    return j.is_string() ? QString::fromStdString(j.get<std::string>()) : QString::fromStdString(j.dump());
}
} // namespace

class TestLlmProvider final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void streamingSuccess_data();
    void streamingSuccess();
    void nonStreamingSuccess();
    void usageCostFromPriceTable();
    void rateLimitedThenSuccess();
    void serverErrorIsTransientEveryTime();
    void overloadedHonoursRateLimitReset();
    void rejectsJsonSchemaFallsBackToJsonObject();
    void plainTextOnlyServer();
    void invalidThenRepairSucceeds();
    void invalidAfterRepairFails();
    void stalledStreamHitsIdleTimeout();
    void silentServerHitsTotalTimeout();
    void unacceptedConnectionHitsConnectTimeout();
    void cancelMidStreamClosesConnection();
    void deadlineStopsRequest();
    void refusal_data();
    void refusal();
    void wrongKeyIsPermanentAndNotEchoed();
    void echoedKeyIsRedacted();
    void modelNotFound();
    void insufficientQuotaIsPermanent();
    void garbageReplyIsPermanent();
    void redirectIsNotFollowed();
    void truncatedStreamIsTransient();
    void hostileStreams_data();
    void hostileStreams();
    void connectionRefusedIsTransient();
    void azureDeployment();
    void organizationAndProjectHeaders();
    void progressIsThrottled();
    void concurrentCallsFromPlainThreads();
    void aliasSelectsScenario();
    void keyNeverLogged();

private:
    LlmConfig config(const QString &model) const;
    Run run(
        const OpenAiNarrativeProvider &provider, AnalysisType type, const std::function<bool(const Run &)> &stop = {});

    StandInProcess m_standin;
    QString m_key;
    std::shared_ptr<const BenchmarkTable> m_benchmarks;
    std::shared_ptr<const ListingCatalog> m_catalog;
    std::unique_ptr<AnalysisEngine> m_engine;
};

void TestLlmProvider::initTestCase()
{
    llmtest::LogCapture::instance().install();
    m_key = llmtest::randomKey();
    QVERIFY(m_standin.start(m_key));
    m_benchmarks = BenchmarkTable::builtin();
    m_catalog = std::make_shared<const ListingCatalog>(llmtest::fictionalListings(), m_benchmarks);
    m_engine = std::make_unique<AnalysisEngine>(m_benchmarks, m_catalog);
}

void TestLlmProvider::cleanupTestCase()
{
    m_standin.stop();
}

LlmConfig TestLlmProvider::config(const QString &model) const
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

Run TestLlmProvider::run(
    const OpenAiNarrativeProvider &provider, AnalysisType type, const std::function<bool(const Run &)> &stop)
{
    Run out;
    Job job;
    job.id = QStringLiteral("job-%1").arg(QRandomGenerator::global()->generate());
    job.listingId = QStringLiteral("demo-bakery");
    job.analysisType = analysisTypeName(type);
    job.params = json::object();
    out.originalResult = m_engine->run(analysisRequestOf(job), {}, {});
    json state = { { "result", out.originalResult } };
    const Listing *listing = m_catalog->find(job.listingId);
    const AnalysisParams params;
    QElapsedTimer clock;
    clock.start();
    AnalysisContext::Callbacks callbacks;
    callbacks.progress = [&](double, const QString &text) { out.progress.append({ clock.elapsed(), text }); };
    callbacks.shouldStop = [&] { return stop && stop(out); };
    AnalysisContext ctx(type, *listing, params, *m_catalog, state, callbacks);
    try {
        provider.writeNarrative(ctx);
    } catch (const AnalysisError &e) {
        out.error = e;
    }
    out.elapsedMs = clock.elapsed();
    out.result = state["result"];
    return out;
}

void TestLlmProvider::streamingSuccess_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("field");
    QTest::newRow("business_analysis") << QStringLiteral("business_analysis") << QStringLiteral("keyQuestions");
    QTest::newRow("valuation") << QStringLiteral("valuation") << QStringLiteral("valuationNarrative");
    QTest::newRow("risk_assessment") << QStringLiteral("risk_assessment") << QStringLiteral("mitigations");
    QTest::newRow("market_intelligence") << QStringLiteral("market_intelligence") << QStringLiteral("marketPosition");
}

void TestLlmProvider::streamingSuccess()
{
    QFETCH(QString, type);
    QFETCH(QString, field);
    const QString model = QStringLiteral("ok~stream-") + type;
    OpenAiNarrativeProvider provider(config(model));
    QCOMPARE(provider.name(), QStringLiteral("openai"));
    const Run r = run(provider, *parseAnalysisType(type));
    QVERIFY2(!r.error, r.error ? qPrintable(r.error->message()) : "");

    // Narrative rewritten; every number untouched.
    QVERIFY(str(r.result["summary"]).startsWith(QStringLiteral("Stand-in narrative of a ") + type));
    QVERIFY(str(r.result["scoreExplanation"]).contains(QString::fromStdString(r.originalResult["score"].dump())));
    QVERIFY(r.result["score"] == r.originalResult["score"]);
    QVERIFY(r.result["metrics"] == r.originalResult["metrics"]);
    QVERIFY(r.result["missingInputs"] == r.originalResult["missingInputs"]);
    const json &before = r.originalResult["findings"];
    const json &after = r.result["findings"];
    QVERIFY(before.size() > 0);
    QCOMPARE(after.size(), before.size() + 1); // + one observation
    for (size_t i = 0; i < before.size(); ++i) {
        QVERIFY(after[i]["code"] == before[i]["code"]);
        QVERIFY(after[i]["severity"] == before[i]["severity"]);
        QCOMPARE(str(after[i]["message"]), QStringLiteral("Stand-in wording: ") + str(before[i]["message"]));
    }
    QCOMPARE(str(after.back()["code"]), QStringLiteral("narrative_observation"));
    QVERIFY(r.result["narrative"].contains(field.toStdString()));
    QCOMPARE(str(r.result["engine"]), model);
    QCOMPARE(str(r.result["provider"]), QStringLiteral("openai"));
    QCOMPARE(str(r.result["promptVersion"]), type + QStringLiteral(".v1"));
    QVERIFY(r.result["usage"]["promptTokens"].get<qint64>() > 100);
    QVERIFY(r.result["usage"]["completionTokens"].get<qint64>() > 10);
    QVERIFY(r.result["usage"]["estimatedCostUsd"].is_null()); // the stand-in model has no price
    QCOMPARE(r.progress.back().second, QStringLiteral("Narrative written by ") + model);

    const json requests = m_standin.requestsFor(model);
    QCOMPARE(requests.size(), size_t(1));
    QVERIFY(requests[0]["stream"] == true);
    QVERIFY(requests[0]["includeUsage"] == true);
    QCOMPARE(str(requests[0]["responseFormat"]), QStringLiteral("json_schema"));
}

void TestLlmProvider::nonStreamingSuccess()
{
    LlmConfig c = config(QStringLiteral("ok~nostream"));
    c.stream = false;
    OpenAiNarrativeProvider provider(c);
    const Run r = run(provider, AnalysisType::Valuation);
    QVERIFY2(!r.error, r.error ? qPrintable(r.error->message()) : "");
    QVERIFY(str(r.result["summary"]).startsWith(QStringLiteral("Stand-in narrative of a valuation")));
    QVERIFY(r.result["usage"]["completionTokens"].get<qint64>() > 10);
    const json requests = m_standin.requestsFor(c.model);
    QCOMPARE(requests.size(), size_t(1));
    QVERIFY(requests[0]["stream"] == false);
}

void TestLlmProvider::usageCostFromPriceTable()
{
    LlmConfig c = config(QStringLiteral("ok~priced"));
    c.prices.set(QStringLiteral("ok"), { 1000.0, 2000.0 }); // prefix match on the answered model
    OpenAiNarrativeProvider provider(c);
    const Run r = run(provider, AnalysisType::RiskAssessment);
    QVERIFY(!r.error);
    const json usage = r.result["usage"];
    const double expected
        = (usage["promptTokens"].get<double>() * 1000.0 + usage["completionTokens"].get<double>() * 2000.0) / 1e6;
    QCOMPARE(usage["estimatedCostUsd"].get<double>(), expected);
}

void TestLlmProvider::rateLimitedThenSuccess()
{
    OpenAiNarrativeProvider provider(config(QStringLiteral("rate-limit-once~direct")));
    const Run first = run(provider, AnalysisType::Valuation);
    QVERIFY(first.error);
    QCOMPARE(first.error->kind(), AnalysisError::Kind::Transient);
    QCOMPARE(first.error->retryAfterMs().value_or(-1), qint64(1000));
    QVERIFY(first.error->message().contains(QStringLiteral("HTTP 429")));
    QVERIFY(first.result == first.originalResult); // nothing half-written
    const Run second = run(provider, AnalysisType::Valuation);
    QVERIFY2(!second.error, second.error ? qPrintable(second.error->message()) : "");
    QCOMPARE(m_standin.requestsFor(QStringLiteral("rate-limit-once~direct")).size(), size_t(2));
}

void TestLlmProvider::serverErrorIsTransientEveryTime()
{
    OpenAiNarrativeProvider provider(config(QStringLiteral("server-error~direct")));
    for (int i = 0; i < 3; ++i) {
        const Run r = run(provider, AnalysisType::BusinessAnalysis);
        QVERIFY(r.error);
        QCOMPARE(r.error->kind(), AnalysisError::Kind::Transient);
        QVERIFY(r.error->message().contains(QStringLiteral("HTTP 500")));
        QVERIFY(r.error->message().contains(QStringLiteral("The server had an error")));
    }
    QCOMPARE(m_standin.requestsFor(QStringLiteral("server-error~direct")).size(), size_t(3));
}

void TestLlmProvider::overloadedHonoursRateLimitReset()
{
    OpenAiNarrativeProvider provider(config(QStringLiteral("overloaded~direct")));
    const Run r = run(provider, AnalysisType::BusinessAnalysis);
    QVERIFY(r.error);
    QCOMPARE(r.error->kind(), AnalysisError::Kind::Transient);
    QCOMPARE(r.error->retryAfterMs().value_or(-1), qint64(360000)); // "6m0s"
}

void TestLlmProvider::rejectsJsonSchemaFallsBackToJsonObject()
{
    const QString model = QStringLiteral("no-json-schema~direct");
    OpenAiNarrativeProvider provider(config(model));
    const Run r = run(provider, AnalysisType::Valuation);
    QVERIFY2(!r.error, r.error ? qPrintable(r.error->message()) : "");
    QCOMPARE(provider.responseFormat(), OpenAiNarrativeProvider::ResponseFormat::JsonObject);
    json requests = m_standin.requestsFor(model);
    QCOMPARE(requests.size(), size_t(2));
    QCOMPARE(str(requests[0]["responseFormat"]), QStringLiteral("json_schema"));
    QVERIFY(requests[0]["status"] == 400);
    QCOMPARE(str(requests[1]["responseFormat"]), QStringLiteral("json_object"));
    // The provider remembers: the next run asks for json_object at once.
    QVERIFY(!run(provider, AnalysisType::Valuation).error);
    requests = m_standin.requestsFor(model);
    QCOMPARE(requests.size(), size_t(3));
    QCOMPARE(str(requests[2]["responseFormat"]), QStringLiteral("json_object"));
}

void TestLlmProvider::plainTextOnlyServer()
{
    const QString model = QStringLiteral("plain-text-only~direct");
    OpenAiNarrativeProvider provider(config(model));
    const Run r = run(provider, AnalysisType::MarketIntelligence);
    QVERIFY2(!r.error, r.error ? qPrintable(r.error->message()) : "");
    QVERIFY(str(r.result["summary"]).startsWith(QStringLiteral("Stand-in narrative")));
    const json requests = m_standin.requestsFor(model);
    QCOMPARE(requests.size(), size_t(3));
    QCOMPARE(str(requests[2]["responseFormat"]), QStringLiteral("none"));
    QCOMPARE(provider.responseFormat(), OpenAiNarrativeProvider::ResponseFormat::PlainText);
}

void TestLlmProvider::invalidThenRepairSucceeds()
{
    const QString model = QStringLiteral("invalid-then-repair~direct");
    OpenAiNarrativeProvider provider(config(model));
    const Run r = run(provider, AnalysisType::RiskAssessment);
    QVERIFY2(!r.error, r.error ? qPrintable(r.error->message()) : "");
    const json requests = m_standin.requestsFor(model);
    QCOMPARE(requests.size(), size_t(2));
    QVERIFY(requests[0]["messages"] == 2);
    QVERIFY(requests[1]["messages"] == 4); // + the bad answer + the repair request
    QVERIFY(r.result["usage"]["requests"] == 2);
    bool sawRepairLine = false;
    for (const auto &p : r.progress)
        sawRepairLine = sawRepairLine || p.second.contains(QStringLiteral("did not match the schema"));
    QVERIFY(sawRepairLine);
}

void TestLlmProvider::invalidAfterRepairFails()
{
    const QString model = QStringLiteral("always-invalid~direct");
    OpenAiNarrativeProvider provider(config(model));
    const Run r = run(provider, AnalysisType::RiskAssessment);
    QVERIFY(r.error);
    QCOMPARE(r.error->kind(), AnalysisError::Kind::Permanent);
    QVERIFY2(r.error->message().contains(
                 QStringLiteral("did not match the risk_assessment_narrative schema after one repair request")),
        qPrintable(r.error->message()));
    QVERIFY(r.error->message().contains(QStringLiteral("missing")));
    QCOMPARE(m_standin.requestsFor(model).size(), size_t(2));
    QVERIFY(r.result == r.originalResult);
}

void TestLlmProvider::stalledStreamHitsIdleTimeout()
{
    const QString model = QStringLiteral("stall~direct");
    OpenAiNarrativeProvider provider(config(model));
    const Run r = run(provider, AnalysisType::Valuation);
    QVERIFY(r.error);
    QCOMPARE(r.error->kind(), AnalysisError::Kind::Transient);
    QVERIFY2(r.error->message().contains(QStringLiteral("stalled")), qPrintable(r.error->message()));
    QVERIFY2(r.elapsedMs >= 950, qPrintable(QString::number(r.elapsedMs)));
    QTRY_VERIFY_WITH_TIMEOUT(m_standin.requestsFor(model)[0].contains("clientClosedAt"), 5000);
}

void TestLlmProvider::silentServerHitsTotalTimeout()
{
    // Non-streaming requests have no idle timeout (a model may think for long); the total one ends them.
    LlmConfig c = config(QStringLiteral("stall~total"));
    c.stream = false;
    c.totalTimeoutMs = 1000;
    OpenAiNarrativeProvider provider(c);
    const Run r = run(provider, AnalysisType::Valuation);
    QVERIFY(r.error);
    QCOMPARE(r.error->kind(), AnalysisError::Kind::Transient);
    QVERIFY2(r.error->message().contains(QStringLiteral("took longer than 1 s")), qPrintable(r.error->message()));
    QTRY_VERIFY_WITH_TIMEOUT(m_standin.requestsFor(c.model)[0].contains("clientClosedAt"), 5000);
}

void TestLlmProvider::unacceptedConnectionHitsConnectTimeout()
{
    // A listening socket whose accept queue is full: Linux drops further SYNs, so the connect hangs
    // like one to an unreachable host (without leaving loopback).
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(listener >= 0);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
    QCOMPARE(::listen(listener, 0), 0);
    socklen_t length = sizeof address;
    QCOMPARE(::getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length), 0);
    const quint16 port = ntohs(address.sin_port);
    std::vector<std::unique_ptr<QTcpSocket>> fillers;
    for (int i = 0; i < 4; ++i) {
        fillers.push_back(std::make_unique<QTcpSocket>());
        fillers.back()->connectToHost(QHostAddress::LocalHost, port);
        (void)fillers.back()->waitForConnected(300);
    }
    LlmConfig c = config(QStringLiteral("ok"));
    c.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1/v1").arg(port));
    c.connectTimeoutMs = 800;
    OpenAiNarrativeProvider provider(c);
    const Run r = run(provider, AnalysisType::Valuation);
    ::close(listener);
    QVERIFY(r.error);
    QCOMPARE(r.error->kind(), AnalysisError::Kind::Transient);
    QVERIFY2(r.error->message().contains(QStringLiteral("could not connect to the LLM service"))
            && r.error->message().contains(QStringLiteral("within 0.8 s")),
        qPrintable(r.error->message()));
}

void TestLlmProvider::cancelMidStreamClosesConnection()
{
    const QString model = QStringLiteral("slow~cancel");
    OpenAiNarrativeProvider provider(config(model));
    qint64 cancelAt = 0;
    const Run r = run(provider, AnalysisType::Valuation, [&](const Run &soFar) {
        // Cancel once tokens are flowing (a streamed line reached partialOutput).
        if (!cancelAt && soFar.progress.size() >= 2)
            cancelAt = QDateTime::currentMSecsSinceEpoch();
        return cancelAt != 0;
    });
    QVERIFY(r.error);
    QCOMPARE(r.error->kind(), AnalysisError::Kind::Canceled);
    QVERIFY(cancelAt > 0);
    json requests;
    QTRY_VERIFY_WITH_TIMEOUT(
        (requests = m_standin.requestsFor(model), requests.size() == 1 && requests[0].contains("clientClosedAt")),
        5000);
    QVERIFY(!requests[0].contains("finishedAt")); // the stream was cut, not completed
    const qint64 closedAfter = requests[0]["clientClosedAt"].get<qint64>() - cancelAt;
    qInfo() << "stand-in saw the connection closed" << closedAfter << "ms after the cancel";
    QVERIFY2(closedAfter < 250, qPrintable(QString::number(closedAfter)));
}

void TestLlmProvider::deadlineStopsRequest()
{
    // A per-attempt deadline surfaces through shouldStop/throwIfStopped like a cancel, with the
    // engine's TimedOut error.
    const QString model = QStringLiteral("slow~deadline");
    OpenAiNarrativeProvider provider(config(model));
    Job job;
    job.id = QStringLiteral("deadline");
    job.listingId = QStringLiteral("demo-bakery");
    job.analysisType = QStringLiteral("valuation");
    json state = { { "result", m_engine->run(analysisRequestOf(job), {}, {}) } };
    QElapsedTimer clock;
    clock.start();
    AnalysisContext::Callbacks callbacks;
    callbacks.shouldStop = [&] { return clock.elapsed() > 300; };
    callbacks.throwIfStopped = [&] {
        if (clock.elapsed() > 300)
            throw AnalysisError(AnalysisError::Kind::TimedOut, QStringLiteral("timed out after 0 s"));
    };
    const AnalysisParams params;
    AnalysisContext ctx(AnalysisType::Valuation, *m_catalog->find(job.listingId), params, *m_catalog, state, callbacks);
    try {
        provider.writeNarrative(ctx);
        QFAIL("expected a timeout");
    } catch (const AnalysisError &e) {
        QCOMPARE(e.kind(), AnalysisError::Kind::TimedOut);
    }
    QVERIFY(clock.elapsed() < 1500);
}

void TestLlmProvider::refusal_data()
{
    QTest::addColumn<bool>("stream");
    QTest::newRow("streaming") << true;
    QTest::newRow("json") << false;
}

void TestLlmProvider::refusal()
{
    QFETCH(bool, stream);
    LlmConfig c = config(QStringLiteral("refusal~") + (stream ? QStringLiteral("s") : QStringLiteral("j")));
    c.stream = stream;
    OpenAiNarrativeProvider provider(c);
    const Run r = run(provider, AnalysisType::Valuation);
    QVERIFY(r.error);
    QCOMPARE(r.error->kind(), AnalysisError::Kind::Permanent);
    QCOMPARE(r.error->message(),
        QStringLiteral("the model refused to write the narrative: I'm sorry, but I can't help with that request."));
}

void TestLlmProvider::wrongKeyIsPermanentAndNotEchoed()
{
    LlmConfig c = config(QStringLiteral("ok~wrongkey"));
    c.apiKey = llmtest::randomKey();
    OpenAiNarrativeProvider provider(c);
    const Run r = run(provider, AnalysisType::Valuation);
    QVERIFY(r.error);
    QCOMPARE(r.error->kind(), AnalysisError::Kind::Permanent);
    QVERIFY(r.error->message().contains(QStringLiteral("rejected the API key (HTTP 401)")));
    QVERIFY(!r.error->message().contains(c.apiKey));
    QVERIFY(!r.error->message().contains(c.apiKey.right(12)));
}

void TestLlmProvider::echoedKeyIsRedacted()
{
    OpenAiNarrativeProvider provider(config(QStringLiteral("unauthorized~echo")));
    const Run r = run(provider, AnalysisType::Valuation);
    QVERIFY(r.error);
    QCOMPARE(r.error->kind(), AnalysisError::Kind::Permanent);
    QVERIFY(r.error->message().contains(QStringLiteral("HTTP 401")));
    QVERIFY2(!r.error->message().contains(m_key), qPrintable(r.error->message()));
    for (qsizetype i = 0; i + 12 <= m_key.size(); ++i)
        QVERIFY(!r.error->message().contains(m_key.mid(i, 12)));
}

void TestLlmProvider::modelNotFound()
{
    OpenAiNarrativeProvider provider(config(QStringLiteral("not-found~direct")));
    const Run r = run(provider, AnalysisType::Valuation);
    QVERIFY(r.error);
    QCOMPARE(r.error->kind(), AnalysisError::Kind::Permanent);
    QVERIFY(r.error->message().contains(QStringLiteral("\"not-found~direct\"")));
    QVERIFY(r.error->message().contains(QStringLiteral("HTTP 404")));
}

void TestLlmProvider::insufficientQuotaIsPermanent()
{
    OpenAiNarrativeProvider provider(config(QStringLiteral("insufficient-quota~direct")));
    const Run r = run(provider, AnalysisType::Valuation);
    QVERIFY(r.error);
    QCOMPARE(r.error->kind(), AnalysisError::Kind::Permanent);
    QVERIFY(r.error->message().contains(QStringLiteral("no quota")));
}

void TestLlmProvider::garbageReplyIsPermanent()
{
    LlmConfig c = config(QStringLiteral("garbage~direct"));
    c.stream = false;
    OpenAiNarrativeProvider provider(c);
    const Run r = run(provider, AnalysisType::Valuation);
    QVERIFY(r.error);
    QCOMPARE(r.error->kind(), AnalysisError::Kind::Permanent);
    QVERIFY(r.error->message().contains(QStringLiteral("not a chat completion")));
}

void TestLlmProvider::redirectIsNotFollowed()
{
    // Following it would send the Authorization header to wherever Location points.
    OpenAiNarrativeProvider provider(config(QStringLiteral("redirect~direct")));
    const Run r = run(provider, AnalysisType::Valuation);
    QVERIFY(r.error);
    QCOMPARE(r.error->kind(), AnalysisError::Kind::Permanent);
    QVERIFY2(r.error->message().contains(QStringLiteral("redirects (HTTP 307)")), qPrintable(r.error->message()));
    QCOMPARE(m_standin.requestsFor(QStringLiteral("redirect~direct")).size(), size_t(1));
}

void TestLlmProvider::truncatedStreamIsTransient()
{
    OpenAiNarrativeProvider provider(config(QStringLiteral("truncated~direct")));
    const Run r = run(provider, AnalysisType::Valuation);
    QVERIFY(r.error);
    QCOMPARE(r.error->kind(), AnalysisError::Kind::Transient);
    QVERIFY2(r.error->message().contains(QStringLiteral("broke off")), qPrintable(r.error->message()));
    QVERIFY(r.result == r.originalResult);
}

void TestLlmProvider::hostileStreams_data()
{
    QTest::addColumn<QString>("model");
    QTest::newRow("chunk that is not JSON") << QStringLiteral("bad-chunk~direct");
    QTest::newRow("6 MiB line") << QStringLiteral("huge-line~direct");
}

void TestLlmProvider::hostileStreams()
{
    QFETCH(QString, model);
    OpenAiNarrativeProvider provider(config(model));
    const Run r = run(provider, AnalysisType::Valuation);
    QVERIFY(r.error);
    QCOMPARE(r.error->kind(), AnalysisError::Kind::Permanent);
    QVERIFY2(r.error->message().contains(QStringLiteral("not a chat completion")), qPrintable(r.error->message()));
    QTRY_VERIFY_WITH_TIMEOUT(m_standin.requestsFor(model)[0].contains("clientClosedAt"), 5000);
}

void TestLlmProvider::connectionRefusedIsTransient()
{
    QTcpServer probe; // find a port nobody listens on
    QVERIFY(probe.listen(QHostAddress::LocalHost));
    const quint16 port = probe.serverPort();
    probe.close();
    LlmConfig c = config(QStringLiteral("ok"));
    c.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1/v1").arg(port));
    OpenAiNarrativeProvider provider(c);
    const Run r = run(provider, AnalysisType::Valuation);
    QVERIFY(r.error);
    QCOMPARE(r.error->kind(), AnalysisError::Kind::Transient);
    QVERIFY2(r.error->message().startsWith(QStringLiteral("cannot reach the LLM service at http://127.0.0.1:")),
        qPrintable(r.error->message()));
}

void TestLlmProvider::azureDeployment()
{
    LlmConfig c = config(QStringLiteral("gpt-4o"));
    c.kind = LlmConfig::Kind::Azure;
    c.baseUrl = m_standin.url(QStringLiteral("/openai/deployments/ok~azure"));
    OpenAiNarrativeProvider provider(c);
    QCOMPARE(provider.name(), QStringLiteral("azure"));
    const Run r = run(provider, AnalysisType::BusinessAnalysis);
    QVERIFY2(!r.error, r.error ? qPrintable(r.error->message()) : "");
    QCOMPARE(str(r.result["provider"]), QStringLiteral("azure"));
    const json requests = m_standin.requestsFor(QStringLiteral("ok~azure"));
    QCOMPARE(requests.size(), size_t(1));
    QVERIFY(requests[0]["azure"] == true);

    c.azureApiVersion.clear(); // the stand-in answers 404 like Azure without api-version…
    c.apiKey = QStringLiteral("wrong-azure-key-1234567890");
    OpenAiNarrativeProvider wrongKey(c);
    const Run denied = run(wrongKey, AnalysisType::BusinessAnalysis);
    QVERIFY(denied.error);
    QCOMPARE(denied.error->kind(), AnalysisError::Kind::Permanent);
    QVERIFY(!denied.error->message().contains(c.apiKey));
}

void TestLlmProvider::organizationAndProjectHeaders()
{
    LlmConfig c = config(QStringLiteral("ok~org"));
    c.organization = QStringLiteral("org-standin");
    c.project = QStringLiteral("proj_standin");
    OpenAiNarrativeProvider provider(c);
    QVERIFY(!run(provider, AnalysisType::Valuation).error);
    const json requests = m_standin.requestsFor(c.model);
    QCOMPARE(str(requests[0]["organization"]), QStringLiteral("org-standin"));
    QCOMPARE(str(requests[0]["project"]), QStringLiteral("proj_standin"));
}

void TestLlmProvider::progressIsThrottled()
{
    OpenAiNarrativeProvider provider(config(QStringLiteral("slow~throttle")));
    const Run r = run(provider, AnalysisType::Valuation);
    QVERIFY2(!r.error, r.error ? qPrintable(r.error->message()) : "");
    // first = "Asking…", last = "Narrative written…"; in between the streamed lines
    QList<QPair<qint64, QString>> streamed = r.progress.mid(1, r.progress.size() - 2);
    QVERIFY2(streamed.size() >= 5, qPrintable(QString::number(streamed.size())));
    for (qsizetype i = 1; i < streamed.size(); ++i)
        QVERIFY2(streamed[i].first - streamed[i - 1].first >= 100,
            qPrintable(QStringLiteral("%1 → %2").arg(streamed[i - 1].first).arg(streamed[i].first)));
    QVERIFY(streamed.back().second.startsWith(QStringLiteral("Writing narrative (slow~throttle): ")));
    // The narrative's text as written, not the JSON it is written in.
    QVERIFY2(streamed.back().second.contains(QStringLiteral("stand-in"), Qt::CaseInsensitive),
        qPrintable(streamed.back().second));
    QVERIFY2(!streamed.back().second.contains(QStringLiteral("\":")), qPrintable(streamed.back().second));
}

void TestLlmProvider::concurrentCallsFromPlainThreads()
{
    // One provider shared by several workers at once (as the runner and the server use it), on
    // threads Qt did not start.
    const QString model = QStringLiteral("ok~concurrent");
    const OpenAiNarrativeProvider provider(config(model));
    Job job;
    job.id = QStringLiteral("concurrent");
    job.listingId = QStringLiteral("demo-bakery");
    job.analysisType = QStringLiteral("risk_assessment");
    const json builtin = m_engine->run(analysisRequestOf(job), {}, {});
    const Listing &listing = *m_catalog->find(job.listingId);
    std::atomic<int> succeeded { 0 };
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] {
            json state = { { "result", builtin } };
            const AnalysisParams params;
            AnalysisContext ctx(AnalysisType::RiskAssessment, listing, params, *m_catalog, state, {});
            try {
                provider.writeNarrative(ctx);
                if (state["result"]["engine"] == model.toStdString()
                    && state["result"]["narrative"].contains("mitigations"))
                    ++succeeded;
            } catch (const AnalysisError &) { }
        });
    }
    for (auto &t : threads)
        t.join();
    QCOMPARE(succeeded.load(), 4);
    QCOMPARE(m_standin.requestsFor(model).size(), size_t(4));
}

void TestLlmProvider::aliasSelectsScenario()
{
    QVERIFY(m_standin.setAlias(QStringLiteral("fixed-model"), QStringLiteral("refusal~alias")));
    OpenAiNarrativeProvider provider(config(QStringLiteral("fixed-model")));
    const Run r = run(provider, AnalysisType::Valuation);
    QVERIFY(r.error);
    QVERIFY(r.error->message().contains(QStringLiteral("refused")));
    QCOMPARE(m_standin.requestsFor(QStringLiteral("refusal~alias")).size(), size_t(1));
}

void TestLlmProvider::keyNeverLogged()
{
    const QString logs = llmtest::LogCapture::instance().text();
    QVERIFY(llmtest::LogCapture::instance().lineCount() > 10); // the category was on
    QVERIFY(!logs.contains(m_key));
    QVERIFY(!logs.contains(m_key.mid(8, 12)));
}

QTEST_GUILESS_MAIN(TestLlmProvider)
#include "tst_llmprovider.moc"
