#include "RunnerFixture.h"

#include <QTemporaryDir>

using namespace dealscope;
using namespace dealscope::testing;

class TestJobRunnerTimeout final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup() { Failpoints::configure(QString()); }

    void attemptTimesOut()
    {
        const auto engine = makeEngine();
        QTemporaryDir dir;
        LocalRunnerOptions o = options(dir.path());
        o.timeoutSeconds = 1;
        LocalJobRunner runner(engine, o);
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        Failpoints::configure(QStringLiteral("analysis.step.%1=delay(5000)").arg(stepId(*engine, 1)));
        const auto started = await([&](auto cb) { runner.start(request(QStringLiteral("L1")), this, cb); });
        QVERIFY(started && started->ok());
        QVERIFY(rec.waitTerminal(started->job->id, 10000));
        const Job done = *rec.last(started->job->id);
        QCOMPARE(done.status, JobStatus::Failed);
        QCOMPARE(done.error, QStringLiteral("timed out after 1 s"));
        QCOMPARE(done.attempt, 1); // a timeout is not retried
        QVERIFY(!done.result);
        const qint64 took = *done.finishedAt - *done.startedAt;
        QVERIFY2(took >= 900 && took < 4000, qPrintable(QString::number(took)));
        QVERIFY(!done.cancelRequested);
    }

    void fastJobIsUnaffected()
    {
        const auto engine = makeEngine();
        QTemporaryDir dir;
        LocalRunnerOptions o = options(dir.path());
        o.timeoutSeconds = 1;
        LocalJobRunner runner(engine, o);
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        Failpoints::configure(QStringLiteral("analysis.step.%1=delay(300)").arg(stepId(*engine, 1)));
        const auto started = await([&](auto cb) { runner.start(request(QStringLiteral("L2")), this, cb); });
        QVERIFY(started && started->ok());
        QVERIFY(rec.waitTerminal(started->job->id, 10000));
        QCOMPARE(*rec.status(started->job->id), JobStatus::Succeeded);
    }
};

QTEST_GUILESS_MAIN(TestJobRunnerTimeout)
#include "tst_jobrunner_timeout.moc"
