// dealscope-cli jobs and resume: listing the store and the registry, resuming with nothing to do,
// remote entries on a server that does not answer (kept, never dropped), registry entries of
// unknown jobs.

#include "CliProcess.h"
#include "jobs/InFlightRegistry.h"

#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace clitest;
using namespace dealscope;
using namespace Qt::Literals::StringLiterals;

class TestCliJobs final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_listings = m_dir.filePath(u"known.csv"_s);
        QVERIFY(writeFile(m_listings, knownListingsCsv()));
    }

    void init()
    {
        ++m_round;
        m_dataDir = m_dir.filePath(u"data%1"_s.arg(m_round));
        m_settings = m_dir.filePath(u"settings%1.ini"_s.arg(m_round));
    }

    void emptyStore()
    {
        const CliRun json = run({ u"jobs"_s, u"--json"_s });
        QCOMPARE(json.exitCode, 0);
        QCOMPARE_JSON(json.json(),
            (nlohmann::json { { "jobs", nlohmann::json::array() }, { "inFlight", nlohmann::json::array() } }));
        const CliRun text = run({ u"jobs"_s });
        QCOMPARE(text.exitCode, 0);
        QVERIFY(text.outText().contains(u"(0)"_s));
    }

    void listsFinishedJobs()
    {
        const CliRun analyzed
            = run({ u"analyze"_s, u"--listings"_s, m_listings, u"--all"_s, u"--type"_s, u"valuation"_s, u"--json"_s });
        QCOMPARE(analyzed.exitCode, 0);
        QSet<std::string> ids;
        for (const auto &job : analyzed.json())
            ids.insert(job["id"].get<std::string>());

        const CliRun listed = run({ u"jobs"_s, u"--json"_s });
        QCOMPARE(listed.exitCode, 0);
        const auto out = listed.json();
        QCOMPARE(out["jobs"].size(), size_t(3));
        for (const auto &job : out["jobs"]) {
            QVERIFY(ids.contains(job["id"].get<std::string>()));
            QCOMPARE_JSON(job["status"], "succeeded");
        }
        QVERIFY(out["inFlight"].empty()); // terminal jobs leave the registry

        const CliRun text = run({ u"jobs"_s });
        QCOMPARE(text.exitCode, 0);
        for (const std::string &id : ids)
            QVERIFY(text.outText().contains(QString::fromStdString(id)));
        QVERIFY(text.outText().contains(u"succeeded"_s));
    }

    void resumeWithNothingToDo()
    {
        const CliRun waited = run({ u"resume"_s, u"--wait"_s, u"--json"_s });
        QCOMPARE(waited.exitCode, 0);
        QCOMPARE_JSON(waited.json(), nlohmann::json::array());
        const CliRun plain = run({ u"resume"_s });
        QCOMPARE(plain.exitCode, 0);
        QVERIFY(plain.out.isEmpty());
    }

    void remoteEntriesOfAnUnreachableServerAreKept()
    {
        const InFlightEntry remote { u"L9"_s, u"valuation"_s, u"V1StGXR8_Z5jdHi6B-myT"_s, u"remote"_s,
            u"http://127.0.0.1:9"_s };
        {
            QSettings settings(m_settings, QSettings::IniFormat);
            InFlightRegistry(settings).put(remote);
        }
        const auto listed = run({ u"jobs"_s, u"--json"_s }).json();
        QCOMPARE(listed["inFlight"].size(), size_t(1));
        QCOMPARE_JSON(listed["inFlight"][0]["jobId"], "V1StGXR8_Z5jdHi6B-myT");
        QCOMPARE_JSON(listed["inFlight"][0]["backend"], "remote");
        QCOMPARE_JSON(listed["inFlight"][0]["server"], "http://127.0.0.1:9");
        QCOMPARE_JSON(listed["inFlight"][0]["status"], "unreachable"); // nothing listens on port 9

        // Without --wait each remote job is checked once; an unreachable server keeps its entry.
        const CliRun resumed = run({ u"resume"_s });
        QCOMPARE(resumed.exitCode, 0);
        QVERIFY2(resumed.errText().contains(u"still in flight"_s) && resumed.errText().contains(remote.jobId),
            qPrintable(resumed.errText()));
        QSettings settings(m_settings, QSettings::IniFormat);
        QVERIFY(InFlightRegistry(settings).contains(remote.jobId)); // the desktop still resumes it
    }

    void localEntryOfAnUnknownJob()
    {
        const InFlightEntry lost { u"A1"_s, u"valuation"_s, u"abcdefghijklmnopqrstu"_s, u"local"_s, QString() };
        {
            QSettings settings(m_settings, QSettings::IniFormat);
            InFlightRegistry(settings).put(lost);
        }
        const CliRun resumed = run({ u"resume"_s, u"--wait"_s, u"--json"_s, u"--listings"_s, m_listings });
        QCOMPARE(resumed.exitCode, 1); // it cannot finish: reported as failed, not silently dropped
        QVERIFY2(resumed.errText().contains(lost.jobId), qPrintable(resumed.errText()));
    }

    void badSettingsAndDataDir()
    {
        const QString file = m_dir.filePath(u"a-file"_s);
        QVERIFY(writeFile(file, "x"));
        QCOMPARE(runCli({ u"jobs"_s, u"--data-dir"_s, file, u"--settings"_s, m_settings }).exitCode, 2);
        QCOMPARE(runCli({ u"resume"_s, u"--data-dir"_s, file, u"--settings"_s, m_settings }).exitCode, 2);
        QCOMPARE(runCli({ u"jobs"_s, u"--data-dir"_s, m_dataDir, u"--settings"_s, m_dir.path() }).exitCode, 2);
        QCOMPARE(run({ u"jobs"_s, u"surplus"_s }).exitCode, 2);
        QCOMPARE(run({ u"resume"_s, u"--threads"_s, u"0"_s }).exitCode, 2);
    }

private:
    CliRun run(const QStringList &arguments)
    {
        return runCli(arguments + QStringList { u"--data-dir"_s, m_dataDir, u"--settings"_s, m_settings });
    }

    QTemporaryDir m_dir;
    QString m_listings;
    QString m_dataDir;
    QString m_settings;
    int m_round = 0;
};

QTEST_GUILESS_MAIN(TestCliJobs)
#include "tst_cli_jobs.moc"
