// The parsers and builders of core/llm that see untrusted server bytes: SSE framing, retry hints,
// JSON extraction, schema validation, prompt rendering, price table, key redaction.
#include "analysis/AnalysisError.h"
#include "llm/JsonExtract.h"
#include "llm/LlmConfig.h"
#include "llm/NarrativePreview.h"
#include "llm/NarrativeSchema.h"
#include "llm/PriceTable.h"
#include "llm/PromptLibrary.h"
#include "llm/RetryHints.h"
#include "llm/SseParser.h"

#include <QNetworkRequest>
#include <QTest>

using namespace dealscope;
using namespace dealscope::llm;
using nlohmann::json;

class TestLlmParsing final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sseSplitsAnywhere();
    void sseLineEndingsCommentsAndMultiline();
    void sseRejectsHugeLines();
    void sseFinishDeliversUnterminatedEvent();
    void resetDurations_data();
    void resetDurations();
    void retryAfter();
    void retryDelayPrefersExplicitHeaders();
    void extractJson_data();
    void extractJson();
    void extractJsonHostileInput();
    void schemaAcceptsValidReply();
    void schemaReportsProblems();
    void schemaRejectsUnknownFindingCodes();
    void wireSchemaIsStrictCompatible();
    void promptTemplatesExistForEveryType();
    void renderDoesNotRescanValues();
    void priceTable();
    void priceTableRejectsMalformed();
    void configUrlsAndHeaders();
    void redactRemovesKey();
    void narrativePreviewShowsTextNotJson_data();
    void narrativePreviewShowsTextNotJson();
    void narrativePreviewLine();
};

void TestLlmParsing::sseSplitsAnywhere()
{
    const QByteArray stream = "data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n";
    for (int step = 1; step <= 7; ++step) {
        SseParser parser;
        QList<QByteArray> events;
        for (qsizetype i = 0; i < stream.size(); i += step)
            events += parser.feed(QByteArrayView(stream).sliced(i, std::min<qsizetype>(step, stream.size() - i)));
        events += parser.finish();
        QCOMPARE(events, (QList<QByteArray> { "{\"a\":1}", "{\"b\":2}", "[DONE]" }));
    }
}

void TestLlmParsing::sseLineEndingsCommentsAndMultiline()
{
    SseParser parser;
    const auto events = parser.feed(
        ": keep-alive\r\n\r\nevent: message\r\ndata: one\r\ndata:two\r\nid: 7\r\n\r\ndata\n\nretry: 10\n\n");
    QCOMPARE(events, (QList<QByteArray> { "one\ntwo", "" }));
    // A CR at the end of one piece and LF at the start of the next is one line break.
    SseParser split;
    auto first = split.feed("data: x\r");
    auto second = split.feed("\n\r\n");
    QVERIFY(first.isEmpty());
    QCOMPARE(second, QList<QByteArray> { "x" });
}

void TestLlmParsing::sseRejectsHugeLines()
{
    SseParser parser(1024);
    bool ok = true;
    parser.feed(QByteArray(QByteArray("data: ") + QByteArray(4096, 'x')), &ok);
    QVERIFY(!ok);
    parser.feed("\n\n", &ok);
    QVERIFY(!ok);
    QVERIFY(parser.finish().isEmpty());
}

void TestLlmParsing::sseFinishDeliversUnterminatedEvent()
{
    SseParser parser;
    QVERIFY(parser.feed("data: [DONE]").isEmpty());
    QCOMPARE(parser.finish(), QList<QByteArray> { "[DONE]" });
    SseParser empty;
    QVERIFY(empty.finish().isEmpty());
}

void TestLlmParsing::resetDurations_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<qint64>("ms"); // -1 = invalid
    QTest::newRow("1s") << QByteArray("1s") << qint64(1000);
    QTest::newRow("6m0s") << QByteArray("6m0s") << qint64(360000);
    QTest::newRow("20ms") << QByteArray("20ms") << qint64(20);
    QTest::newRow("2m3.5s") << QByteArray("2m3.5s") << qint64(123500);
    QTest::newRow("1h") << QByteArray("0h1m") << qint64(60000);
    QTest::newRow("0.5s") << QByteArray(" 0.5s ") << qint64(500);
    QTest::newRow("capped") << QByteArray("100h") << qint64(15 * 60 * 1000);
    QTest::newRow("no unit") << QByteArray("12") << qint64(-1);
    QTest::newRow("empty") << QByteArray("") << qint64(-1);
    QTest::newRow("negative") << QByteArray("-1s") << qint64(-1);
    QTest::newRow("garbage") << QByteArray("soon") << qint64(-1);
    QTest::newRow("bad unit") << QByteArray("5d") << qint64(-1);
    QTest::newRow("huge") << QByteArray(QByteArray(10000, '9') + "s") << qint64(-1);
}

void TestLlmParsing::resetDurations()
{
    QFETCH(QByteArray, text);
    QFETCH(qint64, ms);
    const auto parsed = parseResetDuration(text);
    if (ms < 0)
        QVERIFY(!parsed.has_value());
    else
        QCOMPARE(parsed.value_or(-1), ms);
}

void TestLlmParsing::retryAfter()
{
    const QDateTime now = QDateTime(QDate(2015, 10, 21), QTime(7, 27, 0), Qt::UTC);
    QCOMPARE(parseRetryAfter("2", now).value_or(-1), qint64(2000));
    QCOMPARE(parseRetryAfter("1.5", now).value_or(-1), qint64(1500));
    QCOMPARE(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now).value_or(-1), qint64(60000));
    QCOMPARE(parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now).value_or(-1), qint64(0)); // past
    QVERIFY(!parseRetryAfter("tomorrow", now));
    QVERIFY(!parseRetryAfter("-3", now));
    QVERIFY(!parseRetryAfter("", now));
    QCOMPARE(parseRetryAfter("99999999", now).value_or(-1), qint64(15 * 60 * 1000));
}

void TestLlmParsing::retryDelayPrefersExplicitHeaders()
{
    QCOMPARE(retryDelayFromHeaders({ { "Retry-After", "3" }, { "x-ratelimit-reset-requests", "6m0s" } }).value_or(-1),
        qint64(3000));
    QCOMPARE(retryDelayFromHeaders({ { "retry-after-ms", "250" }, { "Retry-After", "3" } }).value_or(-1), qint64(250));
    QCOMPARE(retryDelayFromHeaders({ { "x-ratelimit-reset-requests", "1s" }, { "X-RateLimit-Reset-Tokens", "6m0s" } })
                 .value_or(-1),
        qint64(360000));
    QCOMPARE(
        retryDelayFromHeaders({ { "Retry-After", "nonsense" }, { "x-ratelimit-reset-tokens", "20ms" } }).value_or(-1),
        qint64(20));
    QVERIFY(!retryDelayFromHeaders({ { "Content-Type", "application/json" } }));
}

void TestLlmParsing::extractJson_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("summary"); // empty = nothing found
    QTest::newRow("bare") << QStringLiteral(R"({"summary":"a"})") << QStringLiteral("a");
    QTest::newRow("fenced") << QStringLiteral("Here you go:\n```json\n{\"summary\":\"b\"}\n```\nBye {x}")
                            << QStringLiteral("b");
    QTest::newRow("prose") << QStringLiteral("I think {so}. Result: {\"summary\":\"c {not a brace}\"} done")
                           << QStringLiteral("c {not a brace}");
    QTest::newRow("escaped quote") << QStringLiteral(R"(x {"summary":"d \" }"} y)") << QStringLiteral("d \" }");
    QTest::newRow("array only") << QStringLiteral("[1,2,3]") << QString();
    QTest::newRow("unbalanced") << QStringLiteral("{\"summary\": \"e\"") << QString();
    QTest::newRow("empty") << QString() << QString();
    QTest::newRow("unicode") << QStringLiteral("{\"summary\":\"Café – ✓\"}") << QStringLiteral("Café – ✓");
}

void TestLlmParsing::extractJson()
{
    QFETCH(QString, text);
    QFETCH(QString, summary);
    const auto found = extractJsonObject(text);
    if (summary.isEmpty()) {
        QVERIFY(!found.has_value());
        return;
    }
    QVERIFY(found.has_value());
    QCOMPARE(QString::fromStdString((*found)["summary"].get<std::string>()), summary);
}

void TestLlmParsing::extractJsonHostileInput()
{
    QVERIFY(!extractJsonObject(QString(200000, QLatin1Char('{'))));
    QVERIFY(!extractJsonObject(QStringLiteral("```\n```\n```")));
    QVERIFY(!extractJsonObject(QString(100000, QLatin1Char('}'))));
    const QString nested = QString(300, QLatin1Char('{')) + QString(300, QLatin1Char('}'));
    QVERIFY(!extractJsonObject(nested));
}

static json validReply()
{
    return { { "summary", "A long enough summary of the business." }, { "scoreExplanation", "Explains the score." },
        { "findingMessages", json::array({ { { "code", "dscr_below_target" }, { "message", "Reworded." } } }) },
        { "observations", json::array({ { { "severity", "warning" }, { "message", "Seasonal." } } }) },
        { "valuationNarrative", "The computed values, explained in words." } };
}

static json builtinResult()
{
    return { { "score", 55 },
        { "findings",
            json::array({ { { "severity", "critical" }, { "code", "dscr_below_target" },
                { "message", "DSCR 1.1 < 1.25" } } }) } };
}

void TestLlmParsing::schemaAcceptsValidReply()
{
    const auto schema = NarrativeSchema::forType(AnalysisType::Valuation);
    QCOMPARE(schema.validate(validReply(), builtinResult()), QStringList());
    QCOMPARE(schema.typeSpecificFields(), QStringList { QStringLiteral("valuationNarrative") });
    QCOMPARE(schema.name(), QStringLiteral("valuation_narrative"));
}

void TestLlmParsing::schemaReportsProblems()
{
    const auto schema = NarrativeSchema::forType(AnalysisType::Valuation);
    json reply = validReply();
    reply.erase("scoreExplanation");
    reply["summary"] = "short";
    reply["observations"][0]["severity"] = "catastrophic";
    reply["extra"] = 1;
    const QStringList problems = schema.validate(reply, builtinResult());
    QVERIFY2(problems.contains(QStringLiteral("scoreExplanation: missing")), qPrintable(problems.join(u'|')));
    QVERIFY(problems.join(u'|').contains(QStringLiteral("summary: too short")));
    QVERIFY(problems.join(u'|').contains(QStringLiteral("observations[0].severity: must be one of")));
    QVERIFY(problems.contains(QStringLiteral("extra: unexpected field")));

    QVERIFY(!schema.validate(json::array(), builtinResult()).isEmpty());
    QVERIFY(!schema.validate(json(nullptr), builtinResult()).isEmpty());
    json wrongType = validReply();
    wrongType["findingMessages"] = "none";
    QCOMPARE(schema.validate(wrongType, builtinResult()),
        QStringList { QStringLiteral("findingMessages: expected array, got string") });
    json tooMany = validReply();
    tooMany["observations"] = json::array();
    for (int i = 0; i < 50; ++i)
        tooMany["observations"].push_back({ { "severity", "info" }, { "message", std::string(5000, 'x') } });
    const auto many = schema.validate(tooMany, builtinResult());
    QVERIFY(!many.isEmpty());
    QVERIFY(many.size() <= 20);
}

void TestLlmParsing::schemaRejectsUnknownFindingCodes()
{
    const auto schema = NarrativeSchema::forType(AnalysisType::Valuation);
    json reply = validReply();
    reply["findingMessages"].push_back({ { "code", "invented_by_model" }, { "message", "x" } });
    reply["findingMessages"].push_back({ { "code", "dscr_below_target" }, { "message", "again" } });
    const QStringList problems = schema.validate(reply, builtinResult());
    QCOMPARE(problems.size(), 2);
    QVERIFY(problems[0].contains(QStringLiteral("invented_by_model")));
    QVERIFY(problems[1].contains(QStringLiteral("twice")));
}

void TestLlmParsing::wireSchemaIsStrictCompatible()
{
    for (const QString &name : analysisTypeNames()) {
        const auto schema = NarrativeSchema::forType(*parseAnalysisType(name));
        const json wire = schema.wireSchema();
        const std::string text = wire.dump();
        QVERIFY(text.find("maxLength") == std::string::npos);
        QVERIFY(wire["additionalProperties"] == json(false));
        // strict mode: every property is required
        QVERIFY(wire["required"].size() == wire["properties"].size());
        QVERIFY(wire["properties"]["observations"]["items"]["required"].size() == 2);
    }
}

void TestLlmParsing::promptTemplatesExistForEveryType()
{
    for (const QString &name : analysisTypeNames()) {
        const auto prompt = PromptLibrary::load(*parseAnalysisType(name));
        QCOMPARE(prompt.version, name + QStringLiteral(".v1"));
        QVERIFY(prompt.user.contains(QStringLiteral("Analysis type: ") + name));
        for (const char *placeholder : { "{{listing}}", "{{result}}", "{{schema}}" })
            QVERIFY2(prompt.user.contains(QLatin1String(placeholder)), placeholder);
    }
    QVERIFY(PromptLibrary::repairTemplate().contains(QStringLiteral("{{problems}}")));
    QVERIFY(!PromptLibrary::parse(QStringLiteral("no sections"), QStringLiteral("x.v1")));
    QVERIFY(!PromptLibrary::parse(QStringLiteral("[user]\nonly user\n[system]\nlate"), QStringLiteral("x.v1")));
    QVERIFY_THROWS_EXCEPTION(
        AnalysisError, PromptLibrary::load(AnalysisType::Valuation, QStringLiteral("/nonexistent")));
}

void TestLlmParsing::renderDoesNotRescanValues()
{
    const QString out = PromptLibrary::render(QStringLiteral("L={{listing}} S={{schema}} U={{unknown}}"),
        { { QStringLiteral("listing"), QStringLiteral("desc {{schema}}") },
            { QStringLiteral("schema"), QStringLiteral("SCHEMA") } });
    QCOMPARE(out, QStringLiteral("L=desc {{schema}} S=SCHEMA U={{unknown}}"));
}

void TestLlmParsing::priceTable()
{
    const PriceTable table = PriceTable::builtin();
    QVERIFY(!table.isEmpty());
    QVERIFY(table.find(QStringLiteral("gpt-4o-mini-2024-07-18")).has_value());
    QCOMPARE(table.find(QStringLiteral("gpt-4o-mini-2024-07-18"))->inputPerMillion, 0.15); // longest prefix wins
    QCOMPARE(table.find(QStringLiteral("gpt-4o-2024-08-06"))->inputPerMillion, 2.5);
    QVERIFY(!table.estimateUsd(QStringLiteral("llama3.1:8b"), 1000, 1000).has_value());
    QCOMPARE(table.estimateUsd(QStringLiteral("gpt-4o"), 1'000'000, 100'000).value(), 3.5);
}

void TestLlmParsing::priceTableRejectsMalformed()
{
    QString error;
    QVERIFY(!PriceTable::fromJson("", &error));
    QVERIFY(!PriceTable::fromJson("[]", &error));
    QVERIFY(!PriceTable::fromJson(R"({"models":{"m":{"inputPerMillion":-1,"outputPerMillion":1}}})", &error));
    QVERIFY(error.contains(QStringLiteral("\"m\"")));
    QVERIFY(!PriceTable::fromJson(R"({"models":{"m":{"inputPerMillion":"1","outputPerMillion":1}}})", &error));
    QVERIFY(!PriceTable::fromFile(QStringLiteral("/nonexistent/prices.json"), &error));
    const auto ok = PriceTable::fromJson(R"({"models":{"local":{"inputPerMillion":0,"outputPerMillion":0}}})", &error);
    QVERIFY(ok.has_value());
    QCOMPARE(ok->estimateUsd(QStringLiteral("local"), 10, 10).value(), 0.0);
}

void TestLlmParsing::configUrlsAndHeaders()
{
    LlmConfig openai;
    openai.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:11434/v1/"));
    openai.apiKey = QStringLiteral("sk-test-abcdefghijklmnop");
    openai.organization = QStringLiteral("org-1");
    openai.project = QStringLiteral("proj-1");
    QCOMPARE(openai.chatCompletionsUrl().toString(), QStringLiteral("http://127.0.0.1:11434/v1/chat/completions"));
    QNetworkRequest request;
    openai.authorize(request);
    QCOMPARE(request.rawHeader("Authorization"), QByteArray("Bearer sk-test-abcdefghijklmnop"));
    QCOMPARE(request.rawHeader("OpenAI-Organization"), QByteArray("org-1"));
    QCOMPARE(request.rawHeader("OpenAI-Project"), QByteArray("proj-1"));
    QCOMPARE(openai.providerName(), QStringLiteral("openai"));

    LlmConfig azure;
    azure.kind = LlmConfig::Kind::Azure;
    azure.baseUrl = QUrl(QStringLiteral("https://res.openai.azure.com/openai/deployments/gpt4o"));
    azure.apiKey = QStringLiteral("azure-key-123");
    azure.azureApiVersion = QStringLiteral("2024-10-21");
    QCOMPARE(azure.chatCompletionsUrl().toString(),
        QStringLiteral(
            "https://res.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21"));
    QNetworkRequest azureRequest;
    azure.authorize(azureRequest);
    QCOMPARE(azureRequest.rawHeader("api-key"), QByteArray("azure-key-123"));
    QVERIFY(azureRequest.rawHeader("Authorization").isEmpty());
    QCOMPARE(azure.providerName(), QStringLiteral("azure"));
}

void TestLlmParsing::redactRemovesKey()
{
    LlmConfig config;
    config.apiKey = QStringLiteral("sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    const QString text = QStringLiteral("Incorrect API key provided: sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789; "
                                        "tail QRSTUVWXYZ0123456789; other sk-abcdefgh1234");
    const QString redacted = config.redact(text);
    QVERIFY(!redacted.contains(QStringLiteral("ABCDEFGHIJKL")));
    QVERIFY(!redacted.contains(QStringLiteral("QRSTUVWXYZ0123")));
    QVERIFY(!redacted.contains(QStringLiteral("sk-abcdefgh1234")));
    QVERIFY(redacted.contains(QStringLiteral("Incorrect API key provided")));
}

void TestLlmParsing::narrativePreviewShowsTextNotJson_data()
{
    QTest::addColumn<QString>("partial");
    QTest::addColumn<QString>("shown");
    QTest::newRow("nothing yet") << QString() << QString();
    QTest::newRow("only keys") << QStringLiteral(R"({"findingMessages":[{"code":"sde_mult)") << QString();
    QTest::newRow("codes are not prose") << QStringLiteral(R"({"findingMessages":[{"code":"dscr_low","message":"")")
                                         << QString();
    QTest::newRow("open string") << QStringLiteral(R"({"summary":"A steady bakery with a lo)")
                                 << QStringLiteral("A steady bakery with a lo");
    QTest::newRow("escapes") << QStringLiteral(R"({"summary":"Said \"fine\"\nthen \u00e9t\u00e9 \)")
                             << QStringLiteral("Said \"fine\" then \u00e9t\u00e9");
    QTest::newRow("cut unicode escape") << QStringLiteral(R"({"summary":"caf\u00)") << QStringLiteral("caf");
    QTest::newRow("finished value, next key")
        << QStringLiteral(R"({"summary":"Done here.","scoreExpl)") << QStringLiteral("Done here.");
    QTest::newRow("array items") << QStringLiteral(R"({"keyQuestions":["Can the seller prove it?","Who st)")
                                 << QStringLiteral("Who st");
    QTest::newRow("nested messages") << QStringLiteral(
        R"({"observations":[{"severity":"info","message":"Nothing else."}],"summary":"Go)")
                                     << QStringLiteral("Go");
    QTest::newRow("fenced prose prefix") << QStringLiteral("Here it is:\n```json\n{\"summary\": \"Fenced text")
                                         << QStringLiteral("Fenced text");
    QTest::newRow("braces inside strings") << QStringLiteral(R"({"summary":"uses {braces} and [brackets], too)")
                                           << QStringLiteral("uses {braces} and [brackets], too");
}

void TestLlmParsing::narrativePreviewShowsTextNotJson()
{
    QFETCH(QString, partial);
    QFETCH(QString, shown);
    QCOMPARE(NarrativePreview::text(partial), shown);
    // Every prefix of a whole reply reads as text: no quote-colon, no brace from the JSON.
    const QString whole = QString::fromStdString(json {
        { "findingMessages", json::array({ { { "code", "dscr_low" }, { "message", "Debt service is \"tight\"." } } }) },
        { "summary", "A bakery, written plainly." },
        { "scoreExplanation", "Score of 61." } }.dump());
    for (qsizetype i = 0; i <= whole.size(); ++i) {
        const QString text = NarrativePreview::text(whole.left(i));
        QVERIFY2(!text.contains(QLatin1String("\":")) && !text.startsWith(QLatin1Char('{')), qPrintable(text));
    }
    // nlohmann::json orders keys: "summary" comes last.
    QCOMPARE(NarrativePreview::text(whole), QStringLiteral("A bakery, written plainly."));
}

void TestLlmParsing::narrativePreviewLine()
{
    QCOMPARE(NarrativePreview::line(QStringLiteral("m"), QStringLiteral(R"({"findingMessages":[)"), 7),
        QStringLiteral("Writing narrative (m)… 7 tokens"));
    QCOMPARE(
        NarrativePreview::line(QStringLiteral("m"), QString(), 1), QStringLiteral("Writing narrative (m)… 1 token"));
    QCOMPARE(NarrativePreview::line(QStringLiteral("m"), QStringLiteral(R"({"summary":"Short)"), 3),
        QStringLiteral("Writing narrative (m): Short"));
    const QString longText = QString(300, QLatin1Char('a'));
    QCOMPARE(NarrativePreview::line(QStringLiteral("m"), QStringLiteral(R"({"summary":")") + longText, 80, 10),
        QStringLiteral("Writing narrative (m): …aaaaaaaaaa"));
}

QTEST_GUILESS_MAIN(TestLlmParsing)
#include "tst_llmparsing.moc"
