// AnalysisController without the window: the real local runner, a real INI for the in-flight
// registry and the real results library on its storage thread.
#include "../jobs/RunnerFixture.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/JobTracker.h"
#include "storage/AsyncResultsLibrary.h"
#include "ui/mainwindow/AnalysisController.h"

#include <QSettings>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>

using namespace dealscope;
using namespace dealscope::testing;
using namespace dealscope::ui;
using namespace Qt::Literals::StringLiterals;

namespace {

// The controller over real parts in a temp folder, with spies on what users see finish and store.
struct ControllerSetup
{
    QTemporaryDir dir;
    QSettings settings { dir.filePath(u"settings.ini"_s), QSettings::IniFormat };
    InFlightRegistry registry { settings };
    LocalJobRunner runner { makeEngine(), options(dir.path()) };
    QString libraryFile = dir.filePath(u"library.sqlite"_s);
    AsyncResultsLibrary library;
    AnalysisController controller { runner, &registry, &library, {} };
    QSignalSpy finished { &controller, &AnalysisController::jobFinished };
    QSignalSpy stored { &controller, &AnalysisController::resultStored };

    bool open()
    {
        library.open(libraryFile);
        return runner.open();
    }
};

// Another connection holding the library's write lock: its writes wait (SQLite busy timeout)
// until release().
class LibraryWriteLock final
{
public:
    explicit LibraryWriteLock(const QString &file)
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, kConnection);
        db.setDatabaseName(file);
        m_locked = db.open() && QSqlQuery(db).exec(u"BEGIN EXCLUSIVE"_s);
    }
    ~LibraryWriteLock()
    {
        release();
        QSqlDatabase::removeDatabase(kConnection);
    }
    bool isLocked() const { return m_locked; }
    bool release()
    {
        QSqlDatabase db = QSqlDatabase::database(kConnection, false);
        if (!db.isOpen())
            return false;
        const bool ok = QSqlQuery(db).exec(u"ROLLBACK"_s);
        db.close();
        m_locked = false;
        return ok;
    }

private:
    static inline const QString kConnection = u"library-write-lock"_s;
    bool m_locked = false;
};

} // namespace

class TestAnalysisController final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // A Re-run clicked while the pair's last result is still being written to the library must not
    // replace that job's in-flight entry: a crash then would lose the result (neither stored nor
    // resumed). The new start waits for the write, then runs.
    void rerunWaitsUntilThePreviousResultIsStored()
    {
        ControllerSetup s;
        QVERIFY(s.open());
        AnalysisController &controller = s.controller;
        // The order things happen in: the Re-run's job must appear only after the first result is stored.
        QStringList events;
        QString firstId;
        connect(&controller, &AnalysisController::resultStored, this,
            [&](const QString &jobId) { events << u"stored "_s + jobId; });
        connect(&controller, &AnalysisController::jobChanged, this, [&](const Job &job) {
            if (!firstId.isEmpty() && job.id != firstId && !events.contains(u"new job"_s))
                events << u"new job"_s;
        });

        LibraryWriteLock lock(s.libraryFile);
        QVERIFY(lock.isLocked());
        controller.start(u"L1"_s, u"valuation"_s, nlohmann::json::object(), false);
        QTRY_COMPARE_WITH_TIMEOUT(s.finished.count(), 1, 20000);
        const Job first = s.finished.at(0).at(0).value<Job>();
        QCOMPARE(first.status, JobStatus::Succeeded);
        QCOMPARE(s.stored.count(), 0);
        firstId = first.id;

        controller.start(u"L1"_s, u"valuation"_s, nlohmann::json::object(), true); // Re-run
        const JobTracker *tracker = controller.tracker(u"L1"_s, u"valuation"_s);
        QVERIFY(tracker);
        QVERIFY(!tracker->isActive()); // not started yet
        QVERIFY(controller.isActive(u"L1"_s, u"valuation"_s)); // but shown as on its way
        QCOMPARE(tracker->job()->id, first.id);
        QVERIFY(s.registry.contains(first.id));

        QVERIFY(lock.release());
        QTRY_VERIFY_WITH_TIMEOUT(s.stored.count() >= 1, 10000);
        QCOMPARE(s.stored.at(0).at(0).toString(), first.id);

        // Then the Re-run starts, runs and is stored too; both entries leave the registry.
        QTRY_COMPARE_WITH_TIMEOUT(s.finished.count(), 2, 20000);
        QCOMPARE(events.value(0), u"stored "_s + first.id);
        QCOMPARE(events.value(1), u"new job"_s);
        const Job second = s.finished.at(1).at(0).value<Job>();
        QVERIFY(second.id != first.id);
        QCOMPARE(second.status, JobStatus::Succeeded);
        QTRY_COMPARE_WITH_TIMEOUT(s.stored.count(), 2, 10000);
        QTRY_VERIFY(s.registry.entries().isEmpty());
        QVERIFY(!controller.isActive(u"L1"_s, u"valuation"_s));
    }

    void cancelDropsARerunThatIsStillWaiting()
    {
        ControllerSetup s;
        QVERIFY(s.open());
        AnalysisController &controller = s.controller;
        {
            LibraryWriteLock lock(s.libraryFile);
            QVERIFY(lock.isLocked());
            controller.start(u"L2"_s, u"risk_assessment"_s, nlohmann::json::object(), false);
            QTRY_COMPARE_WITH_TIMEOUT(s.finished.count(), 1, 20000);
            controller.start(u"L2"_s, u"risk_assessment"_s, nlohmann::json::object(), true);
            QVERIFY(controller.isActive(u"L2"_s, u"risk_assessment"_s));
            controller.cancel(u"L2"_s, u"risk_assessment"_s);
            QVERIFY(!controller.isActive(u"L2"_s, u"risk_assessment"_s));
            QVERIFY(lock.release());
        }
        QTRY_COMPARE_WITH_TIMEOUT(s.stored.count(), 1, 10000);
        QTRY_VERIFY(s.registry.entries().isEmpty());
        // The canceled Re-run never reached the runner: one job only.
        QVERIFY(!controller.isActive(u"L2"_s, u"risk_assessment"_s));
        QCOMPARE(s.runner.jobs().size(), 1);
        QCOMPARE(s.finished.count(), 1);
    }
};

QTEST_MAIN(TestAnalysisController)
#include "tst_analysiscontroller.moc"
