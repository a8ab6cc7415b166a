// AnalysisController without the window: the real local runner, a real INI for the in-flight
// registry and the real results library on its storage thread.
#include "../jobs/RunnerFixture.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/JobTracker.h"
#include "mainwindow/AnalysisController.h"
#include "storage/AsyncResultsLibrary.h"

#include <QSettings>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>

using namespace dealscope;
using namespace dealscope::testing;
using namespace dealscope::ui;
using namespace Qt::Literals::StringLiterals;

class TestAnalysisController final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // A Re-run clicked while the pair's last result is still being written to the library must not
    // replace that job's in-flight entry: a crash then would lose the result (neither stored nor
    // resumed). The new start waits for the write, then runs.
    void rerunWaitsUntilThePreviousResultIsStored()
    {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(u"settings.ini"_s), QSettings::IniFormat);
        InFlightRegistry registry(settings);
        LocalJobRunner runner(makeEngine(), options(dir.path()));
        QVERIFY(runner.open());
        const QString libraryFile = dir.filePath(u"library.sqlite"_s);
        AsyncResultsLibrary library;
        library.open(libraryFile);
        AnalysisController controller(runner, &registry, &library, {});
        QSignalSpy finished(&controller, &AnalysisController::jobFinished);
        QSignalSpy stored(&controller, &AnalysisController::resultStored);
        // The order things happen in: the Re-run's job must appear only after the first result is stored.
        QStringList events;
        QString firstId;
        connect(&controller, &AnalysisController::resultStored, this,
                [&](const QString &jobId) { events << u"stored "_s + jobId; });
        connect(&controller, &AnalysisController::jobChanged, this, [&](const Job &job) {
            if (!firstId.isEmpty() && job.id != firstId && !events.contains(u"new job"_s))
                events << u"new job"_s;
        });

        // Another connection holds the write lock: the library's write waits (busy timeout).
        {
            QSqlDatabase lock = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"lock"_s);
            lock.setDatabaseName(libraryFile);
            QVERIFY(lock.open());
            QSqlQuery q(lock);
            QVERIFY(q.exec(u"BEGIN EXCLUSIVE"_s));

            controller.start(u"L1"_s, u"valuation"_s, nlohmann::json::object(), false);
            QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
            const Job first = finished.at(0).at(0).value<Job>();
            QCOMPARE(first.status, JobStatus::Succeeded);
            QCOMPARE(stored.count(), 0);
            firstId = first.id;

            controller.start(u"L1"_s, u"valuation"_s, nlohmann::json::object(), true);   // Re-run
            const JobTracker *tracker = controller.tracker(u"L1"_s, u"valuation"_s);
            QVERIFY(tracker);
            QVERIFY(!tracker->isActive());                                // not started yet
            QVERIFY(controller.isActive(u"L1"_s, u"valuation"_s));        // but shown as on its way
            QCOMPARE(tracker->job()->id, first.id);
            QVERIFY(registry.contains(first.id));

            QVERIFY(q.exec(u"ROLLBACK"_s));
            q.finish();
            lock.close();
            QTRY_VERIFY_WITH_TIMEOUT(stored.count() >= 1, 10000);
            QCOMPARE(stored.at(0).at(0).toString(), first.id);

            // Then the Re-run starts, runs and is stored too; both entries leave the registry.
            QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 20000);
            QCOMPARE(events.value(0), u"stored "_s + first.id);
            QCOMPARE(events.value(1), u"new job"_s);
            const Job second = finished.at(1).at(0).value<Job>();
            QVERIFY(second.id != first.id);
            QCOMPARE(second.status, JobStatus::Succeeded);
            QTRY_COMPARE_WITH_TIMEOUT(stored.count(), 2, 10000);
            QTRY_VERIFY(registry.entries().isEmpty());
            QVERIFY(!controller.isActive(u"L1"_s, u"valuation"_s));
        }
        QSqlDatabase::removeDatabase(u"lock"_s);
    }

    void cancelDropsARerunThatIsStillWaiting()
    {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(u"settings.ini"_s), QSettings::IniFormat);
        InFlightRegistry registry(settings);
        LocalJobRunner runner(makeEngine(), options(dir.path()));
        QVERIFY(runner.open());
        const QString libraryFile = dir.filePath(u"library.sqlite"_s);
        AsyncResultsLibrary library;
        library.open(libraryFile);
        AnalysisController controller(runner, &registry, &library, {});
        QSignalSpy finished(&controller, &AnalysisController::jobFinished);
        QSignalSpy stored(&controller, &AnalysisController::resultStored);
        {
            QSqlDatabase lock = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"lock2"_s);
            lock.setDatabaseName(libraryFile);
            QVERIFY(lock.open());
            QSqlQuery q(lock);
            QVERIFY(q.exec(u"BEGIN EXCLUSIVE"_s));
            controller.start(u"L2"_s, u"risk_assessment"_s, nlohmann::json::object(), false);
            QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
            controller.start(u"L2"_s, u"risk_assessment"_s, nlohmann::json::object(), true);
            QVERIFY(controller.isActive(u"L2"_s, u"risk_assessment"_s));
            controller.cancel(u"L2"_s, u"risk_assessment"_s);
            QVERIFY(!controller.isActive(u"L2"_s, u"risk_assessment"_s));
            QVERIFY(q.exec(u"ROLLBACK"_s));
            q.finish();
            lock.close();
        }
        QSqlDatabase::removeDatabase(u"lock2"_s);
        QTRY_COMPARE_WITH_TIMEOUT(stored.count(), 1, 10000);
        QTRY_VERIFY(registry.entries().isEmpty());
        // The canceled Re-run never reached the runner: one job only.
        QVERIFY(!controller.isActive(u"L2"_s, u"risk_assessment"_s));
        QCOMPARE(runner.jobs().size(), 1);
        QCOMPARE(finished.count(), 1);
    }
};

QTEST_MAIN(TestAnalysisController)
#include "tst_analysiscontroller.moc"
