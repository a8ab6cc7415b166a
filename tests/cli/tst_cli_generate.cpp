// dealscope-cli generate: byte-identical output for the same seed across runs, formats, the
// committed demo listings, and bad arguments.

#include "CliProcess.h"

#include <QCryptographicHash>
#include <QTemporaryDir>
#include <QTest>

using namespace clitest;
using namespace Qt::Literals::StringLiterals;

class TestCliGenerate final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void sameSeedSameBytes()
    {
        const QString a = m_dir.filePath(u"a.csv"_s);
        const QString b = m_dir.filePath(u"b.csv"_s);
        QCOMPARE(runCli({ u"generate"_s, u"--count"_s, u"500"_s, u"--seed"_s, u"42"_s, u"-o"_s, a }).exitCode, 0);
        QCOMPARE(runCli({ u"generate"_s, u"--count"_s, u"500"_s, u"--seed"_s, u"42"_s, u"-o"_s, b }).exitCode, 0);
        const QByteArray first = readFile(a);
        QVERIFY(first.size() > 10000);
        QCOMPARE(readFile(b), first);

        // stdout carries the same bytes as -o.
        const CliRun piped = runCli({ u"generate"_s, u"--count"_s, u"500"_s, u"--seed"_s, u"42"_s });
        QCOMPARE(piped.exitCode, 0);
        QCOMPARE(piped.out, first);

        // A prefix of a longer run: the sequence does not depend on the count.
        const CliRun longer = runCli({ u"generate"_s, u"--count"_s, u"600"_s, u"--seed"_s, u"42"_s });
        QVERIFY(longer.out.startsWith(first));
    }

    void otherSeedOtherListings()
    {
        const CliRun one = runCli({ u"generate"_s, u"--count"_s, u"50"_s, u"--seed"_s, u"1"_s });
        const CliRun two = runCli({ u"generate"_s, u"--count"_s, u"50"_s, u"--seed"_s, u"2"_s });
        QCOMPARE(one.exitCode, 0);
        QCOMPARE(two.exitCode, 0);
        QVERIFY(one.out != two.out);
    }

    void csvImportsCleanlyWithIds()
    {
        const QString path = m_dir.filePath(u"import.csv"_s);
        QCOMPARE(runCli({ u"generate"_s, u"--count"_s, u"1000"_s, u"--seed"_s, u"9"_s, u"-o"_s, path }).exitCode, 0);
        QVERIFY(readFile(path).startsWith("id,"));
        const CliRun imported = runCli({ u"import"_s, path, u"--json"_s });
        QCOMPARE(imported.exitCode, 0);
        const auto report = imported.json();
        QCOMPARE(report["rows"].get<int>(), 1000);
        QCOMPARE(report["imported"].get<int>(), 1000);
        QCOMPARE(report["errors"].get<int>(), 0);
    }

    void jsonFormat()
    {
        const QString path = m_dir.filePath(u"listings.json"_s); // .json picks the format
        QCOMPARE(runCli({ u"generate"_s, u"--count"_s, u"20"_s, u"--seed"_s, u"5"_s, u"-o"_s, path }).exitCode, 0);
        const auto listings = nlohmann::json::parse(readFile(path).toStdString());
        QVERIFY(listings.is_array());
        QCOMPARE(listings.size(), size_t(20));
        for (const auto &listing : listings) {
            QVERIFY(listing["id"].is_string());
            QVERIFY(listing["title"].is_string());
        }
        const CliRun explicitCsv
            = runCli({ u"generate"_s, u"--count"_s, u"20"_s, u"--seed"_s, u"5"_s, u"--format"_s, u"csv"_s });
        QVERIFY(explicitCsv.out.startsWith("id,"));
        const CliRun explicitJson
            = runCli({ u"generate"_s, u"--count"_s, u"20"_s, u"--seed"_s, u"5"_s, u"--format"_s, u"json"_s });
        QCOMPARE(explicitJson.out, readFile(path));
        const CliRun imported = runCli({ u"import"_s, path, u"--json"_s });
        QCOMPARE(imported.json()["imported"].get<int>(), 20);
    }

    void demoListingsAreTheSeed2026Output()
    {
        // resources/demo/listings.csv must be what the README says it is.
        const QByteArray committed = readFile(QStringLiteral(DEALSCOPE_SOURCE_DIR) + u"/resources/demo/listings.csv"_s);
        QVERIFY(!committed.isEmpty());
        const CliRun generated = runCli({ u"generate"_s, u"--count"_s, u"300"_s, u"--seed"_s, u"2026"_s });
        QCOMPARE(generated.exitCode, 0);
        QVERIFY2(generated.out == committed,
            "resources/demo/listings.csv differs from `dealscope-cli generate --count 300 --seed 2026`: regenerate it");
    }

    void badArguments_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("no count") << QStringList { u"--seed"_s, u"1"_s };
        QTest::newRow("no seed") << QStringList { u"--count"_s, u"1"_s };
        QTest::newRow("count 0") << QStringList { u"--count"_s, u"0"_s, u"--seed"_s, u"1"_s };
        QTest::newRow("count negative") << QStringList { u"--count"_s, u"-5"_s, u"--seed"_s, u"1"_s };
        QTest::newRow("count text") << QStringList { u"--count"_s, u"ten"_s, u"--seed"_s, u"1"_s };
        QTest::newRow("count huge") << QStringList { u"--count"_s, u"99999999999999999999"_s, u"--seed"_s, u"1"_s };
        QTest::newRow("seed negative") << QStringList { u"--count"_s, u"1"_s, u"--seed"_s, u"-1"_s };
        QTest::newRow("seed text") << QStringList { u"--count"_s, u"1"_s, u"--seed"_s, u"abc"_s };
        QTest::newRow("format xml") << QStringList { u"--count"_s, u"1"_s, u"--seed"_s, u"1"_s, u"--format"_s,
            u"xml"_s };
        QTest::newRow("folder missing") << QStringList { u"--count"_s, u"1"_s, u"--seed"_s, u"1"_s, u"-o"_s,
            u"/nonexistent-dir/x.csv"_s };
    }

    void badArguments()
    {
        QFETCH(QStringList, arguments);
        const CliRun run = runCli(QStringList { u"generate"_s } + arguments);
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.out.isEmpty());
        QVERIFY(!run.err.isEmpty());
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestCliGenerate)
#include "tst_cli_generate.moc"
