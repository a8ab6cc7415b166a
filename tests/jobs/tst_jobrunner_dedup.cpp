#include "RunnerFixture.h"

#include <QMutex>
#include <QSet>
#include <QTemporaryDir>
#include <QThread>

#include <atomic>

using namespace dealscope;
using namespace dealscope::testing;

class TestJobRunnerDedup final : public QObject
{
    Q_OBJECT

    std::shared_ptr<const AnalysisEngine> m_engine;

private Q_SLOTS:
    void initTestCase() { m_engine = makeEngine(); }

    void cleanup() { Failpoints::configure(QString()); }

    void fiftyConcurrentStartsMakeOneJob()
    {
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        // Keep the job active for the whole burst.
        Failpoints::configure(QStringLiteral("analysis.step.%1=delay(1500)").arg(stepId(*m_engine, 0)));

        QMutex mutex;
        QList<BackendReply> replies;
        std::atomic_int ready { 0 };
        std::atomic_bool go { false };
        QList<QThread *> threads;
        for (int i = 0; i < 50; ++i) {
            threads.append(QThread::create([&] {
                ++ready;
                while (!go.load())
                    QThread::yieldCurrentThread();
                runner.start(request(QStringLiteral("L7")), this, [&](const BackendReply &r) {
                    QMutexLocker lock(&mutex);
                    replies.append(r);
                });
            }));
            threads.last()->start();
        }
        QVERIFY(QTest::qWaitFor([&] { return ready.load() == 50; }, 10000));
        go.store(true);
        for (QThread *t : threads) {
            QVERIFY(t->wait(10000));
            delete t;
        }
        QTRY_COMPARE_WITH_TIMEOUT(replies.size(), 50, 10000);

        QSet<QString> ids;
        int fresh = 0;
        for (const BackendReply &r : std::as_const(replies)) {
            QVERIFY(r.ok());
            ids.insert(r.job->id);
            if (!r.deduplicated)
                ++fresh;
        }
        QCOMPARE(ids.size(), 1);
        QCOMPARE(fresh, 1);
        QVERIFY(rec.waitTerminal(*ids.cbegin()));
        QCOMPARE(runner.jobs().size(), 1);
    }

    void recentSuccessReturnedUnlessForced()
    {
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        const auto first = await([&](auto cb) { runner.start(request(QStringLiteral("L1")), this, cb); });
        QVERIFY(first && first->ok());
        QVERIFY(rec.waitTerminal(first->job->id));
        QCOMPARE(*rec.status(first->job->id), JobStatus::Succeeded);
        QTRY_COMPARE(runner.activeCount(), 0);

        const auto again = await([&](auto cb) { runner.start(request(QStringLiteral("L1")), this, cb); });
        QVERIFY(again && again->ok());
        QVERIFY(again->deduplicated);
        QCOMPARE(again->job->id, first->job->id);
        QCOMPARE(again->job->status, JobStatus::Succeeded);
        QVERIFY(again->job->result);

        // Another type or listing is another pair.
        const auto other = await(
            [&](auto cb) { runner.start(request(QStringLiteral("L1"), QStringLiteral("risk_assessment")), this, cb); });
        QVERIFY(other && other->ok() && !other->deduplicated);

        const auto forced = await([&](auto cb) {
            runner.start(request(QStringLiteral("L1"), QStringLiteral("valuation"), {}, true), this, cb);
        });
        QVERIFY(forced && forced->ok());
        QVERIFY(!forced->deduplicated);
        QVERIFY(forced->job->id != first->job->id);
        QVERIFY(rec.waitTerminal(forced->job->id));
        QVERIFY(rec.waitTerminal(other->job->id));
    }

    void recentSuccessSurvivesRestart()
    {
        QTemporaryDir dir;
        QString firstId;
        {
            LocalJobRunner runner(m_engine, options(dir.path()));
            QVERIFY(runner.open());
            UpdateRecorder rec(runner);
            const auto first = await([&](auto cb) { runner.start(request(QStringLiteral("L5")), this, cb); });
            QVERIFY(first && first->ok());
            firstId = first->job->id;
            QVERIFY(rec.waitTerminal(firstId));
        }
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        const auto again = await([&](auto cb) { runner.start(request(QStringLiteral("L5")), this, cb); });
        QVERIFY(again && again->ok());
        QVERIFY(again->deduplicated);
        QCOMPARE(again->job->id, firstId);
    }

    void expiredSuccessDoesNotBlock()
    {
        QTemporaryDir dir;
        LocalRunnerOptions o = options(dir.path());
        o.recentSuccessWindowMs = 0;
        LocalJobRunner runner(m_engine, o);
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        const auto first = await([&](auto cb) { runner.start(request(QStringLiteral("L1")), this, cb); });
        QVERIFY(first && first->ok());
        QVERIFY(rec.waitTerminal(first->job->id));
        const auto again = await([&](auto cb) { runner.start(request(QStringLiteral("L1")), this, cb); });
        QVERIFY(again && again->ok());
        QVERIFY(!again->deduplicated);
        QVERIFY(again->job->id != first->job->id);
        QVERIFY(rec.waitTerminal(again->job->id));
    }

    void failedAndCanceledNeverBlock()
    {
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        Failpoints::configure(QStringLiteral("analysis.step.%1=fail(1,permanent)").arg(stepId(*m_engine, 0)));
        const auto failed = await([&](auto cb) { runner.start(request(QStringLiteral("L2")), this, cb); });
        QVERIFY(failed && failed->ok());
        QVERIFY(rec.waitTerminal(failed->job->id));
        QCOMPARE(*rec.status(failed->job->id), JobStatus::Failed);

        const auto next = await([&](auto cb) { runner.start(request(QStringLiteral("L2")), this, cb); });
        QVERIFY(next && next->ok());
        QVERIFY(!next->deduplicated);
        QVERIFY(next->job->id != failed->job->id);

        Failpoints::configure(QStringLiteral("analysis.step.%1=delay(5000)").arg(stepId(*m_engine, 0)));
        const auto slow = await([&](auto cb) { runner.start(request(QStringLiteral("L3")), this, cb); });
        QVERIFY(slow && slow->ok());
        const auto canceled = await([&](auto cb) { runner.cancel(slow->job->id, this, cb); });
        QVERIFY(canceled && canceled->ok());
        QVERIFY(rec.waitTerminal(slow->job->id));
        QCOMPARE(*rec.status(slow->job->id), JobStatus::Canceled);
        Failpoints::configure(QString());
        const auto after = await([&](auto cb) { runner.start(request(QStringLiteral("L3")), this, cb); });
        QVERIFY(after && after->ok());
        QVERIFY(!after->deduplicated);
        QVERIFY(after->job->id != slow->job->id);
        QVERIFY(rec.waitTerminal(after->job->id));
        QVERIFY(rec.waitTerminal(next->job->id));
    }
};

QTEST_GUILESS_MAIN(TestJobRunnerDedup)
#include "tst_jobrunner_dedup.moc"
