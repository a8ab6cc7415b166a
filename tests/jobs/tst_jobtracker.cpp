#include "RunnerFixture.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/JobTracker.h"

#include <QDeadlineTimer>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>

using namespace dealscope;
using namespace dealscope::testing;

namespace {

// A barrier: the runner answers a fetch through its store thread and its own thread, so by the
// time the reply is here every update it emitted before has been delivered to this thread.
bool drained(LocalJobRunner &runner, const QString &jobId)
{
    QObject context;
    return await([&](auto cb) { runner.fetch(jobId, &context, cb); }).has_value();
}

} // namespace

class TestJobTracker final : public QObject
{
    Q_OBJECT

    std::shared_ptr<const AnalysisEngine> m_engine;

private Q_SLOTS:
    void initTestCase() { m_engine = makeEngine(); }

    void cleanup() { Failpoints::configure(QString()); }

    void startRecordsInFlightUntilTerminal()
    {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
        InFlightRegistry registry(settings);
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        Failpoints::configure(QStringLiteral("analysis.step.%1=delay(800)").arg(stepId(*m_engine, 1)));

        JobTracker tracker(runner, &registry, QStringLiteral("L1"), QStringLiteral("valuation"));
        QSignalSpy changed(&tracker, &JobTracker::jobChanged);
        QSignalSpy finished(&tracker, &JobTracker::finished);
        QSignalSpy errors(&tracker, &JobTracker::errorOccurred);
        QVERIFY(!tracker.isActive());
        tracker.start();
        QVERIFY(tracker.isActive()); // pending start counts as active
        tracker.start(); // ignored
        QTRY_VERIFY(tracker.job().has_value());
        const QString id = tracker.job()->id;

        // While active, the registry (a real INI file) holds the entry.
        QVERIFY(registry.contains(id));
        {
            QSettings reread(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
            const auto entries = InFlightRegistry(reread).entries();
            QCOMPARE(entries.size(), 1);
            QCOMPARE(entries.first(),
                (InFlightEntry {
                    QStringLiteral("L1"), QStringLiteral("valuation"), id, QStringLiteral("local"), QString() }));
        }
        tracker.start(); // still ignored while running
        QCOMPARE(tracker.job()->id, id);

        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        QCOMPARE(finished.count(), 1);
        const Job done = finished.at(0).at(0).value<Job>();
        QCOMPARE(done.id, id);
        QCOMPARE(done.status, JobStatus::Succeeded);
        QVERIFY(!tracker.isActive());
        QVERIFY(!registry.contains(id));
        QVERIFY(registry.entries().isEmpty());
        QVERIFY(changed.count() >= 2);
        QCOMPARE(errors.count(), 0);
        QCOMPARE(runner.jobs().size(), 1); // the ignored starts created nothing

        // Late duplicates of the terminal update do not fire finished again.
        QVERIFY(drained(runner, id));
        QCOMPARE(finished.count(), 1);
    }

    void keptEntrySurvivesTheFinishUntilTheOwnerRemovesIt()
    {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
        InFlightRegistry registry(settings);
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());

        JobTracker tracker(runner, &registry, QStringLiteral("L2"), QStringLiteral("risk_assessment"));
        QVERIFY(!tracker.keepsEntryWhenFinished());
        tracker.setKeepsEntryWhenFinished(true);
        QSignalSpy finished(&tracker, &JobTracker::finished);
        tracker.start();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        const Job done = finished.at(0).at(0).value<Job>();
        QCOMPARE(done.status, JobStatus::Succeeded);
        QVERIFY(!tracker.isActive());
        // Still recorded, in the file too, until the owner (who stores the result) removes it.
        QVERIFY(registry.contains(done.id));
        registry.sync();
        {
            QSettings reread(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
            const auto entries = InFlightRegistry(reread).entries();
            QCOMPARE(entries.size(), 1);
            QCOMPARE(entries.first().jobId, done.id);
        }
        registry.remove(done.id);
        QVERIFY(registry.entries().isEmpty());
    }

    void startAfterSuccessJoinsRecentResultOnce()
    {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
        InFlightRegistry registry(settings);
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        JobTracker tracker(runner, &registry, QStringLiteral("L2"), QStringLiteral("risk_assessment"));
        QSignalSpy finished(&tracker, &JobTracker::finished);
        QSignalSpy started(&tracker, &JobTracker::started);
        QSignalSpy changed(&tracker, &JobTracker::jobChanged);
        tracker.start();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        QCOMPARE(started.count(), 1);
        QCOMPARE(started.at(0).at(1).toBool(), false);
        const QString first = tracker.job()->id;
        // The recent success is returned (dedup) and already terminal: the start is answered
        // (started, jobChanged) but finished is not repeated for the same job.
        const int changesBefore = changed.count();
        tracker.start();
        QTRY_COMPARE(started.count(), 2);
        QCOMPARE(started.at(1).at(1).toBool(), true);
        QCOMPARE(started.at(1).at(0).value<Job>().id, first);
        QCOMPARE(changed.count(), changesBefore + 1);
        QCOMPARE(tracker.job()->id, first);
        QCOMPARE(finished.count(), 1);
        // force: a new job, a new finished.
        tracker.start(nlohmann::json::object(), true);
        QTRY_VERIFY(tracker.job()->id != first);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 20000);
        QCOMPARE(finished.at(1).at(0).value<Job>().status, JobStatus::Succeeded);
        QVERIFY(registry.entries().isEmpty());
    }

    void jobEndingBeforeTheStartReplyIsStillSeen()
    {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
        InFlightRegistry registry(settings);
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        JobTracker tracker(runner, &registry, QStringLiteral("L7"), QStringLiteral("valuation"));
        QSignalSpy finished(&tracker, &JobTracker::finished);
        tracker.start();
        // Keep this thread away from its event loop until the job is over: every update is then
        // older than the start reply, which arrives with the job still "queued".
        QDeadlineTimer deadline(20000);
        bool over = false;
        while (!over && !deadline.hasExpired()) {
            LocalJobStore store(dir.path() + QStringLiteral("/jobs.sqlite"));
            const auto all = store.open() ? store.all() : QList<Job> {};
            over = !all.isEmpty() && isTerminal(all.first().status);
            if (!over)
                QThread::msleep(10);
        }
        QVERIFY(over);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 5000);
        QCOMPARE(tracker.job()->status, JobStatus::Succeeded);
        QVERIFY(!tracker.isActive());
        QVERIFY(registry.entries().isEmpty());
    }

    void cancelEndsJobAndRegistryEntry()
    {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
        InFlightRegistry registry(settings);
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        Failpoints::configure(QStringLiteral("analysis.step.%1=delay(10000)").arg(stepId(*m_engine, 0)));
        JobTracker tracker(runner, &registry, QStringLiteral("L3"), QStringLiteral("valuation"));
        QSignalSpy finished(&tracker, &JobTracker::finished);
        tracker.start();
        tracker.cancel(); // while the start is pending: applied once the job exists
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 5000);
        const Job done = finished.at(0).at(0).value<Job>();
        QCOMPARE(done.status, JobStatus::Canceled);
        QCOMPARE(done.error, QStringLiteral("canceled by user"));
        QVERIFY(registry.entries().isEmpty());
        tracker.cancel(); // nothing left to cancel: no error, no second finished
        QVERIFY(drained(runner, done.id));
        QCOMPARE(finished.count(), 1);
    }

    void attachFindsAnotherTrackersJob()
    {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
        InFlightRegistry registry(settings);
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        Failpoints::configure(QStringLiteral("analysis.step.%1=delay(800)").arg(stepId(*m_engine, 0)));
        JobTracker first(runner, &registry, QStringLiteral("L4"), QStringLiteral("valuation"));
        first.start();
        QTRY_VERIFY(first.job().has_value());

        // By pair (no id) and by the id the registry remembered.
        JobTracker byPair(runner, nullptr, QStringLiteral("L4"), QStringLiteral("valuation"));
        JobTracker byId(runner, nullptr, QStringLiteral("L4"), QStringLiteral("valuation"));
        QSignalSpy byPairFinished(&byPair, &JobTracker::finished);
        QSignalSpy byIdFinished(&byId, &JobTracker::finished);
        byPair.attach();
        byId.attach(registry.entries().first().jobId);
        QTRY_VERIFY(byPair.job().has_value() && byId.job().has_value());
        QCOMPARE(byPair.job()->id, first.job()->id);
        QCOMPARE(byId.job()->id, first.job()->id);
        QTRY_COMPARE_WITH_TIMEOUT(byPairFinished.count(), 1, 20000);
        QTRY_COMPARE(byIdFinished.count(), 1);
        QCOMPARE(byPairFinished.count(), 1);
        QCOMPARE(byId.job()->status, JobStatus::Succeeded);
    }

    void attachToUnknownIdExpires()
    {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
        InFlightRegistry registry(settings);
        registry.put(
            { QStringLiteral("L5"), QStringLiteral("valuation"), QStringLiteral("gone"), QStringLiteral("local"), {} });
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        JobTracker tracker(runner, &registry, QStringLiteral("L5"), QStringLiteral("valuation"));
        QSignalSpy expired(&tracker, &JobTracker::expired);
        tracker.attach(QStringLiteral("gone"));
        QVERIFY(expired.wait(5000));
        QCOMPARE(expired.at(0).at(0).toString(), QStringLiteral("gone"));
        QVERIFY(tracker.isExpired());
        QVERIFY(!tracker.isActive());
        QVERIFY(registry.entries().isEmpty());
    }

    void invalidStartReportsError()
    {
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        JobTracker tracker(runner, nullptr, QStringLiteral("L6"), QStringLiteral("valuation"));
        QSignalSpy errors(&tracker, &JobTracker::errorOccurred);
        tracker.start(nlohmann::json { { "termYears", 0 } });
        QVERIFY(errors.wait(5000));
        QVERIFY(errors.at(0).at(0).toString().contains(QStringLiteral("termYears")));
        QVERIFY(!tracker.isActive());
        QVERIFY(!tracker.job());
    }
};

QTEST_GUILESS_MAIN(TestJobTracker)
#include "tst_jobtracker.moc"
