#include "jobs/JobId.h"
#include "jobs/JobJson.h"
#include "jobs/LocalJobStore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using nlohmann::json;
using namespace dealscope;

class TestLocalJobStore final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_serial = 0;

    QString freshPath() { return m_dir.filePath(QStringLiteral("db%1/jobs.sqlite").arg(++m_serial)); }

    static Job makeJob(const QString &listing, JobStatus status, qint64 created)
    {
        Job job;
        job.id = generateJobId();
        job.owner = QStringLiteral("local");
        job.listingId = listing;
        job.analysisType = QStringLiteral("valuation");
        job.status = status;
        job.createdAt = job.updatedAt = created;
        job.backend = QStringLiteral("local");
        if (isTerminal(status))
            job.finishedAt = created + 10;
        if (status == JobStatus::Succeeded)
            job.result = json { { "score", 50 } };
        return job;
    }

private Q_SLOTS:
    void openCreatesFolderAndWal()
    {
        const QString path = freshPath();
        LocalJobStore store(path);
        QVERIFY2(store.open(), qPrintable(store.errorString()));
        QVERIFY(QFile::exists(path));
        QCOMPARE(store.count(), 0);
        // WAL mode is a property of the file: check it through an independent connection.
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("probe"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode")) && q.next());
            QCOMPARE(q.value(0).toString(), QStringLiteral("wal"));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("probe"));
    }

    void unusableLocationFails()
    {
        QFile blocker(m_dir.filePath(QStringLiteral("a-file")));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        LocalJobStore store(m_dir.filePath(QStringLiteral("a-file/sub/jobs.sqlite")));
        QVERIFY(!store.open());
        QVERIFY(!store.errorString().isEmpty());
        QVERIFY(!store.saveJob(makeJob(QStringLiteral("L"), JobStatus::Queued, 1)));
        QVERIFY(store.all().isEmpty());
    }

    void saveLoadRoundTrip()
    {
        LocalJobStore store(freshPath());
        QVERIFY(store.open());
        Job job = makeJob(QStringLiteral("L1"), JobStatus::Queued, 1000);
        job.params = json { { "termYears", 5 } };
        QVERIFY(store.saveJob(job));
        QCOMPARE(store.job(job.id), job); // owner survives (storage scope)
        job.status = JobStatus::Running;
        job.progress = 33;
        job.updatedAt = 1100;
        QVERIFY(store.saveJob(job));
        QCOMPARE(store.job(job.id), job);
        QCOMPARE(store.count(), 1);
        QVERIFY(!store.load(QStringLiteral("missing")));
    }

    void checkpointAndStepsSurviveReopen()
    {
        const QString path = freshPath();
        Job job = makeJob(QStringLiteral("L1"), JobStatus::Running, 1000);
        const json cp1 = { { "nextStep", 1 }, { "state", { { "inputs", { { "askingPrice", 500000 } } } } } };
        const json cp2
            = { { "nextStep", 2 }, { "state", { { "inputs", { { "askingPrice", 500000 } } }, { "sde", 2.5 } } } };
        {
            LocalJobStore store(path);
            QVERIFY(store.open());
            QVERIFY(store.saveJob(job));
            QVERIFY(store.saveCheckpoint(job, cp1, { job.id, 1, 0, QStringLiteral("inputs"), 1000, 1010 }));
            job.progress = 40;
            QVERIFY(store.saveCheckpoint(job, cp2, { job.id, 1, 1, QStringLiteral("sde_multiple"), 1010, 1020 }));
            // A progress-only save must not drop the checkpoint.
            job.progress = 45;
            QVERIFY(store.saveJob(job));
        }
        LocalJobStore reopened(path);
        QVERIFY(reopened.open());
        const auto unfinished = reopened.unfinished();
        QCOMPARE(unfinished.size(), 1);
        QCOMPARE(unfinished.at(0).job, job);
        QVERIFY(unfinished.at(0).checkpoint);
        QVERIFY(*unfinished.at(0).checkpoint == cp2);
        const auto steps = reopened.steps(job.id);
        QCOMPARE(steps.size(), 2);
        QCOMPARE(steps.at(0), (JobStepRecord { job.id, 1, 0, QStringLiteral("inputs"), 1000, 1010 }));
        QCOMPARE(steps.at(1).stepId, QStringLiteral("sde_multiple"));

        // Terminal: no longer unfinished, and the checkpoint is gone.
        job.status = JobStatus::Succeeded;
        job.finishedAt = 2000;
        job.result = json { { "score", 1 } };
        QVERIFY(reopened.saveJob(job));
        QVERIFY(reopened.unfinished().isEmpty());
        QVERIFY(!reopened.load(job.id)->checkpoint);
        QCOMPARE(reopened.steps(job.id).size(), 2);
    }

    void queriesForTheRunner()
    {
        LocalJobStore store(freshPath());
        QVERIFY(store.open());
        const Job oldOk = makeJob(QStringLiteral("L1"), JobStatus::Succeeded, 1000);
        const Job newOk = makeJob(QStringLiteral("L1"), JobStatus::Succeeded, 5000);
        const Job failed = makeJob(QStringLiteral("L1"), JobStatus::Failed, 6000);
        const Job other = makeJob(QStringLiteral("L2"), JobStatus::Queued, 7000);
        Job foreign = makeJob(QStringLiteral("L1"), JobStatus::Succeeded, 8000);
        foreign.owner = QStringLiteral("someone-else");
        for (const Job &j : { oldOk, newOk, failed, other, foreign })
            QVERIFY(store.saveJob(j));

        const auto all = store.all();
        QCOMPARE(all.size(), 5);
        QCOMPARE(all.first().id, foreign.id); // newest first
        QCOMPARE(all.last().id, oldOk.id);
        QCOMPARE(store.all(2).size(), 2);

        QCOMPARE(store.latestForPair(QStringLiteral("local"), QStringLiteral("L1"), QStringLiteral("valuation"))->id,
            failed.id);
        QVERIFY(!store.latestForPair(QStringLiteral("local"), QStringLiteral("L3"), QStringLiteral("valuation")));

        const auto recent = store.successesSince(QStringLiteral("local"), 3000);
        QCOMPARE(recent.size(), 1);
        QCOMPARE(recent.at(0).jobId, newOk.id);
        QCOMPARE(recent.at(0).finishedAt, qint64(5010));

        QCOMPARE(store.unfinished().size(), 1);
        QCOMPARE(store.unfinished().at(0).job.id, other.id);
    }

    void damagedRowIsSkipped()
    {
        const QString path = freshPath();
        LocalJobStore store(path);
        QVERIFY(store.open());
        const Job good = makeJob(QStringLiteral("L1"), JobStatus::Queued, 1000);
        QVERIFY(store.saveJob(good));
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("vandal"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(
                q.exec(QStringLiteral("INSERT INTO jobs (id, owner, listing_id, analysis_type, status, attempt,"
                                      " created_at, updated_at, finished_at, job_json, checkpoint_json) VALUES "
                                      "('bad','local','L9','valuation','queued',1,2000,2000,NULL,'{not json',NULL)")));
            QVERIFY(q.exec(
                QStringLiteral("INSERT INTO jobs (id, owner, listing_id, analysis_type, status, attempt, created_at,"
                               " updated_at, finished_at, job_json, checkpoint_json) VALUES "
                               "('bad2','local','L9','valuation','running',1,3000,3000,NULL,'{\"id\":1}','[')")));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("vandal"));
        QCOMPARE(store.count(), 3);
        QCOMPARE(store.all().size(), 1);
        QCOMPARE(store.unfinished().size(), 1);
        QVERIFY(!store.load(QStringLiteral("bad")));
    }

    void batchIsOneTransaction()
    {
        const QString path = freshPath();
        LocalJobStore writer(path);
        QVERIFY(writer.open());
        LocalJobStore reader(path);
        QVERIFY(reader.open());
        QVERIFY(writer.beginBatch());
        QVERIFY(writer.inBatch());
        QVERIFY(!writer.beginBatch()); // no nesting
        Job job = makeJob(QStringLiteral("B"), JobStatus::Running, 500);
        QVERIFY(writer.saveJob(job));
        QVERIFY(writer.saveCheckpoint(job, json { { "nextStep", 1 }, { "state", json::object() } },
            { job.id, 1, 0, QStringLiteral("inputs"), 500, 510 }));
        // Visible to the writer's own reads, not yet to another connection.
        QVERIFY(writer.load(job.id));
        QCOMPARE(reader.count(), 0);
        QVERIFY(writer.commitBatch());
        QVERIFY(!writer.inBatch());
        QCOMPARE(reader.count(), 1);
        QCOMPARE(reader.steps(job.id).size(), 1);
        QVERIFY(reader.load(job.id)->checkpoint);
    }

    void pruneRemovesOnlyOldFinishedJobs()
    {
        LocalJobStore store(freshPath());
        QVERIFY(store.open());
        const qint64 day = 24 * 3600 * 1000;
        const qint64 now = 100 * day;
        const Job oldSucceeded = makeJob(QStringLiteral("A"), JobStatus::Succeeded, now - 40 * day);
        const Job oldFailed = makeJob(QStringLiteral("B"), JobStatus::Failed, now - 31 * day);
        const Job recentCanceled = makeJob(QStringLiteral("C"), JobStatus::Canceled, now - 2 * day);
        const Job oldQueued = makeJob(QStringLiteral("D"), JobStatus::Queued, now - 90 * day);
        Job oldRunning = makeJob(QStringLiteral("E"), JobStatus::Running, now - 90 * day);
        for (const Job &job : { oldSucceeded, oldFailed, recentCanceled, oldQueued })
            QVERIFY(store.saveJob(job));
        QVERIFY(store.saveCheckpoint(oldRunning, json { { "nextStep", 1 }, { "state", json::object() } },
            JobStepRecord { oldRunning.id, 1, 0, QStringLiteral("inputs"), now - 90 * day, now - 90 * day }));
        Job doneWithSteps = makeJob(QStringLiteral("F"), JobStatus::Running, now - 50 * day);
        QVERIFY(store.saveCheckpoint(doneWithSteps, json { { "nextStep", 1 }, { "state", json::object() } },
            JobStepRecord { doneWithSteps.id, 1, 0, QStringLiteral("inputs"), now - 50 * day, now - 50 * day }));
        doneWithSteps.status = JobStatus::Succeeded;
        doneWithSteps.finishedAt = now - 45 * day;
        QVERIFY(store.saveJob(doneWithSteps));
        QCOMPARE(store.count(), 6);

        QCOMPARE(store.pruneFinishedBefore(now - 30 * day), 3);
        QCOMPARE(store.count(), 3);
        QVERIFY(!store.load(oldSucceeded.id));
        QVERIFY(!store.load(oldFailed.id));
        QVERIFY(!store.load(doneWithSteps.id));
        QVERIFY(store.steps(doneWithSteps.id).isEmpty());
        QVERIFY(store.load(recentCanceled.id));
        QVERIFY(store.load(oldQueued.id));
        QVERIFY(store.load(oldRunning.id));
        QCOMPARE(store.steps(oldRunning.id).size(), 1);
        QCOMPARE(store.unfinished().size(), 2);
        // Nothing left to prune: a second pass removes nothing.
        QCOMPARE(store.pruneFinishedBefore(now - 30 * day), 0);
    }

    void connectionPerThread()
    {
        // Two stores on one file from two threads: each uses its own connection and sees the other's writes.
        const QString path = freshPath();
        LocalJobStore main(path);
        QVERIFY(main.open());
        QList<Job> written;
        QThread *thread = QThread::create([&] {
            LocalJobStore worker(path);
            if (!worker.open())
                return;
            for (int i = 0; i < 50; ++i) {
                Job j = makeJob(QStringLiteral("T%1").arg(i), JobStatus::Queued, 100 + i);
                if (worker.saveJob(j))
                    written.append(j);
            }
        });
        thread->start();
        for (int i = 0; i < 50; ++i)
            QVERIFY(main.saveJob(makeJob(QStringLiteral("M%1").arg(i), JobStatus::Queued, 10000 + i)));
        QVERIFY(thread->wait(30000));
        delete thread;
        QCOMPARE(written.size(), 50);
        QCOMPARE(main.count(), 100);
        QCOMPARE(main.job(written.at(7).id), written.at(7));
    }

    void schemaOneFileMovesItsSteps()
    {
        // A jobs.sqlite as the previous release wrote it: schema 1, one job_steps row per step.
        const QString path = freshPath();
        QVERIFY(QDir().mkpath(QFileInfo(path).absolutePath()));
        Job running = makeJob(QStringLiteral("R"), JobStatus::Running, 1000);
        const Job done = makeJob(QStringLiteral("D"), JobStatus::Succeeded, 2000);
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("v1"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            for (const char *sql :
                { "CREATE TABLE jobs (id TEXT PRIMARY KEY NOT NULL, owner TEXT NOT NULL, listing_id TEXT NOT NULL,"
                  " analysis_type TEXT NOT NULL, status TEXT NOT NULL, attempt INTEGER NOT NULL,"
                  " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, finished_at INTEGER,"
                  " job_json TEXT NOT NULL, checkpoint_json TEXT)",
                    "CREATE TABLE job_steps (job_id TEXT NOT NULL, attempt INTEGER NOT NULL,"
                    " step_index INTEGER NOT NULL, step_id TEXT NOT NULL, started_at INTEGER NOT NULL,"
                    " finished_at INTEGER NOT NULL, PRIMARY KEY (job_id, attempt, step_index))",
                    "PRAGMA user_version=1" })
                QVERIFY2(q.exec(QString::fromLatin1(sql)), qPrintable(q.lastError().text()));
            for (const Job &job : { running, done }) {
                q.prepare(QStringLiteral("INSERT INTO jobs VALUES (?,?,?,?,?,?,?,?,?,?,?)"));
                for (const QVariant &v : QVariantList { job.id, job.owner, job.listingId, job.analysisType,
                         jobStatusName(job.status), job.attempt, job.createdAt, job.updatedAt,
                         job.finishedAt ? QVariant(*job.finishedAt) : QVariant(),
                         QString::fromUtf8(serializeJob(job, JobJsonScope::Storage)),
                         job.status == JobStatus::Running ? QVariant(QStringLiteral("{\"nextStep\":2,\"state\":{}}"))
                                                          : QVariant() })
                    q.addBindValue(v);
                QVERIFY2(q.exec(), qPrintable(q.lastError().text()));
            }
            // Out of order on purpose, and a second attempt: the history reads back sorted.
            for (const auto &[job, attempt, index, step] :
                { std::tuple(running.id, 2, 0, "inputs"), std::tuple(running.id, 1, 1, "sde_multiple"),
                    std::tuple(running.id, 1, 0, "inputs"), std::tuple(done.id, 1, 0, "inputs") }) {
                q.prepare(QStringLiteral("INSERT INTO job_steps VALUES (?,?,?,?,?,?)"));
                for (const QVariant &v : QVariantList {
                         job, attempt, index, QString::fromLatin1(step), qint64(1000 + index), qint64(1010 + index) })
                    q.addBindValue(v);
                QVERIFY2(q.exec(), qPrintable(q.lastError().text()));
            }
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("v1"));

        LocalJobStore store(path);
        QVERIFY2(store.open(), qPrintable(store.errorString()));
        const auto steps = store.steps(running.id);
        QCOMPARE(steps.size(), 3);
        QCOMPARE(steps.at(0), (JobStepRecord { running.id, 1, 0, QStringLiteral("inputs"), 1000, 1010 }));
        QCOMPARE(steps.at(1), (JobStepRecord { running.id, 1, 1, QStringLiteral("sde_multiple"), 1001, 1011 }));
        QCOMPARE(steps.at(2).attempt, 2);
        QCOMPARE(store.steps(done.id).size(), 1);
        const auto unfinished = store.unfinished();
        QCOMPARE(unfinished.size(), 1);
        QCOMPARE(unfinished.at(0).job, running);
        QCOMPARE(unfinished.at(0).checkpoint->value("nextStep", 0), 2);
        QCOMPARE(store.job(done.id), done);
        // New steps append to the moved ones.
        QVERIFY(store.saveCheckpoint(running, json { { "nextStep", 3 }, { "state", json::object() } },
            { running.id, 2, 1, QStringLiteral("sde_multiple"), 3000, 3010 }));
        QCOMPARE(store.steps(running.id).size(), 4);
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("probe2"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("PRAGMA user_version")) && q.next());
            QCOMPARE(q.value(0).toInt(), LocalJobStore::kSchemaVersion);
            QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE name='job_steps'")) && q.next());
            QCOMPARE(q.value(0).toInt(), 0);
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("probe2"));
    }

    void newerSchemaIsRefusedUntouched()
    {
        const QString path = freshPath();
        {
            LocalJobStore store(path);
            QVERIFY(store.open());
            QVERIFY(store.saveJob(makeJob(QStringLiteral("N"), JobStatus::Queued, 1)));
        }
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("future"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("PRAGMA user_version=99")));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("future"));
        LocalJobStore store(path);
        QVERIFY(!store.open());
        QVERIFY2(store.errorString().contains(QStringLiteral("newer Dealscope")), qPrintable(store.errorString()));
        QVERIFY(store.errorString().contains(QStringLiteral("99")));
        QVERIFY(!store.saveJob(makeJob(QStringLiteral("N2"), JobStatus::Queued, 2)));
    }

    void hostileStepIdsRoundTrip()
    {
        LocalJobStore store(freshPath());
        QVERIFY(store.open());
        const Job job = makeJob(QStringLiteral("H"), JobStatus::Running, 1);
        const QStringList ids { QStringLiteral("a\"b\\c"), QStringLiteral("line\nbreak]"), QStringLiteral("é漢字"),
            QString(), QString(5000, QLatin1Char('x')) };
        QList<JobStepRecord> records;
        for (int i = 0; i < ids.size(); ++i)
            records.append({ job.id, 1, i, ids.at(i), 10 + i, 20 + i });
        QVERIFY(store.write(job, std::nullopt, records));
        QCOMPARE(store.steps(job.id), records);
    }
};

QTEST_GUILESS_MAIN(TestLocalJobStore)
#include "tst_localjobstore.moc"
