// LlmOptions (the flags dealscope-cli and dealscope-server share) and LlmConnectionTester (the
// desktop's "Test connection"), the latter against the stand-in server.
#include "LlmTestSupport.h"
#include "StandInProcess.h"
#include "analysis/AnalysisEngine.h"
#include "llm/LlmConnectionTester.h"
#include "llm/LlmOptions.h"
#include "llm/OpenAiNarrativeProvider.h"

#include <QCommandLineParser>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace dealscope;
using namespace dealscope::llm;

class TestLlmOptions final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void builtinIsTheDefault();
    void openAiFromEnvironment();
    void keyFile();
    void keyFileErrors();
    void azure();
    void rejectsBadOptions_data();
    void rejectsBadOptions();
    void localServerNeedsNoKey();
    void applyRegistersDefaultProvider();
    void testerOk();
    void testerWrongKey();
    void testerModelNotFound();
    void testerConnectionRefused();
    void testerRestartAbortsPrevious();

private:
    LlmSetup setup(const QStringList &args, const QProcessEnvironment &env = {});
    LlmConfig config(const QString &model) const;

    StandInProcess m_standin;
    QString m_key;
    QTemporaryDir m_dir;
};

void TestLlmOptions::initTestCase()
{
    m_key = llmtest::randomKey();
    QVERIFY(m_standin.start(m_key));
    QVERIFY(m_dir.isValid());
}

LlmSetup TestLlmOptions::setup(const QStringList &args, const QProcessEnvironment &env)
{
    QCommandLineParser parser;
    addLlmOptions(parser);
    if (!parser.parse(QStringList { QStringLiteral("prog") } + args))
        return { nullptr, parser.errorText(), {} };
    return llmSetupFromOptions(parser, env);
}

LlmConfig TestLlmOptions::config(const QString &model) const
{
    LlmConfig c;
    c.baseUrl = m_standin.openAiBase();
    c.model = model;
    c.apiKey = m_key;
    return c;
}

static const LlmConfig &configOf(const LlmSetup &s)
{
    return dynamic_cast<const OpenAiNarrativeProvider &>(*s.provider).config();
}

void TestLlmOptions::builtinIsTheDefault()
{
    QProcessEnvironment env;
    env.insert(QStringLiteral("OPENAI_API_KEY"), m_key);
    for (const QStringList &args :
        { QStringList {}, QStringList { QStringLiteral("--provider"), QStringLiteral("builtin") } }) {
        const LlmSetup s = setup(args, env);
        QVERIFY(s.error.isEmpty());
        QVERIFY(!s.provider);
    }
}

void TestLlmOptions::openAiFromEnvironment()
{
    QProcessEnvironment env;
    env.insert(QStringLiteral("OPENAI_API_KEY"), m_key);
    const LlmSetup s = setup(
        { QStringLiteral("--provider"), QStringLiteral("openai"), QStringLiteral("--model"), QStringLiteral("gpt-4o"),
            QStringLiteral("--llm-organization"), QStringLiteral("org-1"), QStringLiteral("--llm-project"),
            QStringLiteral("proj-1"), QStringLiteral("--llm-timeout"), QStringLiteral("60"),
            QStringLiteral("--llm-idle-timeout"), QStringLiteral("1.5"), QStringLiteral("--llm-no-stream") },
        env);
    QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
    QVERIFY(s.provider);
    QCOMPARE(s.provider->name(), QStringLiteral("openai"));
    const LlmConfig &c = configOf(s);
    QCOMPARE(c.baseUrl.toString(), QStringLiteral("https://api.openai.com/v1"));
    QCOMPARE(c.model, QStringLiteral("gpt-4o"));
    QCOMPARE(c.apiKey, m_key);
    QCOMPARE(c.organization, QStringLiteral("org-1"));
    QCOMPARE(c.project, QStringLiteral("proj-1"));
    QCOMPARE(c.totalTimeoutMs, 60000);
    QCOMPARE(c.idleTimeoutMs, 1500);
    QVERIFY(!c.stream);
    QVERIFY(!s.description.contains(m_key));
    QCOMPARE(s.description, QStringLiteral("openai gpt-4o at https://api.openai.com/v1"));
}

void TestLlmOptions::keyFile()
{
    const QString path = m_dir.filePath(QStringLiteral("key.txt"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("\n  " + m_key.toUtf8() + "  \nsecond line\n");
    file.close();
    QProcessEnvironment env;
    env.insert(QStringLiteral("OPENAI_API_KEY"), QStringLiteral("from-environment"));
    const LlmSetup s = setup(
        { QStringLiteral("--provider"), QStringLiteral("openai"), QStringLiteral("--api-key-file"), path }, env);
    QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
    QCOMPARE(configOf(s).apiKey, m_key); // the file wins over the environment
}

void TestLlmOptions::keyFileErrors()
{
    const QString empty = m_dir.filePath(QStringLiteral("empty.txt"));
    QFile file(empty);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("\n   \n");
    file.close();
    LlmSetup s
        = setup({ QStringLiteral("--provider"), QStringLiteral("openai"), QStringLiteral("--api-key-file"), empty });
    QVERIFY(!s.provider);
    QVERIFY(s.error.contains(QStringLiteral("is empty")));
    s = setup({ QStringLiteral("--provider"), QStringLiteral("openai"), QStringLiteral("--api-key-file"),
        m_dir.filePath(QStringLiteral("missing")) });
    QVERIFY(s.error.startsWith(QStringLiteral("cannot read the API key file")));
    const QString huge = m_dir.filePath(QStringLiteral("huge.txt"));
    QFile big(huge);
    QVERIFY(big.open(QIODevice::WriteOnly));
    big.write(QByteArray(100 * 1024, 'k'));
    big.close();
    s = setup({ QStringLiteral("--provider"), QStringLiteral("openai"), QStringLiteral("--api-key-file"), huge });
    QVERIFY(s.error.contains(QStringLiteral("too large")));
    QVERIFY(!s.error.contains(QStringLiteral("kkkk")));
}

void TestLlmOptions::azure()
{
    QProcessEnvironment env;
    env.insert(QStringLiteral("AZURE_OPENAI_API_KEY"), QStringLiteral("azure-key-0123456789"));
    env.insert(QStringLiteral("OPENAI_API_KEY"), QStringLiteral("openai-key"));
    LlmSetup s = setup({ QStringLiteral("--provider"), QStringLiteral("azure") }, env);
    QVERIFY(!s.provider);
    QVERIFY(s.error.contains(QStringLiteral("--base-url")));
    s = setup({ QStringLiteral("--provider"), QStringLiteral("azure"), QStringLiteral("--base-url"),
                  QStringLiteral("https://res.openai.azure.com/openai/deployments/gpt4o-prod"),
                  QStringLiteral("--azure-api-version"), QStringLiteral("2024-06-01") },
        env);
    QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
    QCOMPARE(s.provider->name(), QStringLiteral("azure"));
    const LlmConfig &c = configOf(s);
    QCOMPARE(c.model, QStringLiteral("gpt4o-prod"));
    QCOMPARE(c.apiKey, QStringLiteral("azure-key-0123456789"));
    QCOMPARE(c.chatCompletionsUrl().query(), QStringLiteral("api-version=2024-06-01"));
}

void TestLlmOptions::rejectsBadOptions_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("error");
    QTest::newRow("provider") << QStringList { QStringLiteral("--provider"), QStringLiteral("anthropic") }
                              << QStringLiteral("--provider must be");
    QTest::newRow("url scheme") << QStringList { QStringLiteral("--provider"), QStringLiteral("openai"),
        QStringLiteral("--base-url"), QStringLiteral("ftp://x/v1") }
                                << QStringLiteral("--base-url must be");
    QTest::newRow("url creds") << QStringList { QStringLiteral("--provider"), QStringLiteral("openai"),
        QStringLiteral("--base-url"), QStringLiteral("https://user:secret@h/v1") }
                               << QStringLiteral("must not carry credentials");
    QTest::newRow("empty model") << QStringList { QStringLiteral("--provider"), QStringLiteral("openai"),
        QStringLiteral("--model"), QStringLiteral(" ") }
                                 << QStringLiteral("--model must not be empty");
    QTest::newRow("timeout") << QStringList { QStringLiteral("--provider"), QStringLiteral("openai"),
        QStringLiteral("--llm-timeout"), QStringLiteral("0") }
                             << QStringLiteral("--llm-timeout");
    QTest::newRow("idle") << QStringList { QStringLiteral("--provider"), QStringLiteral("openai"),
        QStringLiteral("--llm-idle-timeout"), QStringLiteral("nan") }
                          << QStringLiteral("--llm-idle-timeout");
    QTest::newRow("prices") << QStringList { QStringLiteral("--provider"), QStringLiteral("openai"),
        QStringLiteral("--llm-price-table"), QStringLiteral("/nonexistent.json") }
                            << QStringLiteral("cannot read price table");
    QTest::newRow("no key") << QStringList { QStringLiteral("--provider"), QStringLiteral("openai") }
                            << QStringLiteral("needs an API key: set OPENAI_API_KEY or pass --api-key-file");
}

void TestLlmOptions::rejectsBadOptions()
{
    QFETCH(QStringList, args);
    QFETCH(QString, error);
    QProcessEnvironment env;
    if (!error.contains(QStringLiteral("API key")))
        env.insert(QStringLiteral("OPENAI_API_KEY"), m_key);
    const LlmSetup s = setup(args, env);
    QVERIFY(!s.provider);
    QVERIFY2(s.error.contains(error), qPrintable(s.error));
    QVERIFY(!s.error.contains(m_key));
}

void TestLlmOptions::localServerNeedsNoKey()
{
    const LlmSetup s = setup({ QStringLiteral("--provider"), QStringLiteral("openai"), QStringLiteral("--base-url"),
        QStringLiteral("http://127.0.0.1:11434/v1"), QStringLiteral("--model"), QStringLiteral("llama3.1:8b") });
    QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
    QVERIFY(configOf(s).apiKey.isEmpty());
}

void TestLlmOptions::applyRegistersDefaultProvider()
{
    auto benchmarks = BenchmarkTable::builtin();
    AnalysisEngine engine(benchmarks, std::make_shared<const ListingCatalog>(llmtest::fictionalListings(), benchmarks));
    QCommandLineParser parser;
    addLlmOptions(parser);
    QVERIFY(parser.parse({ QStringLiteral("prog"), QStringLiteral("--provider"), QStringLiteral("openai") }));
    QProcessEnvironment env;
    env.insert(QStringLiteral("OPENAI_API_KEY"), m_key);
    QCOMPARE(applyLlmOptions(parser, engine, env), std::nullopt);
    QCOMPARE(engine.providerNames(), (QStringList { QStringLiteral("builtin"), QStringLiteral("openai") }));
    const auto steps = engine.steps(AnalysisType::Valuation);
    QCOMPARE(steps.last().id, QStringLiteral("narrative"));

    QCommandLineParser bad;
    addLlmOptions(bad);
    QVERIFY(bad.parse({ QStringLiteral("prog"), QStringLiteral("--provider"), QStringLiteral("nope") }));
    QVERIFY(applyLlmOptions(bad, engine, env).has_value());
}

void TestLlmOptions::testerOk()
{
    LlmConnectionTester tester;
    QSignalSpy spy(&tester, &LlmConnectionTester::finished);
    tester.start(config(QStringLiteral("ok~tester")));
    QVERIFY(tester.isRunning());
    QVERIFY(spy.wait(10000));
    QCOMPARE(spy.size(), 1);
    QCOMPARE(spy[0][0].toBool(), true);
    QCOMPARE(spy[0][1].toString(), QStringLiteral("Connected to ok~tester at ") + m_standin.openAiBase().toString());
    QVERIFY(!tester.isRunning());
}

void TestLlmOptions::testerWrongKey()
{
    LlmConnectionTester tester;
    QSignalSpy spy(&tester, &LlmConnectionTester::finished);
    LlmConfig c = config(QStringLiteral("ok~tester"));
    c.apiKey = llmtest::randomKey();
    tester.start(c);
    QVERIFY(spy.wait(10000));
    QCOMPARE(spy[0][0].toBool(), false);
    const QString message = spy[0][1].toString();
    QVERIFY2(message.startsWith(QStringLiteral("The LLM service at "))
            && message.contains(QStringLiteral("rejected the API key (HTTP 401)")),
        qPrintable(message));
    QVERIFY(!message.contains(c.apiKey));
    QVERIFY(!message.contains(c.apiKey.right(12)));
}

void TestLlmOptions::testerModelNotFound()
{
    LlmConnectionTester tester;
    QSignalSpy spy(&tester, &LlmConnectionTester::finished);
    tester.start(config(QStringLiteral("gpt-9-imaginary")));
    QVERIFY(spy.wait(10000));
    QCOMPARE(spy[0][0].toBool(), false);
    QVERIFY(spy[0][1].toString().contains(QStringLiteral("\"gpt-9-imaginary\" or the endpoint")));
}

void TestLlmOptions::testerConnectionRefused()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost));
    const quint16 port = probe.serverPort();
    probe.close();
    LlmConfig c = config(QStringLiteral("ok"));
    c.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1/v1").arg(port));
    LlmConnectionTester tester;
    QSignalSpy spy(&tester, &LlmConnectionTester::finished);
    tester.start(c);
    QVERIFY(spy.wait(10000));
    QCOMPARE(spy[0][0].toBool(), false);
    QVERIFY(spy[0][1].toString().startsWith(QStringLiteral("Cannot reach the LLM service")));
}

void TestLlmOptions::testerRestartAbortsPrevious()
{
    LlmConnectionTester tester;
    QSignalSpy spy(&tester, &LlmConnectionTester::finished);
    tester.start(config(QStringLiteral("stall~tester"))); // never answers
    QTRY_COMPARE_WITH_TIMEOUT(m_standin.requestsFor(QStringLiteral("stall~tester")).size(), size_t(1), 5000);
    tester.start(config(QStringLiteral("ok~tester-second")));
    QVERIFY(spy.wait(10000));
    QTest::qWait(200); // nothing more may arrive for the aborted test
    QCOMPARE(spy.size(), 1);
    QCOMPARE(spy[0][0].toBool(), true);
    QTRY_VERIFY_WITH_TIMEOUT(m_standin.requestsFor(QStringLiteral("stall~tester"))[0].contains("clientClosedAt"), 5000);
}

QTEST_GUILESS_MAIN(TestLlmOptions)
#include "tst_llmoptions.moc"
