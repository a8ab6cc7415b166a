// dealscope-cli against the real dealscope-server (issue 11): analyze --server with the listing
// sent inline, --detach then resume --wait, jobs with the server's status, cancel, a wrong token,
// an expired job, and a server SIGKILLed while resume --wait polls it and restarted on the same
// address and Redis.

#include "CliProcess.h"
#include "RemoteFixture.h"
#include "jobs/InFlightRegistry.h"

#include <QSettings>
#include <QSqlDatabase>
#include <QSqlQuery>

using namespace clitest;
using namespace dealscope;
using namespace Qt::Literals::StringLiterals;

class TestCliRemote final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_listings;
    QString m_dataDir;
    QString m_settings;
    int m_round = 0;
    remotetest::RemoteServer m_server;

    QProcessEnvironment env(const QString &token) const
    {
        QProcessEnvironment e = cliEnvironment();
        e.insert(u"DEALSCOPE_TOKEN"_s, token);
        return e;
    }
    CliRun run(const QStringList &arguments, const QString &token = {})
    {
        return runCli(arguments + QStringList { u"--data-dir"_s, m_dataDir, u"--settings"_s, m_settings },
            env(token.isEmpty() ? QString::fromLatin1(m_server.token()) : token));
    }
    QString server() const { return m_server.base().toString(); }
    QList<InFlightEntry> entries() const
    {
        QSettings settings(m_settings, QSettings::IniFormat);
        return InFlightRegistry(settings).entries();
    }
    int libraryRows(const QString &jobId) const
    {
        const QString name = u"lib%1"_s.arg(m_round);
        int rows = -1;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, name);
            db.setDatabaseName(QDir(m_dataDir).filePath(u"results.sqlite"_s));
            if (db.open()) {
                QSqlQuery q(db);
                q.prepare(u"SELECT COUNT(*) FROM results WHERE job_id = ?"_s);
                q.addBindValue(jobId);
                if (q.exec() && q.next())
                    rows = q.value(0).toInt();
            }
        }
        QSqlDatabase::removeDatabase(name);
        return rows;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // The listings the CLI sends inline: the server has other ones (its own file).
        m_listings = m_dir.filePath(u"desktop.csv"_s);
        QVERIFY(writeFile(m_listings, knownListingsCsv()));
        QVERIFY(!m_server.addToken().isEmpty());
        QVERIFY(m_server.start(
            {}, u"analysis.step.summary=delay(300);analysis.step.risk_assessment.red_flags=delay(30000)"_s));
    }

    void init()
    {
        ++m_round;
        m_dataDir = m_dir.filePath(u"data%1"_s.arg(m_round));
        m_settings = m_dir.filePath(u"settings%1.ini"_s.arg(m_round));
    }

    void analyzeOnTheServerLikeLocally()
    {
        const CliRun remote = run({ u"analyze"_s, u"--server"_s, server(), u"--listings"_s, m_listings, u"--listing"_s,
            u"A1"_s, u"--type"_s, u"valuation"_s, u"--json"_s });
        QVERIFY2(remote.exitCode == 0, qPrintable(remote.errText()));
        const auto job = remote.json();
        QCOMPARE_JSON(job["status"], "succeeded");
        QCOMPARE_JSON(job["listingId"], "A1");
        // The server ran the listing the CLI sent (A1 is not in the server's own file).
        QCOMPARE_JSON(job["result"]["metrics"]["askingPrice"], 500000);
        QCOMPARE_JSON(job["result"]["metrics"]["sdeMultiple"], 2.5);
        QVERIFY(entries().isEmpty());
        QCOMPARE(libraryRows(QString::fromStdString(job["id"].get<std::string>())), 1);

        // The same analysis on local threads gives the same figures.
        const CliRun local = run({ u"analyze"_s, u"--listings"_s, m_listings, u"--listing"_s, u"A1"_s, u"--type"_s,
            u"valuation"_s, u"--json"_s, u"--force"_s });
        QCOMPARE(local.exitCode, 0);
        QCOMPARE_JSON(local.json()["result"]["metrics"], job["result"]["metrics"]);
    }

    void detachThenResumeWait()
    {
        const CliRun detached = run({ u"analyze"_s, u"--server"_s, server(), u"--listings"_s, m_listings, u"--all"_s,
            u"--type"_s, u"business_analysis"_s, u"--detach"_s, u"--force"_s });
        QVERIFY2(detached.exitCode == 0, qPrintable(detached.errText()));
        const QStringList ids = detached.outText().split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(ids.size(), 3);
        QCOMPARE(entries().size(), 3);
        for (const InFlightEntry &e : entries()) {
            QCOMPARE(e.backend, u"remote"_s);
            QCOMPARE(e.server, server());
            QVERIFY(ids.contains(e.jobId));
        }
        const CliRun listed = run({ u"jobs"_s, u"--json"_s });
        QCOMPARE(listed.exitCode, 0);
        const nlohmann::json listedJson = listed.json();
        QCOMPARE(listedJson["inFlight"].size(), size_t(3));
        for (const auto &entry : listedJson["inFlight"]) {
            const std::string status = entry["status"].get<std::string>();
            QVERIFY2(status == "queued" || status == "running" || status == "succeeded", status.c_str());
        }

        const CliRun resumed = run({ u"resume"_s, u"--wait"_s, u"--json"_s });
        QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.errText()));
        const auto jobs = resumed.json();
        QCOMPARE(jobs.size(), size_t(3));
        for (const auto &job : jobs) {
            QCOMPARE_JSON(job["status"], "succeeded");
            QVERIFY(ids.contains(QString::fromStdString(job["id"].get<std::string>())));
            QCOMPARE(libraryRows(QString::fromStdString(job["id"].get<std::string>())), 1);
        }
        QVERIFY(entries().isEmpty()); // only once the results are in the library
    }

    void cancelARemoteJob()
    {
        const CliRun detached = run({ u"analyze"_s, u"--server"_s, server(), u"--listings"_s, m_listings,
            u"--listing"_s, u"B2"_s, u"--type"_s, u"risk_assessment"_s, u"--detach"_s, u"--force"_s });
        QVERIFY2(detached.exitCode == 0, qPrintable(detached.errText()));
        const QString id = detached.outText().trimmed();
        const CliRun canceled = run({ u"cancel"_s, id, u"--json"_s });
        QVERIFY2(canceled.exitCode == 0, qPrintable(canceled.errText()));
        QVERIFY(canceled.json()["cancelRequested"].get<bool>() || canceled.json()["status"] == "canceled");
        const CliRun resumed = run({ u"resume"_s, u"--wait"_s, u"--json"_s });
        QCOMPARE(resumed.exitCode, 1); // as for a local analysis that was canceled
        QCOMPARE_JSON(resumed.json()[0]["status"], "canceled");
        QVERIFY(entries().isEmpty());
        const CliRun again = run({ u"cancel"_s, id, u"--server"_s, server() });
        QCOMPARE(again.exitCode, 1);
        QVERIFY2(again.errText().contains(u"already finished"_s), qPrintable(again.errText()));
    }

    void wrongTokenIsAClearError()
    {
        const CliRun refused = run({ u"analyze"_s, u"--server"_s, server(), u"--listings"_s, m_listings, u"--listing"_s,
                                       u"A1"_s, u"--type"_s, u"valuation"_s },
            u"ds_wrong_token_0000"_s);
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.errText().contains(u"refused the token"_s), qPrintable(refused.errText()));
        QVERIFY2(refused.errText().contains(u"dealscope-cli login --server %1"_s.arg(server())),
            qPrintable(refused.errText()));
        QVERIFY(!refused.errText().contains(u"ds_wrong_token_0000"_s)); // never printed
    }

    void expiredJob()
    {
        const InFlightEntry gone { u"A1"_s, u"valuation"_s, u"ZZZZZZZZZZZZZZZZZZZZZ"_s, u"remote"_s, server() };
        {
            QSettings settings(m_settings, QSettings::IniFormat);
            InFlightRegistry(settings).put(gone);
        }
        const CliRun listed = run({ u"jobs"_s, u"--json"_s });
        QCOMPARE_JSON(listed.json()["inFlight"][0]["status"], "expired");
        const CliRun resumed = run({ u"resume"_s, u"--wait"_s });
        QCOMPARE(resumed.exitCode, 1);
        QVERIFY2(resumed.errText().contains(u"expired"_s) && resumed.errText().contains(gone.jobId),
            qPrintable(resumed.errText()));
        QVERIFY(entries().isEmpty());
    }

    void serverKilledWhileResumeWaits()
    {
        remotetest::RedisServer redis;
        QVERIFY(redis.start(/*aof=*/false));
        remotetest::RemoteServer durable;
        QVERIFY(!durable.addToken().isEmpty());
        // A 2 s lease: the restarted server takes the killed one's job over quickly.
        QVERIFY(durable.start(
            { u"--store"_s, redis.url(), u"--lease"_s, u"2"_s }, u"analysis.step.valuation.sensitivity=delay(3000)"_s));
        const QString url = durable.base().toString();
        const QString token = QString::fromLatin1(durable.token());
        const CliRun detached = run({ u"analyze"_s, u"--server"_s, url, u"--listings"_s, m_listings, u"--listing"_s,
                                        u"A1"_s, u"--type"_s, u"valuation"_s, u"--detach"_s },
            token);
        QVERIFY2(detached.exitCode == 0, qPrintable(detached.errText()));
        const QString id = detached.outText().trimmed();

        QProcess resume;
        resume.setProcessEnvironment(env(token));
        resume.start(cliPath(),
            { u"resume"_s, u"--wait"_s, u"--json"_s, u"--data-dir"_s, m_dataDir, u"--settings"_s, m_settings });
        QVERIFY(resume.waitForStarted(10000));
        QByteArray err;
        QVERIFY(remotetest::waitFor(
            [&] {
                err += resume.readAllStandardError();
                return err.contains("resuming 1 in-flight");
            },
            30000));
        durable.kill(); // mid-poll
        QVERIFY(remotetest::waitFor(
            [&] {
                err += resume.readAllStandardError();
                return err.contains("reconnecting");
            },
            30000));
        QVERIFY(durable.restartOnSamePort());
        QVERIFY(resume.waitForFinished(120000));
        err += resume.readAllStandardError();
        QVERIFY2(resume.exitCode() == 0, err.constData());
        QVERIFY(err.contains("back online"));
        const auto jobs = nlohmann::json::parse(resume.readAllStandardOutput().toStdString());
        QCOMPARE(jobs.size(), size_t(1));
        QCOMPARE_JSON(jobs[0]["id"], id.toStdString());
        QCOMPARE_JSON(jobs[0]["status"], "succeeded");
        QVERIFY(entries().isEmpty());
        QCOMPARE(libraryRows(id), 1);
    }

    void cleanupTestCase() { QCOMPARE(m_server.process().terminate(), 0); }
};

QTEST_GUILESS_MAIN(TestCliRemote)
#include "tst_cli_remote.moc"
