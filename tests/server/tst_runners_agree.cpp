// The local runner and the server's workers run one execution core (AttemptRunner): the same
// scenario ends the same way on both — status, error text, attempt and result.

#include "../jobs/RunnerFixture.h"
#include "analysis/AnalysisError.h"
#include "jobs/AttemptRunner.h"
#include "jobs/JobId.h"
#include "server/store/MemoryJobStore.h"
#include "server/worker/WorkerPool.h"

#include <QTemporaryDir>
#include <QTest>

using namespace dealscope;
using namespace dealscope::testing;

namespace {

struct Scenario
{
    QString failpoints;
    int timeoutSeconds = 60;
    bool cancelWhenRunning = false;
};

// What users see of a finished job, minus ids and times.
struct Ending
{
    JobStatus status = JobStatus::Queued;
    QString error;
    int attempt = 0;
    SharedJson result;
    double progress = 0;
};

} // namespace

class TestRunnersAgree final : public QObject
{
    Q_OBJECT

    std::shared_ptr<const AnalysisEngine> m_engine = makeEngine();

    std::optional<Ending> runLocally(const Scenario &scenario)
    {
        Failpoints::configure(scenario.failpoints);
        QTemporaryDir dir;
        LocalRunnerOptions o = options(dir.path(), 1);
        o.timeoutSeconds = scenario.timeoutSeconds;
        LocalJobRunner runner(m_engine, o);
        if (!runner.open())
            return std::nullopt;
        UpdateRecorder rec(runner);
        const auto started = await([&](auto cb) { runner.start(request(QStringLiteral("L3")), this, cb); });
        if (!started || !started->ok())
            return std::nullopt;
        const QString id = started->job->id;
        if (scenario.cancelWhenRunning) {
            if (!rec.waitStatus(id, JobStatus::Running))
                return std::nullopt;
            await([&](auto cb) { runner.cancel(id, this, cb); });
        }
        if (!rec.waitTerminal(id, 60000))
            return std::nullopt;
        const Job job = *rec.last(id);
        return Ending { job.status, job.error, job.attempt, job.result, job.progress };
    }

    std::optional<Ending> runOnTheServer(const Scenario &scenario)
    {
        Failpoints::configure(scenario.failpoints);
        server::MemoryJobStore store { server::StoreSettings {} };
        server::WorkerPool::Settings settings;
        settings.workers = 1;
        settings.jobTimeoutSecs = scenario.timeoutSeconds;
        settings.retryBaseDelayMs = 10;
        settings.processName = QStringLiteral("test");
        server::WorkerPool pool(settings, &store, m_engine, nullptr);
        Job candidate;
        candidate.id = generateJobId();
        candidate.owner = QStringLiteral("acme");
        candidate.listingId = QStringLiteral("L3");
        candidate.analysisType = QStringLiteral("valuation");
        candidate.createdAt = candidate.updatedAt = nowMs();
        const QString id = store.start(candidate, false).job.id;
        pool.start();
        auto current = [&] { return store.get(id); };
        if (scenario.cancelWhenRunning) {
            if (!QTest::qWaitFor([&] { return current() && current()->status == JobStatus::Running; }, 20000))
                return std::nullopt;
            store.cancel(QStringLiteral("acme"), id);
        }
        if (!QTest::qWaitFor([&] { return current() && isTerminal(current()->status); }, 60000))
            return std::nullopt;
        const Job job = *current();
        return Ending { job.status, job.error, job.attempt, job.result, job.progress };
    }

    void compareBoth(const Scenario &scenario, JobStatus expected)
    {
        const auto local = runLocally(scenario);
        QVERIFY2(local, "the local runner did not finish the job");
        const auto remote = runOnTheServer(scenario);
        QVERIFY2(remote, "the server's workers did not finish the job");
        QCOMPARE(local->status, expected);
        QCOMPARE(remote->status, local->status);
        QCOMPARE(remote->error, local->error);
        QCOMPARE(remote->attempt, local->attempt);
        if (expected == JobStatus::Succeeded)
            QCOMPARE(remote->progress, local->progress);
        QCOMPARE(remote->result.has_value(), local->result.has_value());
        if (local->result)
            QVERIFY(*remote->result == *local->result);
    }

private Q_SLOTS:
    void cleanup() { Failpoints::configure(QString()); }

    void success() { compareBoth({}, JobStatus::Succeeded); }

    void permanentFailure()
    {
        compareBoth({ QStringLiteral("analysis.step.sde_multiple=fail(1,permanent)") }, JobStatus::Failed);
    }

    void transientTwiceThenSuccess()
    {
        compareBoth({ QStringLiteral("analysis.step.sde_multiple=fail(2,transient)") }, JobStatus::Succeeded);
    }

    void transientUntilGivingUp()
    {
        const Scenario s { QStringLiteral("analysis.step.sde_multiple=fail(100,transient)") };
        compareBoth(s, JobStatus::Failed);
        const auto local = runLocally(s);
        QVERIFY(local);
        QCOMPARE(local->attempt, 3);
        QCOMPARE(local->error,
            AttemptRunner::gaveUpMessage(
                QStringLiteral("injected transient failure at failpoint analysis.step.sde_multiple"), 3));
    }

    void timeout()
    {
        const Scenario s { QStringLiteral("analysis.step.benchmarks=delay(30000)"), 1 };
        compareBoth(s, JobStatus::Failed);
        QCOMPARE(runLocally(s)->error, QStringLiteral("timed out after 1 s"));
    }

    void cancelWhileRunning()
    {
        const Scenario s { QStringLiteral("analysis.step.benchmarks=delay(30000)"), 60, true };
        compareBoth(s, JobStatus::Canceled);
        QCOMPARE(runLocally(s)->error, AnalysisError::canceledByUserText());
    }
};

QTEST_GUILESS_MAIN(TestRunnersAgree)
#include "tst_runners_agree.moc"
