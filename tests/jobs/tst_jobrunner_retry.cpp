#include "RunnerFixture.h"

#include <QSignalSpy>
#include <QTemporaryDir>

using namespace dealscope;
using namespace dealscope::testing;

class TestJobRunnerRetry final : public QObject
{
    Q_OBJECT

    std::shared_ptr<const AnalysisEngine> m_engine;

private Q_SLOTS:
    void initTestCase() { m_engine = makeEngine(); }

    void cleanup() { Failpoints::configure(QString()); }

    void transientTwiceSucceedsOnAttemptThree()
    {
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        const QString failing = stepId(*m_engine, 1);
        // Step 0 takes 60 ms, so the job is no fast one and keeps its finished steps (a fast job
        // keeps none and simply runs again).
        Failpoints::configure(QStringLiteral("analysis.step.%1=delay(60);analysis.step.%2=fail(2,transient)")
                                  .arg(stepId(*m_engine, 0), failing));
        const auto started = await([&](auto cb) { runner.start(request(QStringLiteral("L1")), this, cb); });
        QVERIFY(started && started->ok());
        const QString id = started->job->id;
        QVERIFY(rec.waitTerminal(id));
        const Job done = *rec.last(id);
        QCOMPARE(done.status, JobStatus::Succeeded);
        QCOMPARE(done.attempt, 3);
        QVERIFY(done.result);

        // Each retry went back to queued with attempt + 1.
        QList<int> queuedAttempts;
        for (const Job &u : rec.updates.value(id)) {
            if (u.status == JobStatus::Queued && !queuedAttempts.contains(u.attempt))
                queuedAttempts.append(u.attempt);
        }
        QCOMPARE(queuedAttempts, (QList<int> { 1, 2, 3 }));

        // Retries continue from the checkpoint: step 0 ran once, in attempt 1; the failing step
        // finished only in attempt 3.
        const auto steps = storedSteps(dir.path(), id);
        int firstStepRuns = 0;
        for (const auto &s : steps) {
            if (s.stepIndex == 0)
                ++firstStepRuns;
            if (s.stepId == failing)
                QCOMPARE(s.attempt, 3);
        }
        QCOMPARE(firstStepRuns, 1);
    }

    void transientBeyondMaxAttemptsFails()
    {
        QTemporaryDir dir;
        LocalRunnerOptions o = options(dir.path());
        o.maxAttempts = 3;
        LocalJobRunner runner(m_engine, o);
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        Failpoints::configure(QStringLiteral("analysis.step.%1=fail(5,transient)").arg(stepId(*m_engine, 0)));
        const auto started = await([&](auto cb) { runner.start(request(QStringLiteral("L2")), this, cb); });
        QVERIFY(started && started->ok());
        QVERIFY(rec.waitTerminal(started->job->id));
        const Job done = *rec.last(started->job->id);
        QCOMPARE(done.status, JobStatus::Failed);
        QCOMPARE(done.attempt, 3);
        QVERIFY(!done.error.isEmpty());
        QVERIFY2(done.error.contains(QStringLiteral("analysis.step")), qPrintable(done.error));
    }

    void permanentFailsAtOnce()
    {
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        Failpoints::configure(QStringLiteral("analysis.step.%1=fail(1,permanent)").arg(stepId(*m_engine, 1)));
        const auto started = await([&](auto cb) { runner.start(request(QStringLiteral("L3")), this, cb); });
        QVERIFY(started && started->ok());
        QVERIFY(rec.waitTerminal(started->job->id));
        const Job done = *rec.last(started->job->id);
        QCOMPARE(done.status, JobStatus::Failed);
        QCOMPARE(done.attempt, 1);
        QVERIFY(!done.error.isEmpty());
        for (const Job &u : rec.updates.value(started->job->id))
            QCOMPARE(u.attempt, 1);
    }

    void backoffWaitsAndCancelDuringBackoffEndsIt()
    {
        QTemporaryDir dir;
        LocalRunnerOptions o = options(dir.path());
        o.retryBaseDelayMs = 1000;
        o.retryMaxDelayMs = 1000;
        LocalJobRunner runner(m_engine, o);
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        QSignalSpy due(&runner, &LocalJobRunner::retryDue);
        Failpoints::configure(QStringLiteral("analysis.step.%1=fail(1,transient)").arg(stepId(*m_engine, 0)));
        const auto started = await([&](auto cb) { runner.start(request(QStringLiteral("L4")), this, cb); });
        QVERIFY(started && started->ok());
        const QString id = started->job->id;
        QVERIFY(
            QTest::qWaitFor([&] { return rec.status(id) == JobStatus::Queued && rec.last(id)->attempt == 2; }, 10000));
        QVERIFY(rec.last(id)->partialOutput.contains(QStringLiteral("retrying")));
        const auto reply = await([&](auto cb) { runner.cancel(id, this, cb); });
        QVERIFY(reply && reply->ok());
        QCOMPARE(reply->job->status, JobStatus::Canceled);
        // The pending retry must not bring it back: its timer fires and runs nothing.
        QTRY_COMPARE_WITH_TIMEOUT(due.count(), 1, 10000);
        QCOMPARE(due.at(0).at(0).toString(), id);
        QCOMPARE(due.at(0).at(1).toBool(), false);
        QCOMPARE(*rec.status(id), JobStatus::Canceled);
        QCOMPARE(runner.activeCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestJobRunnerRetry)
#include "tst_jobrunner_retry.moc"
