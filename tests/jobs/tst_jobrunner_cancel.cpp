#include "RunnerFixture.h"

#include <QTemporaryDir>

using namespace dealscope;
using namespace dealscope::testing;

class TestJobRunnerCancel final : public QObject
{
    Q_OBJECT

    std::shared_ptr<const AnalysisEngine> m_engine;

private Q_SLOTS:
    void initTestCase() { m_engine = makeEngine(); }

    void cleanup() { Failpoints::configure(QString()); }

    void queuedJobIsCanceledAtOnce()
    {
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path(), 1));
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        // One worker, busy with a slow first job: the second stays queued.
        Failpoints::configure(QStringLiteral("analysis.step.%1=delay(3000)").arg(stepId(*m_engine, 0)));
        const auto busy = await([&](auto cb) { runner.start(request(QStringLiteral("L1")), this, cb); });
        const auto queued = await([&](auto cb) { runner.start(request(QStringLiteral("L2")), this, cb); });
        QVERIFY(busy && busy->ok() && queued && queued->ok());
        QVERIFY(rec.waitStatus(busy->job->id, JobStatus::Running));

        const auto reply = await([&](auto cb) { runner.cancel(queued->job->id, this, cb); });
        QVERIFY(reply && reply->ok());
        // Answered with the final state: no worker was needed.
        QCOMPARE(reply->job->status, JobStatus::Canceled);
        QCOMPARE(reply->job->error, QStringLiteral("canceled by user"));
        QVERIFY(reply->job->cancelRequested);
        QVERIFY(reply->job->finishedAt);
        QVERIFY(rec.waitStatus(queued->job->id, JobStatus::Canceled));

        // The canceled job never ran a step.
        QVERIFY(storedSteps(dir.path(), queued->job->id).isEmpty());
        const auto stored = await([&](auto cb) { runner.fetch(queued->job->id, this, cb); });
        QVERIFY(stored && stored->ok());
        QCOMPARE(stored->job->status, JobStatus::Canceled);

        const auto again = await([&](auto cb) { runner.cancel(queued->job->id, this, cb); });
        QVERIFY(again);
        QCOMPARE(again->error, BackendReply::Error::Conflict);
        QVERIFY(again->job);
        QCOMPARE(again->job->status, JobStatus::Canceled);

        QVERIFY(await([&](auto cb) { runner.cancel(busy->job->id, this, cb); }));
        QVERIFY(rec.waitTerminal(busy->job->id));
    }

    void runningJobStopsWithin250ms()
    {
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        Failpoints::configure(QStringLiteral("analysis.step.%1=delay(5000)").arg(stepId(*m_engine, 1)));
        const auto started = await([&](auto cb) { runner.start(request(QStringLiteral("L3")), this, cb); });
        QVERIFY(started && started->ok());
        const QString id = started->job->id;
        // Wait until the first step is on disk, i.e. the job sits in the delayed second step.
        QVERIFY(QTest::qWaitFor([&] { return !storedSteps(dir.path(), id).isEmpty(); }, 10000));

        const qint64 requestedAt = nowMs();
        const auto reply = await([&](auto cb) { runner.cancel(id, this, cb); });
        QVERIFY(reply && reply->ok());
        QCOMPARE(reply->job->status, JobStatus::Running);
        QVERIFY(reply->job->cancelRequested);

        QVERIFY(rec.waitTerminal(id, 5000));
        const Job done = *rec.last(id);
        QCOMPARE(done.status, JobStatus::Canceled);
        QCOMPARE(done.error, QStringLiteral("canceled by user"));
        QVERIFY(!done.result);
        QVERIFY(done.finishedAt);
        const qint64 latency = *done.finishedAt - requestedAt;
        qInfo() << "cancel latency" << latency << "ms";
        QVERIFY2(latency <= 250, qPrintable(QStringLiteral("canceled %1 ms after the request").arg(latency)));
        // The delayed step never finished.
        QCOMPARE(storedSteps(dir.path(), id).size(), 1);
    }

    void cancelFlagSurvivesProgressWrites()
    {
        // A job that keeps reporting progress after the cancel request must still end canceled,
        // and the stored job must carry cancelRequested (no lost update).
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        Failpoints::configure(QStringLiteral("analysis.step.%1=delay(3000)").arg(stepId(*m_engine, 1)));
        const auto started = await([&](auto cb) { runner.start(request(QStringLiteral("L4")), this, cb); });
        QVERIFY(started && started->ok());
        QVERIFY(rec.waitStatus(started->job->id, JobStatus::Running));
        QVERIFY(await([&](auto cb) { runner.cancel(started->job->id, this, cb); }));
        QVERIFY(rec.waitTerminal(started->job->id));
        for (const Job &u : rec.updates.value(started->job->id)) {
            if (u.status == JobStatus::Canceled)
                QVERIFY(u.cancelRequested);
        }
        LocalJobStore store(dir.path() + QStringLiteral("/jobs.sqlite"));
        QVERIFY(store.open());
        QTRY_COMPARE(store.job(started->job->id)->status, JobStatus::Canceled);
        QVERIFY(store.job(started->job->id)->cancelRequested);
    }
};

QTEST_GUILESS_MAIN(TestJobRunnerCancel)
#include "tst_jobrunner_cancel.moc"
