// The crash test of issue 2: `dealscope-cli analyze` is SIGKILLed in the middle of a job (a
// failpoint holds a middle step), `dealscope-cli resume --wait` on the same data dir and settings
// finishes it from its checkpoint — the finished steps do not run again — with the same result as
// an uninterrupted run.

#include "CliProcess.h"
#include "analysis/AnalysisEngine.h"
#include "benchmarks/BenchmarkTable.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/LocalJobStore.h"
#include "market/ListingCatalog.h"

#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace clitest;
using namespace dealscope;
using namespace Qt::Literals::StringLiterals;

class TestCliCrash final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_listings = m_dir.filePath(u"known.csv"_s);
        QVERIFY(writeFile(m_listings, knownListingsCsv()));
    }

    void killedJobResumesFromItsCheckpoint_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("listing");
        QTest::newRow("valuation") << u"valuation"_s << u"A1"_s;
        QTest::newRow("market_intelligence") << u"market_intelligence"_s << u"B2"_s;
    }

    void killedJobResumesFromItsCheckpoint()
    {
        QFETCH(QString, type);
        QFETCH(QString, listing);
        const QString dataDir = m_dir.filePath(u"crash-"_s + type);
        const QString settingsFile = m_dir.filePath(u"crash-%1.ini"_s.arg(type));

        // The step ids come from the engine itself, so the test follows the pipeline if it changes.
        const auto benchmarks = BenchmarkTable::builtin();
        const AnalysisEngine engine(benchmarks, std::make_shared<const ListingCatalog>(QList<Listing> {}, benchmarks));
        const QList<StepInfo> steps = engine.steps(*parseAnalysisType(type));
        QVERIFY2(steps.size() >= 3, "a pipeline needs a first, a middle and a last step");
        const int held = int(steps.size()) / 2;

        QProcess child;
        child.setProcessEnvironment(cliEnvironment(u"analysis.step.%1.%2=delay(120000)"_s.arg(type, steps[held].id)));
        child.start(cliPath(),
            { u"analyze"_s, u"--listings"_s, m_listings, u"--listing"_s, listing, u"--type"_s, type, u"--json"_s,
                u"--data-dir"_s, dataDir, u"--settings"_s, settingsFile });
        QVERIFY(child.waitForStarted(10000));

        // Wait (by polling the child's SQLite store) until every step before the held one is checkpointed.
        QString jobId;
        std::unique_ptr<LocalJobStore> store;
        const auto finishedInAttempt = [&](int attempt) {
            if (!store) {
                if (!QFile::exists(dataDir + u"/jobs.sqlite"_s))
                    return -1;
                store = std::make_unique<LocalJobStore>(dataDir + u"/jobs.sqlite"_s);
                if (!store->open()) {
                    store.reset();
                    return -1;
                }
            }
            const QList<Job> jobs = store->all();
            if (jobs.size() != 1)
                return -1;
            jobId = jobs.constFirst().id;
            int count = 0;
            for (const JobStepRecord &step : store->steps(jobId))
                count += step.attempt == attempt ? 1 : 0;
            return count;
        };
        QTRY_COMPARE_WITH_TIMEOUT(finishedInAttempt(1), held, 60000);
        QCOMPARE(child.state(), QProcess::Running); // held in the middle step, not finished

        // The in-flight registry learns the job id from the start reply, which may come after the
        // first checkpoints; a fresh QSettings per poll re-reads the file.
        const auto registered = [&] {
            QSettings settings(settingsFile, QSettings::IniFormat);
            return InFlightRegistry(settings).contains(jobId);
        };
        QTRY_VERIFY_WITH_TIMEOUT(registered(), 30000);
        QCOMPARE(child.state(), QProcess::Running);

        child.kill(); // SIGKILL: no destructor, no flush, no goodbye
        QVERIFY(child.waitForFinished(10000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        QVERIFY(child.readAllStandardOutput().isEmpty()); // it never printed a result

        const auto stored = store->load(jobId);
        QVERIFY(stored);
        QVERIFY(!isTerminal(stored->job.status));
        QVERIFY(stored->checkpoint.has_value());

        // Resume against a listings file that is not there: bad input, the job stays in flight.
        const CliRun refused = runCli({ u"resume"_s, u"--wait"_s, u"--listings"_s, m_dir.filePath(u"gone.csv"_s),
            u"--data-dir"_s, dataDir, u"--settings"_s, settingsFile });
        QCOMPARE(refused.exitCode, 2);
        QVERIFY(!isTerminal(store->load(jobId)->job.status));

        // Settings that do not name the listings: refused before anything is requeued.
        const QString withoutListings = settingsFile + u".nolistings"_s;
        QVERIFY(QFile::copy(settingsFile, withoutListings));
        {
            QSettings settings(withoutListings, QSettings::IniFormat);
            settings.remove(u"cli/listingsFile"_s);
        }
        const CliRun noListings
            = runCli({ u"resume"_s, u"--wait"_s, u"--data-dir"_s, dataDir, u"--settings"_s, withoutListings });
        QCOMPARE(noListings.exitCode, 2);
        QVERIFY2(noListings.errText().contains(u"--listings"_s), qPrintable(noListings.errText()));
        QCOMPARE(store->load(jobId)->job.attempt, 1);
        QVERIFY(!isTerminal(store->load(jobId)->job.status));

        // Resume without the failpoint; the listings file is the one the killed analyze used.
        const CliRun resumed = runCli(
            { u"resume"_s, u"--wait"_s, u"--json"_s, u"--data-dir"_s, dataDir, u"--settings"_s, settingsFile });
        QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
        const auto jobs = resumed.json();
        QVERIFY(jobs.is_array());
        QCOMPARE(jobs.size(), size_t(1));
        const auto &job = jobs[0];
        QCOMPARE(job["id"].get<std::string>(), jobId.toStdString());
        QCOMPARE_JSON(job["status"], "succeeded");
        QCOMPARE(job["attempt"].get<int>(), 2);
        QCOMPARE(job["progress"].get<double>(), 100.0);

        // The resumed attempt started at the held step: nothing before it ran again.
        QList<int> firstAttempt;
        QList<int> secondAttempt;
        for (const JobStepRecord &step : store->steps(jobId))
            (step.attempt == 1 ? firstAttempt : secondAttempt).append(step.stepIndex);
        QList<int> before;
        QList<int> after;
        for (int i = 0; i < steps.size(); ++i)
            (i < held ? before : after).append(i);
        QCOMPARE(firstAttempt, before);
        QCOMPARE(secondAttempt, after);
        QVERIFY(!secondAttempt.contains(0));

        // The registry entry is gone once the job is terminal.
        {
            QSettings settings(settingsFile, QSettings::IniFormat);
            QVERIFY(!InFlightRegistry(settings).contains(jobId));
        }

        // Same result as a run that was never interrupted (fresh store and settings).
        const CliRun clean = runCli({ u"analyze"_s, u"--listings"_s, m_listings, u"--listing"_s, listing, u"--type"_s,
            type, u"--json"_s, u"--data-dir"_s, dataDir + u"-clean"_s, u"--settings"_s, settingsFile + u".clean"_s });
        QCOMPARE(clean.exitCode, 0);
        const auto expected = clean.json()["result"];
        QVERIFY(expected.is_object());
        QVERIFY2(job["result"] == expected,
            ("resumed:\n" + job["result"].dump(1) + "\nclean:\n" + expected.dump(1)).c_str());

        // Nothing left to resume.
        const CliRun again = runCli(
            { u"resume"_s, u"--wait"_s, u"--json"_s, u"--data-dir"_s, dataDir, u"--settings"_s, settingsFile });
        QCOMPARE(again.exitCode, 0);
        QCOMPARE_JSON(again.json(), nlohmann::json::array());
    }

private:
    QTemporaryDir m_dir;
    QString m_listings;
};

QTEST_GUILESS_MAIN(TestCliCrash)
#include "tst_cli_crash.moc"
