// One JobBackend contract, two backends (issue 11): the same cases run on the local runner and on
// RemoteJobBackend against the real dealscope-server, through the JobTracker the screens use.
// start → progress → result; a double start is one job; a cancel reaches the running job; a
// callback never runs inside the call.

#include "../jobs/RunnerFixture.h"
#include "RemoteFixture.h"
#include "jobs/JobTracker.h"
#include "net/RemoteJobBackend.h"

#include <QSignalSpy>

using namespace dealscope;
using namespace remotetest;

class TestBackendConformance : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    RemoteServer m_server;
    std::unique_ptr<LocalJobRunner> m_local;
    std::unique_ptr<RemoteJobBackend> m_remote;

    JobBackend &backend(const QString &kind)
    {
        return kind == u"local" ? static_cast<JobBackend &>(*m_local) : *m_remote;
    }

    // Listings both backends know: the runner's catalog and the server's file both have L1…L7.
    static constexpr const char *kSlowStep = "analysis.step.market_intelligence.percentiles=delay(60000)";

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<dealscope::Job>();
        QVERIFY(m_dir.isValid());
        // The slow step in this process (local runner) and in the server.
        const QString failpoints = QString::fromLatin1(kSlowStep) + u";analysis.step.summary=delay(300)";
        Failpoints::configure(failpoints);
        LocalRunnerOptions options;
        options.dataDir = m_dir.path();
        m_local = std::make_unique<LocalJobRunner>(testing::makeEngine(10), options);
        QVERIFY(m_local->open());
        QVERIFY(!m_server.addToken().isEmpty());
        QVERIFY(m_server.start({}, failpoints));
        m_remote = std::make_unique<RemoteJobBackend>(m_server.base());
        m_remote->setToken(QString::fromLatin1(m_server.token()));
    }

    void startProgressResult_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("local") << QStringLiteral("local");
        QTest::newRow("remote") << QStringLiteral("remote");
    }
    void startProgressResult()
    {
        QFETCH(QString, kind);
        JobBackend &b = backend(kind);
        JobTracker tracker(b, nullptr, QStringLiteral("L1"), QStringLiteral("valuation"));
        QList<Job> changes;
        connect(&tracker, &JobTracker::jobChanged, this, [&](const Job &job) { changes.append(job); });
        QSignalSpy finished(&tracker, &JobTracker::finished);
        QSignalSpy started(&tracker, &JobTracker::started);
        tracker.start({ { "termYears", 12 } }, /*force=*/true);
        QCOMPARE(started.count(), 0); // never inside the call
        QVERIFY(finished.wait(60000));
        QCOMPARE(started.count(), 1);
        const Job done = finished.first().first().value<Job>();
        QCOMPARE(done.status, JobStatus::Succeeded);
        QCOMPARE(done.backend, kind);
        QVERIFY(done.result);
        const auto &metrics = (*done.result)["metrics"];
        QCOMPARE(metrics["loanAmount"].get<double>(), 0.9 * metrics["askingPrice"].get<double>());
        QVERIFY(!changes.isEmpty());
        QCOMPARE(changes.last().status, JobStatus::Succeeded);
        for (qsizetype i = 1; i < changes.size(); ++i) {
            if (changes[i].attempt == changes[i - 1].attempt)
                QVERIFY(changes[i].progress >= changes[i - 1].progress);
        }
        QCOMPARE(changes.last().progress, 100.0);
    }

    void doubleStartIsOneJob_data() { startProgressResult_data(); }
    void doubleStartIsOneJob()
    {
        QFETCH(QString, kind);
        JobBackend &b = backend(kind);
        std::optional<BackendReply> first, second;
        const StartRequest request { QStringLiteral("L2"), QStringLiteral("market_intelligence"),
            nlohmann::json::object(), true, {} };
        b.start(request, this, [&](const BackendReply &r) { first = r; });
        b.start(request, this, [&](const BackendReply &r) { second = r; });
        QVERIFY(waitFor([&] { return first && second; }, 30000));
        QVERIFY2(first->ok() && second->ok(), qPrintable(first->message + second->message));
        QCOMPARE(first->job->id, second->job->id);
        QCOMPARE(int(first->deduplicated) + int(second->deduplicated), 1);
        // Cleans up: the slow job would hold the pair.
        std::optional<BackendReply> canceled;
        b.cancel(first->job->id, this, [&](const BackendReply &r) { canceled = r; });
        QVERIFY(waitFor([&] { return canceled.has_value(); }, 30000));
    }

    void cancelReachesTheRunningJob_data() { startProgressResult_data(); }
    void cancelReachesTheRunningJob()
    {
        QFETCH(QString, kind);
        JobBackend &b = backend(kind);
        JobTracker tracker(b, nullptr, QStringLiteral("L3"), QStringLiteral("market_intelligence"));
        QSignalSpy finished(&tracker, &JobTracker::finished);
        bool running = false;
        connect(&tracker, &JobTracker::jobChanged, this, [&](const Job &job) {
            // Running: the slow step is ahead of it (or under way), and cancel must reach it there.
            running = running || job.status == JobStatus::Running;
        });
        tracker.start({}, true);
        QVERIFY(waitFor([&] { return running; }, 30000));
        tracker.cancel();
        QVERIFY(finished.wait(30000));
        const Job done = finished.first().first().value<Job>();
        QCOMPARE(done.status, JobStatus::Canceled);
        QCOMPARE(done.error, QStringLiteral("canceled by user"));
        QVERIFY(!done.result);
    }

    void cleanupTestCase()
    {
        m_remote.reset();
        m_local.reset();
        QCOMPARE(m_server.process().terminate(), 0);
    }
};

QTEST_GUILESS_MAIN(TestBackendConformance)
#include "tst_backend_conformance.moc"
