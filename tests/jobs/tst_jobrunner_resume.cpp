#include "RunnerFixture.h"
#include "jobs/AttemptRunner.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>

#include <csignal>
#include <cstring>

using namespace dealscope;
using namespace dealscope::testing;

namespace {
constexpr const char *kChildFlag = "--child-run";
}

// Crash resume (SPEC §3): a process running a job is killed with SIGKILL mid-pipeline; a new
// runner on the same data folder resumes it from its last finished step, not from step one.
class TestJobRunnerResume final : public QObject
{
    Q_OBJECT

    std::shared_ptr<const AnalysisEngine> m_engine;

    nlohmann::json uninterruptedResult(const QString &listing)
    {
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path()));
        if (!runner.open())
            return {};
        UpdateRecorder rec(runner);
        const auto started = await([&](auto cb) { runner.start(request(listing), this, cb); });
        if (!started || !started->ok() || !rec.waitTerminal(started->job->id))
            return {};
        const auto job = rec.last(started->job->id);
        return job->result ? *job->result : nlohmann::json();
    }

private Q_SLOTS:
    void initTestCase() { m_engine = makeEngine(); }

    void cleanup() { Failpoints::configure(QString()); }

    void sigkillMidJobResumesFromCheckpoint()
    {
        QTemporaryDir dir;
        const QString delayed = stepId(*m_engine, 2);
        QVERIFY(!delayed.isEmpty());

        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(
            QStringLiteral("DEALSCOPE_FAILPOINTS"), QStringLiteral("analysis.step.%1=delay(60000)").arg(delayed));
        child.setProcessEnvironment(env);
        child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        child.start(QCoreApplication::applicationFilePath(), { QLatin1String(kChildFlag), dir.path() });
        QVERIFY(child.waitForStarted());

        // Wait until steps 0 and 1 are on disk: the child now sits in step 2.
        QString jobId;
        QVERIFY(QTest::qWaitFor(
            [&] {
                LocalJobStore store(dir.path() + QStringLiteral("/jobs.sqlite"));
                if (!store.open())
                    return false;
                const auto unfinished = store.unfinished();
                if (unfinished.isEmpty())
                    return false;
                jobId = unfinished.first().job.id;
                return store.steps(jobId).size() >= 2;
            },
            60000));
        ::kill(pid_t(child.processId()), SIGKILL);
        QVERIFY(child.waitForFinished(10000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);

        {
            LocalJobStore store(dir.path() + QStringLiteral("/jobs.sqlite"));
            QVERIFY(store.open());
            const auto stored = store.load(jobId);
            QVERIFY(stored);
            QCOMPARE(stored->job.status, JobStatus::Running);
            QVERIFY(stored->checkpoint);
            QCOMPARE(stored->checkpoint->at("nextStep").get<int>(), 2);
        }

        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        QCOMPARE(runner.resumeInterrupted(), 1);
        QCOMPARE(runner.activeCount(), 1);
        // The pair is active again: a new start joins it.
        const auto joined = await([&](auto cb) { runner.start(request(QStringLiteral("L9")), this, cb); });
        QVERIFY(joined && joined->ok());
        QVERIFY(joined->deduplicated);
        QCOMPARE(joined->job->id, jobId);

        QVERIFY(rec.waitTerminal(jobId));
        const Job done = *rec.last(jobId);
        QCOMPARE(done.status, JobStatus::Succeeded);
        QCOMPARE(done.attempt, 2);

        const auto steps = storedSteps(dir.path(), jobId);
        const int total = int(m_engine->steps(AnalysisType::Valuation).size());
        QCOMPARE(steps.size(), total); // each step finished exactly once
        for (const auto &s : steps) {
            QCOMPARE(s.attempt, s.stepIndex < 2 ? 1 : 2);
            QCOMPARE(s.stepId, stepId(*m_engine, s.stepIndex));
        }
        QCOMPARE(runner.resumeInterrupted(), 0);

        // Same answer as a run that was never interrupted.
        const nlohmann::json expected = uninterruptedResult(QStringLiteral("L9"));
        QVERIFY(!expected.is_null());
        QVERIFY2(*done.result == expected, done.result->dump().c_str());
    }

    void shutdownHandsTheJobBackInItsAttempt()
    {
        QTemporaryDir dir;
        QString jobId;
        Failpoints::configure(QStringLiteral("analysis.step.%1=delay(60000)").arg(stepId(*m_engine, 1)));
        {
            auto runner = std::make_unique<LocalJobRunner>(m_engine, options(dir.path()));
            QVERIFY(runner->open());
            const auto started = await([&](auto cb) { runner->start(request(QStringLiteral("L8")), this, cb); });
            QVERIFY(started && started->ok());
            jobId = started->job->id;
            QVERIFY(QTest::qWaitFor([&] { return storedSteps(dir.path(), jobId).size() == 1; }, 10000));
            QElapsedTimer t;
            t.start();
            runner.reset(); // returns once the running step reaches a cancel point
            qInfo() << "runner shut down in" << t.elapsed() << "ms with a job mid-step";
        }
        // Closing the app is not a failure (SPEC §3, hand-back): the job waits in the queue with
        // its attempt and its last finished step.
        {
            LocalJobStore store(dir.path() + QStringLiteral("/jobs.sqlite"));
            QVERIFY(store.open());
            const auto stored = store.load(jobId);
            QVERIFY(stored);
            QCOMPARE(stored->job.status, JobStatus::Queued);
            QCOMPARE(stored->job.attempt, 1);
            QVERIFY(stored->checkpoint);
            QCOMPARE(stored->checkpoint->at("nextStep").get<int>(), 1);
        }
        Failpoints::configure(QString());
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        QCOMPARE(runner.resumeInterrupted(), 1);
        QVERIFY(rec.waitTerminal(jobId));
        QCOMPARE(*rec.status(jobId), JobStatus::Succeeded);
        QCOMPARE(rec.last(jobId)->attempt, 1);
        const auto steps = storedSteps(dir.path(), jobId);
        QCOMPARE(steps.size(), int(m_engine->steps(AnalysisType::Valuation).size())); // none ran twice
        for (const auto &s : steps)
            QCOMPARE(s.attempt, 1);
    }

    void interruptedInLastAttemptFailsInsteadOfResuming()
    {
        QTemporaryDir dir;
        QString jobId;
        // Attempts 1..3 each die (SIGKILL) mid-step 1, as in an app that crashes every time it
        // runs this job.
        for (int attempt = 1; attempt <= 3; ++attempt) {
            QProcess child;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("DEALSCOPE_FAILPOINTS"),
                QStringLiteral("analysis.step.%1=delay(60000)").arg(stepId(*m_engine, 1)));
            child.setProcessEnvironment(env);
            child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
            child.start(QCoreApplication::applicationFilePath(),
                { QLatin1String(kChildFlag), dir.path(), QStringLiteral("L7") });
            QVERIFY(child.waitForStarted());
            // Step 0 is on disk (attempt 1) and this attempt sits in its stalled step 1.
            QVERIFY(QTest::qWaitFor(
                [&] {
                    LocalJobStore store(dir.path() + QStringLiteral("/jobs.sqlite"));
                    if (!store.open())
                        return false;
                    const auto unfinished = store.unfinished();
                    if (unfinished.isEmpty())
                        return false;
                    jobId = unfinished.first().job.id;
                    return !store.steps(jobId).isEmpty() && unfinished.first().job.status == JobStatus::Running
                        && unfinished.first().job.attempt == attempt;
                },
                30000));
            ::kill(pid_t(child.processId()), SIGKILL);
            QVERIFY(child.waitForFinished(10000));
        }

        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        QCOMPARE(runner.resumeInterrupted(), 0);
        QCOMPARE(runner.activeCount(), 0);
        QVERIFY(rec.waitTerminal(jobId));
        const Job failed = *rec.last(jobId);
        QCOMPARE(failed.status, JobStatus::Failed);
        QCOMPARE(failed.attempt, 3);
        QCOMPARE(failed.error, AttemptRunner::interruptedMessage(3, 3));
        QVERIFY(failed.error.startsWith(QStringLiteral("interrupted during attempt 3")));
        // The pair is free again: a new start makes a new job that runs to the end.
        const auto again = await([&](auto cb) { runner.start(request(QStringLiteral("L7")), this, cb); });
        QVERIFY(again && again->ok());
        QVERIFY(!again->deduplicated);
        QVERIFY(again->job->id != jobId);
        QVERIFY(rec.waitTerminal(again->job->id));
        QCOMPARE(*rec.status(again->job->id), JobStatus::Succeeded);
        // Failed for good: it is not picked up again.
        QCOMPARE(runner.resumeInterrupted(), 0);
    }

    void cancelRequestedBeforeCrashEndsCanceled()
    {
        QTemporaryDir dir;
        Job job;
        {
            LocalJobStore store(dir.path() + QStringLiteral("/jobs.sqlite"));
            QVERIFY(store.open());
            job.id = QStringLiteral("V1StGXR8_Z5jdHi6B-myT");
            job.owner = QStringLiteral("local");
            job.listingId = QStringLiteral("L1");
            job.analysisType = QStringLiteral("valuation");
            job.status = JobStatus::Running;
            job.cancelRequested = true;
            job.createdAt = job.updatedAt = nowMs();
            QVERIFY(store.saveJob(job));
        }
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        QCOMPARE(runner.resumeInterrupted(), 0);
        QVERIFY(rec.waitTerminal(job.id));
        QCOMPARE(*rec.status(job.id), JobStatus::Canceled);
        QCOMPARE(rec.last(job.id)->error, QStringLiteral("canceled by user"));
    }
};

// The child: runs one valuation job of listing argv[3] (default L9) in the data folder argv[2]
// until it is killed; a job left unfinished there by an earlier child is resumed instead.
static int runChild(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    auto engine = makeEngine();
    LocalJobRunner runner(engine, options(QString::fromLocal8Bit(argv[2])));
    if (!runner.open())
        return 3;
    const QString listing = argc >= 4 ? QString::fromLocal8Bit(argv[3]) : QStringLiteral("L9");
    if (runner.resumeInterrupted() == 0) {
        runner.start(request(listing), &app, [](const BackendReply &r) {
            if (!r.ok())
                QCoreApplication::exit(4);
        });
    }
    QObject::connect(&runner, &LocalJobRunner::idle, &app, [] { QCoreApplication::exit(0); });
    return app.exec();
}

int main(int argc, char **argv)
{
    if (argc >= 3 && std::strcmp(argv[1], kChildFlag) == 0)
        return runChild(argc, argv);
    QCoreApplication app(argc, argv);
    TestJobRunnerResume test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_jobrunner_resume.moc"
