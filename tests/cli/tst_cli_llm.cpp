// dealscope-cli with the LLM narrative provider (issue 5 item 7): --provider/--base-url/--model
// reach the same provider the runner and the server use, talking to the OpenAI stand-in.

#include "CliProcess.h"
#include "StandInProcess.h"

#include <QDirIterator>
#include <QTemporaryDir>
#include <QTest>

using namespace clitest;
using namespace Qt::Literals::StringLiterals;

class TestCliLlm final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY(m_standin.start(m_key));
        m_listings = m_dir.filePath(u"known.csv"_s);
        QVERIFY(writeFile(m_listings, knownListingsCsv()));
    }

    void openAiProviderWritesTheNarrative()
    {
        const CliRun run = analyzeWith({ u"--provider"_s, u"openai"_s, u"--model"_s, u"ok~cli"_s }, u"a"_s);
        QVERIFY2(run.exitCode == 0, qPrintable(run.errText()));
        const auto job = run.json();
        QCOMPARE_JSON(job["status"], "succeeded");
        QCOMPARE_JSON(job["result"]["engine"], "ok~cli");
        QCOMPARE_JSON(job["result"]["promptVersion"], "valuation.v1");
        QVERIFY(job["result"]["usage"]["promptTokens"].get<qint64>() > 0);
        // The numbers stay the engine's.
        QCOMPARE(job["result"]["metrics"]["sdeMultiple"].get<double>(), 2.5);
        QVERIFY(!run.out.contains(m_key.toUtf8()));
        QVERIFY(!run.err.contains(m_key.toUtf8()));
        QVERIFY(!fileTreeContains(m_dir.path(), m_key.toUtf8()));
    }

    void perJobBuiltinOverride()
    {
        const CliRun run = analyzeWith(
            { u"--provider"_s, u"openai"_s, u"--model"_s, u"ok~cli2"_s, u"--param"_s, u"provider=builtin"_s }, u"b"_s);
        QVERIFY2(run.exitCode == 0, qPrintable(run.errText()));
        QCOMPARE_JSON(run.json()["result"]["engine"], "builtin");
    }

    void unknownProviderIsUsageError()
    {
        const CliRun run = analyzeWith({ u"--provider"_s, u"psychic"_s }, u"c"_s);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.errText().contains(u"psychic"_s), qPrintable(run.errText()));
    }

    void providerNotEnabledIsRefused()
    {
        // Without --provider only the built-in engine is enabled: params.provider cannot pick another.
        const CliRun run = analyzeWith({ u"--param"_s, u"provider=openai"_s }, u"d"_s);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.errText().contains(u"provider"_s), qPrintable(run.errText()));
    }

    void rejectedKeyFailsWithoutLeakingIt()
    {
        QProcessEnvironment env = cliEnvironment();
        env.insert(u"OPENAI_API_KEY"_s, u"sk-wrong-key-0123456789abcdef"_s);
        const CliRun run = runCli(baseArguments(u"e"_s)
                + QStringList { u"--provider"_s, u"openai"_s, u"--base-url"_s, m_standin.openAiBase().toString(),
                    u"--model"_s, u"ok~cli3"_s },
            env);
        QCOMPARE(run.exitCode, 1);
        const auto job = run.json();
        QCOMPARE_JSON(job["status"], "failed");
        QCOMPARE(job["attempt"].get<int>(), 1); // 401 is permanent: no retry
        QVERIFY(!run.out.contains("sk-wrong-key-0123456789abcdef"));
        QVERIFY(!run.err.contains("sk-wrong-key-0123456789abcdef"));
    }

private:
    QStringList baseArguments(const QString &round) const
    {
        return { u"analyze"_s, u"--listings"_s, m_listings, u"--listing"_s, u"A1"_s, u"--type"_s, u"valuation"_s,
            u"--json"_s, u"--data-dir"_s, m_dir.filePath(u"data-"_s + round), u"--settings"_s,
            m_dir.filePath(u"settings-"_s + round + u".ini"_s) };
    }

    CliRun analyzeWith(const QStringList &extra, const QString &round) const
    {
        QProcessEnvironment env = cliEnvironment();
        env.insert(u"OPENAI_API_KEY"_s, m_key);
        QStringList arguments = baseArguments(round) + extra;
        if (extra.contains(u"openai"_s) && extra.constFirst() == u"--provider"_s)
            arguments << u"--base-url"_s << m_standin.openAiBase().toString();
        return runCli(arguments, env);
    }

    static bool fileTreeContains(const QString &root, const QByteArray &needle)
    {
        QDirIterator it(root, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile file(it.next());
            if (file.open(QIODevice::ReadOnly) && file.readAll().contains(needle))
                return true;
        }
        return false;
    }

    QTemporaryDir m_dir;
    StandInProcess m_standin;
    QString m_listings;
    const QString m_key = u"sk-cli-test-key-9f8e7d6c5b4a3210"_s;
};

QTEST_GUILESS_MAIN(TestCliLlm)
#include "tst_cli_llm.moc"
