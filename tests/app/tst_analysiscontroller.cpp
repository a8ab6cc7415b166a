// AnalysisController without the window: the real local runner, a real INI for the in-flight
// registry and the real results library on its storage thread.
#include "../jobs/RunnerFixture.h"
#include "app/AnalysisController.h"
#include "app/EnglishPlurals.h"
#include "app/JobBackends.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/JobTracker.h"
#include "storage/AsyncResultsLibrary.h"

#include <QSettings>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTimer>

using namespace dealscope;
using namespace dealscope::testing;
using namespace Qt::Literals::StringLiterals;

namespace {

// The controller over real parts in a temp folder, with spies on what users see finish and store.
struct ControllerSetup
{
    QTemporaryDir dir;
    QSettings settings { dir.filePath(u"settings.ini"_s), QSettings::IniFormat };
    InFlightRegistry registry { settings };
    LocalJobRunner runner { makeEngine(), options(dir.path()) };
    JobBackends backends { &runner };
    QString libraryFile = dir.filePath(u"library.sqlite"_s);
    AsyncResultsLibrary library;
    AnalysisController controller { backends, &registry, &library, {} };
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

// A job server backend as the remote backend will look to the controller: it knows the jobs it
// was given and answers every call later, on the caller's thread, as a real one would.
class FakeRemoteBackend final : public JobBackend
{
public:
    FakeRemoteBackend(QUrl server, QObject *parent)
        : JobBackend(parent)
        , m_server(std::move(server))
    { }
    QString kind() const override { return u"remote"_s; }
    QString server() const override { return m_server.toString(); }
    void start(const StartRequest &request, QObject *context, Callback callback) override
    {
        Job job;
        job.id = u"remote-%1"_s.arg(++m_started);
        job.listingId = request.listingId;
        job.analysisType = request.analysisType;
        job.status = JobStatus::Queued;
        job.attempt = 1;
        job.backend = kind();
        m_jobs.insert(job.id, job);
        answer(context, std::move(callback), job);
    }
    void fetch(const QString &jobId, QObject *context, Callback callback) override
    {
        answer(context, std::move(callback), m_jobs.value(jobId));
    }
    void lookup(const QString &, const QString &, QObject *context, Callback callback) override
    {
        answer(context, std::move(callback), Job {});
    }
    void cancel(const QString &jobId, QObject *context, Callback callback) override
    {
        fetch(jobId, context, std::move(callback));
    }
    void watch(const QString &) override { }
    void unwatch(const QString &) override { }

    void add(const Job &job) { m_jobs.insert(job.id, job); }
    int started() const { return m_started; }

private:
    void answer(QObject *context, Callback callback, const Job &job)
    {
        QTimer::singleShot(0, context, [callback = std::move(callback), job] {
            BackendReply reply;
            if (job.id.isEmpty()) {
                reply.error = BackendReply::Error::NotFound;
                reply.message = u"no such job"_s;
            } else {
                reply.job = job;
            }
            callback(reply);
        });
    }

    QUrl m_server;
    QHash<QString, Job> m_jobs;
    int m_started = 0;
};

const QString kServer = u"http://127.0.0.1:9"_s;

} // namespace

class TestAnalysisController final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { EnglishPlurals::install(); }

    // SPEC §6: every in-flight entry resumes on the backend that ran it. A job server entry
    // whose backend cannot be made yet is kept and reported, never dropped.
    void resumeAttachesEachEntryOnItsBackend()
    {
        ControllerSetup s;
        QVERIFY(s.open());
        QString localId;
        s.runner.start(StartRequest { u"L1"_s, u"valuation"_s, nlohmann::json::object(), false, std::nullopt }, this,
            [&](const BackendReply &reply) { localId = reply.job ? reply.job->id : u"none"_s; });
        QTRY_VERIFY(!localId.isEmpty());
        s.registry.put({ u"L1"_s, u"valuation"_s, localId, u"local"_s, QString() });
        s.registry.put({ u"L2"_s, u"risk_assessment"_s, u"remote-7"_s, u"remote"_s, kServer });

        const ResumeSummary first = s.controller.resume(s.registry.entries());
        QCOMPARE(first.local, 1);
        QCOMPARE(first.remote, 0);
        QCOMPARE(first.waiting, 1);
        QCOMPARE(first.waitingServers, QStringList { kServer });
        QCOMPARE(AnalysisController::resumeNotice(first),
            u"Resumed 1 local analysis. 1 analysis on a job server cannot be resumed yet (%1): it stays in flight "
            "for the next start."_s.arg(kServer));
        QTRY_COMPARE_WITH_TIMEOUT(s.stored.count(), 1, 20000); // the local one finished and is stored
        QTRY_VERIFY(!s.registry.contains(localId));
        QVERIFY(s.registry.contains(u"remote-7"_s)); // still there for the next start

        // Once the remote backend exists, the same entry resumes on it (a new controller: a restart).
        FakeRemoteBackend *made = nullptr;
        s.backends.setRemoteFactory([&](const QUrl &server, QObject *parent) -> JobBackend * {
            made = new FakeRemoteBackend(server, parent);
            Job job;
            job.id = u"remote-7"_s;
            job.listingId = u"L2"_s;
            job.analysisType = u"risk_assessment"_s;
            job.status = JobStatus::Running;
            job.progress = 40;
            job.backend = u"remote"_s;
            made->add(job);
            return made;
        });
        AnalysisController again(s.backends, &s.registry, &s.library);
        const ResumeSummary second = again.resume(s.registry.entries());
        QCOMPARE(second.remote, 1);
        QCOMPARE(second.waiting, 0);
        QVERIFY(made);
        QTRY_VERIFY(again.job(u"L2"_s, u"risk_assessment"_s).has_value());
        QCOMPARE(again.job(u"L2"_s, u"risk_assessment"_s)->status, JobStatus::Running);
        QVERIFY(again.isActive(u"L2"_s, u"risk_assessment"_s));
        QCOMPARE(AnalysisController::resumeNotice(second), u"Resumed 1 analysis on a job server."_s);
    }

    // New analyses go to JobBackends::current(): a job server once one is chosen and can be made.
    void startsGoToTheCurrentBackend()
    {
        ControllerSetup s;
        QVERIFY(s.open());
        FakeRemoteBackend *remote = nullptr;
        s.backends.setRemoteFactory([&](const QUrl &server, QObject *parent) -> JobBackend * {
            remote = new FakeRemoteBackend(server, parent);
            return remote;
        });
        s.backends.setCurrentServer(QUrl(kServer));
        QSignalSpy changed(&s.controller, &AnalysisController::jobChanged);
        s.controller.start(u"L3"_s, u"valuation"_s, nlohmann::json::object(), false);
        QVERIFY(changed.wait(5000));
        QVERIFY(remote);
        QCOMPARE(remote->started(), 1);
        QCOMPARE(changed.last().at(0).value<Job>().backend, u"remote"_s);
        QVERIFY(s.runner.jobs().isEmpty());
        const auto entries = s.registry.entries();
        QCOMPARE(entries.size(), 1);
        QCOMPARE(entries.at(0).backend, u"remote"_s);
        QCOMPARE(entries.at(0).server, kServer);
    }

    void resumeNoticeCountsLocalAndRemoteApart()
    {
        QCOMPARE(AnalysisController::resumeNotice({}), QString());
        QCOMPARE(AnalysisController::resumeNotice({ 3, 0, 0, {} }), u"Resumed 3 local analyses."_s);
        QCOMPARE(AnalysisController::resumeNotice({ 1, 0, 0, {} }), u"Resumed 1 local analysis."_s);
        QCOMPARE(AnalysisController::resumeNotice({ 0, 2, 0, {} }), u"Resumed 2 analyses on job servers."_s);
        QCOMPARE(
            AnalysisController::resumeNotice({ 1, 1, 0, {} }), u"Resumed 2 analyses: 1 local, 1 on a job server."_s);
        QCOMPARE(
            AnalysisController::resumeNotice({ 2, 3, 0, {} }), u"Resumed 5 analyses: 2 local, 3 on job servers."_s);
        QCOMPARE(AnalysisController::resumeNotice({ 0, 0, 2, { u"https://a"_s, u"https://b"_s } }),
            u"2 analyses on job servers cannot be resumed yet (https://a, https://b): they stay in flight for the "
            "next start."_s);
        // Texts with "(s)" get their plural the same way.
        QCOMPARE(QCoreApplication::translate("x", "Loaded %n listing(s).", nullptr, 1), u"Loaded 1 listing."_s);
        QCOMPARE(QCoreApplication::translate("x", "Loaded %n listing(s).", nullptr, 0), u"Loaded 0 listings."_s);
    }

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
