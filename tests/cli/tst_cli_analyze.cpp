// dealscope-cli analyze: JSON output with hand-checked numbers, exit codes 0/1/2, dedup, progress.

#include "CliProcess.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace clitest;
using namespace Qt::Literals::StringLiterals;

namespace {
// 12 × L × i / (1 − (1 + i)^−n) for L = 450 000 (500 000 at 10 % down), i = 0.105 / 12, n = 120,
// worked out by hand: 72 864.898…
constexpr double kDebtService = 72864.898;
} // namespace

class TestCliAnalyze final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_listings = m_dir.filePath(u"known.csv"_s);
        QVERIFY(writeFile(m_listings, knownListingsCsv()));
    }

    // Each test function gets its own store and settings, so dedup never crosses tests.
    void init()
    {
        ++m_round;
        m_dataDir = m_dir.filePath(u"data%1"_s.arg(m_round));
        m_settings = m_dir.filePath(u"settings%1.ini"_s.arg(m_round));
    }

    void oneListingAsJson()
    {
        const CliRun run = analyze({ u"--listing"_s, u"A1"_s, u"--type"_s, u"valuation"_s, u"--json"_s });
        QCOMPARE(run.exitCode, 0);
        const auto job = run.json();
        QVERIFY(job.is_object());
        QCOMPARE_JSON(job["status"], "succeeded");
        QCOMPARE_JSON(job["listingId"], "A1");
        QCOMPARE_JSON(job["analysisType"], "valuation");
        QCOMPARE(job["progress"].get<double>(), 100.0);
        QCOMPARE(job["id"].get<std::string>().size(), size_t(21));
        const auto &m = job["result"]["metrics"];
        QCOMPARE(m["askingPrice"].get<qint64>(), 500000);
        QCOMPARE(m["cashFlow"].get<qint64>(), 200000);
        QCOMPARE(m["sdeMultiple"].get<double>(), 2.5);
        QCOMPARE(m["revenueMultiple"].get<double>(), 0.5);
        QCOMPARE(m["cashFlowMargin"].get<double>(), 0.2);
        QCOMPARE(m["loanAmount"].get<double>(), 450000.0);
        QVERIFY(std::abs(m["annualDebtService"].get<double>() - kDebtService) <= 1.0);
        QVERIFY(std::abs(m["dscr"].get<double>() - 200000.0 / kDebtService) < 1e-3);
        QCOMPARE(m["paybackYears"].get<double>(), 2.5);
        // The price whose debt service is cash flow / 1.25 = 160 000 a year: 1 097 922.3
        QVERIFY(std::abs(m["maxPriceAtTargetDscr"].get<double>() - 1097922.3) <= 1.0);
        QVERIFY(m["ebitda"].is_null());
        const auto &result = job["result"];
        QVERIFY(result["score"].is_number());
        QVERIFY(result["findings"].is_array());
        QCOMPARE_JSON(result["engine"], "builtin");
        // stderr has the progress (plain lines: not a terminal), stdout only the JSON.
        QVERIFY2(run.errText().contains(u"A1 valuation succeeded"_s), qPrintable(run.errText()));
        QVERIFY(!run.errText().contains(u'\r'));
    }

    void paramsReachTheEngine()
    {
        const CliRun run = analyze({ u"--listing"_s, u"A1"_s, u"--type"_s, u"valuation"_s, u"--json"_s, u"--param"_s,
            u"ownerSalary=60000"_s, u"--param"_s, u"termYears=10"_s });
        QCOMPARE(run.exitCode, 0);
        const auto job = run.json();
        QCOMPARE(job["params"]["ownerSalary"].get<qint64>(), 60000);
        QVERIFY(std::abs(job["result"]["metrics"]["dscr"].get<double>() - 140000.0 / kDebtService) < 1e-3);
        QVERIFY(std::abs(job["result"]["metrics"]["paybackYears"].get<double>() - 500000.0 / 140000.0) < 1e-3);
    }

    void missingFiguresAreNullNotZero()
    {
        const CliRun run = analyze({ u"--listing"_s, u"C3"_s, u"--type"_s, u"valuation"_s, u"--json"_s });
        QCOMPARE(run.exitCode, 0);
        const auto job = run.json();
        const auto &m = job["result"]["metrics"];
        for (const char *key : { "sdeMultiple", "revenueMultiple", "dscr", "paybackYears", "askingPrice" })
            QVERIFY2(m[key].is_null(), key);
        QVERIFY(!job["result"]["missingInputs"].empty());
    }

    void allListingsAsArray()
    {
        const CliRun run
            = analyze({ u"--all"_s, u"--type"_s, u"risk_assessment"_s, u"--json"_s, u"--threads"_s, u"2"_s });
        QCOMPARE(run.exitCode, 0);
        const auto jobs = run.json();
        QVERIFY(jobs.is_array());
        QCOMPARE(jobs.size(), size_t(3));
        QStringList ids;
        for (const auto &job : jobs) {
            QCOMPARE_JSON(job["status"], "succeeded");
            QCOMPARE_JSON(job["analysisType"], "risk_assessment");
            ids.append(QString::fromStdString(job["listingId"].get<std::string>()));
        }
        QCOMPARE(ids, (QStringList { u"A1"_s, u"B2"_s, u"C3"_s }));
        QVERIFY(run.errText().contains(u"3 analyses: 3 succeeded"_s));
    }

    void everyTypeRuns_data()
    {
        QTest::addColumn<QString>("type");
        for (const char *type : { "business_analysis", "valuation", "risk_assessment", "market_intelligence" })
            QTest::newRow(type) << QString::fromLatin1(type);
    }

    void everyTypeRuns()
    {
        QFETCH(QString, type);
        const CliRun run = analyze({ u"--listing"_s, u"B2"_s, u"--type"_s, type });
        QCOMPARE(run.exitCode, 0);
        // The text form names the listing, the type and the status.
        QVERIFY2(run.outText().startsWith(u"B2 %1 (job "_s.arg(type)), qPrintable(run.outText()));
        QVERIFY(run.outText().contains(u"succeeded"_s));
    }

    void recentSuccessIsReusedUnlessForced()
    {
        const QStringList args { u"--listing"_s, u"A1"_s, u"--type"_s, u"valuation"_s, u"--json"_s };
        const auto first = analyze(args).json();
        const auto second = analyze(args).json();
        QCOMPARE_JSON(second["id"], first["id"]);
        const auto forced = analyze(args + QStringList { u"--force"_s }).json();
        QVERIFY(forced["id"] != first["id"]);
        QCOMPARE_JSON(forced["result"]["metrics"], first["result"]["metrics"]);
    }

    void failedAnalysisExitsWithOne()
    {
        // A permanent failure in the first step of every attempt: the job fails, exit code 1.
        const CliRun run = analyze({ u"--listing"_s, u"A1"_s, u"--type"_s, u"valuation"_s, u"--json"_s },
            u"analysis.step.valuation.load_inputs=fail(10,permanent)"_s);
        QCOMPARE(run.exitCode, 1);
        const auto job = run.json();
        QCOMPARE_JSON(job["status"], "failed");
        QVERIFY(!job["error"].get<std::string>().empty());
        QVERIFY(!job.contains("result") || job["result"].is_null());
    }

    void unknownTypeListsTheAllowedOnes()
    {
        const CliRun run = analyze({ u"--listing"_s, u"A1"_s, u"--type"_s, u"valuaton"_s });
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.errText().contains(u"valuaton"_s));
        for (const char *type : { "business_analysis", "valuation", "risk_assessment", "market_intelligence" })
            QVERIFY2(run.errText().contains(QString::fromLatin1(type)), qPrintable(run.errText()));
        QVERIFY(run.out.isEmpty());
        QVERIFY(!QFile::exists(m_dataDir + u"/jobs.sqlite"_s)); // rejected before any job exists
    }

    void unknownListingIsNamed()
    {
        const CliRun run = analyze({ u"--listing"_s, u"NOPE-42"_s, u"--type"_s, u"valuation"_s });
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.errText().contains(u"NOPE-42"_s), qPrintable(run.errText()));
    }

    void invalidParamsAreNamed_data()
    {
        QTest::addColumn<QString>("param");
        QTest::addColumn<QString>("name");
        QTest::newRow("down payment 2") << u"downPaymentPct=2"_s << u"downPaymentPct"_s;
        QTest::newRow("term 0") << u"termYears=0"_s << u"termYears"_s;
        QTest::newRow("rate text") << u"interestRate=abc"_s << u"interestRate"_s;
        QTest::newRow("salary negative") << u"ownerSalary=-5"_s << u"ownerSalary"_s;
        QTest::newRow("unknown key") << u"colour=blue"_s << u"colour"_s;
        QTest::newRow("no value syntax") << u"interestRate"_s << u"KEY=VALUE"_s;
    }

    void invalidParamsAreNamed()
    {
        QFETCH(QString, param);
        QFETCH(QString, name);
        const CliRun run = analyze({ u"--listing"_s, u"A1"_s, u"--type"_s, u"valuation"_s, u"--param"_s, param });
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.errText().contains(name), qPrintable(run.errText()));
        QVERIFY(run.out.isEmpty());
    }

    void badUsage_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("no listings") << QStringList { u"analyze"_s, u"--all"_s, u"--type"_s, u"valuation"_s };
        QTest::newRow("no type") << QStringList { u"analyze"_s, u"--listings"_s, m_listings, u"--all"_s };
        QTest::newRow("listing and all") << QStringList { u"analyze"_s, u"--listings"_s, m_listings, u"--all"_s,
            u"--listing"_s, u"A1"_s, u"--type"_s, u"valuation"_s };
        QTest::newRow("neither") << QStringList { u"analyze"_s, u"--listings"_s, m_listings, u"--type"_s,
            u"valuation"_s };
        QTest::newRow("threads 0") << QStringList { u"analyze"_s, u"--listings"_s, m_listings, u"--all"_s, u"--type"_s,
            u"valuation"_s, u"--threads"_s, u"0"_s };
        QTest::newRow("threads text") << QStringList { u"analyze"_s, u"--listings"_s, m_listings, u"--all"_s,
            u"--type"_s, u"valuation"_s, u"--threads"_s, u"many"_s };
        QTest::newRow("timeout negative") << QStringList { u"analyze"_s, u"--listings"_s, m_listings, u"--all"_s,
            u"--type"_s, u"valuation"_s, u"--timeout"_s, u"-1"_s };
        QTest::newRow("missing listings file") << QStringList { u"analyze"_s, u"--listings"_s,
            m_dir.filePath(u"nope.csv"_s), u"--all"_s, u"--type"_s, u"valuation"_s };
        QTest::newRow("stray argument") << QStringList { u"analyze"_s, u"extra"_s, u"--listings"_s, m_listings,
            u"--all"_s, u"--type"_s, u"valuation"_s };
    }

    void badUsage()
    {
        QFETCH(QStringList, arguments);
        const CliRun run = runCli(arguments + QStringList { u"--data-dir"_s, m_dataDir, u"--settings"_s, m_settings });
        QCOMPARE(run.exitCode, 2);
        QVERIFY(!run.err.isEmpty());
        QVERIFY(run.out.isEmpty());
    }

    void dataDirThatIsAFile()
    {
        const QString file = m_dir.filePath(u"plainfile"_s);
        QVERIFY(writeFile(file, "x"));
        const CliRun run = runCli({ u"analyze"_s, u"--listings"_s, m_listings, u"--listing"_s, u"A1"_s, u"--type"_s,
            u"valuation"_s, u"--data-dir"_s, file, u"--settings"_s, m_settings });
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.errText().contains(file));
    }

    void demoListingsAnalyse()
    {
        // The file the desktop and the server load as :/demo/listings.csv.
        const CliRun run = analyze({ u"--all"_s, u"--type"_s, u"valuation"_s, u"--json"_s }, {},
            QStringLiteral(DEALSCOPE_SOURCE_DIR) + u"/resources/demo/listings.csv"_s);
        QCOMPARE(run.exitCode, 0);
        const auto jobs = run.json();
        QCOMPARE(jobs.size(), size_t(300));
        for (const auto &job : jobs) {
            QCOMPARE_JSON(job["status"], "succeeded");
            QVERIFY(job["result"]["metrics"].is_object());
        }
    }

private:
    CliRun analyze(const QStringList &arguments, const QString &failpoints = {}, const QString &listings = {})
    {
        return runCli(QStringList { u"analyze"_s, u"--listings"_s, listings.isEmpty() ? m_listings : listings,
                          u"--data-dir"_s, m_dataDir, u"--settings"_s, m_settings }
                + arguments,
            cliEnvironment(failpoints));
    }

    QTemporaryDir m_dir;
    QString m_listings;
    QString m_dataDir;
    QString m_settings;
    int m_round = 0;
};

QTEST_GUILESS_MAIN(TestCliAnalyze)
#include "tst_cli_analyze.moc"
