// The job store thread: order of writes and tasks, merging of a job's waiting writes, and
// callbacks only once a write is on disk (checked through a second connection).

#include "jobs/JobId.h"
#include "jobs/JobJson.h"
#include "jobs/JobStoreThread.h"

#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <future>
#include <memory>

using nlohmann::json;
using namespace dealscope;

class TestJobStoreThread final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_serial = 0;

    QString freshPath() { return m_dir.filePath(QStringLiteral("s%1/jobs.sqlite").arg(++m_serial)); }

    static Job makeJob(int i, JobStatus status = JobStatus::Queued)
    {
        Job job;
        job.id = generateJobId();
        job.owner = QStringLiteral("local");
        job.listingId = QStringLiteral("L%1").arg(i);
        job.analysisType = QStringLiteral("valuation");
        job.status = status;
        job.createdAt = job.updatedAt = 1000 + i;
        return job;
    }

    // Holds the store thread in a task until `release` is set, so that what is queued meanwhile
    // waits together. Returns once the thread is held.
    static bool holdStoreThread(JobStoreThread &thread, std::promise<void> &release)
    {
        std::shared_future<void> released = release.get_future().share();
        auto holding = std::make_shared<std::promise<void>>();
        std::future<void> held = holding->get_future();
        if (!thread.post([holding, released](LocalJobStore &) {
                holding->set_value();
                released.wait();
            }))
            return false;
        held.wait();
        return true;
    }

private Q_SLOTS:
    void readSeesEveryWriteQueuedBeforeIt()
    {
        // More writes than one round takes: the read queued after them still sees all of them.
        JobStoreThread thread(freshPath());
        QString error;
        QVERIFY2(thread.start(&error), qPrintable(error));
        // All of it waits while the store thread is held, so the read is queued behind every write.
        std::promise<void> release;
        QVERIFY(holdStoreThread(thread, release));
        const int total = int(JobStoreThread::kMaxWritesPerRound) * 3 + 7;
        for (int i = 0; i < total; ++i)
            QVERIFY(thread.write({ makeJob(i), std::nullopt, {}, {} }));
        std::promise<int> counted;
        QVERIFY(thread.post([&counted](LocalJobStore &s) { counted.set_value(s.count()); }));
        release.set_value();
        QCOMPARE(counted.get_future().get(), total);
    }

    void waitingWritesOfOneJobMerge()
    {
        const QString path = freshPath();
        JobStoreThread thread(path);
        QVERIFY(thread.start(nullptr));
        // Hold the store thread so that the writes below wait together.
        std::promise<void> release;
        QVERIFY(holdStoreThread(thread, release));

        Job job = makeJob(1);
        QVERIFY(thread.write({ job, std::nullopt, {}, {} }));
        job.status = JobStatus::Running;
        job.startedAt = 1100;
        const PipelineCheckpoint cp { 2, json { { "sde", 2.5 } } };
        QVERIFY(thread.write({ job, cp, { { job.id, 1, 0, QStringLiteral("inputs"), 1100, 1110 } }, {} }));
        job.status = JobStatus::Succeeded;
        job.progress = 100;
        job.finishedAt = 1200;
        job.result = json { { "score", 61 } };
        std::atomic_int callbacks = 0;
        // Pre-serialized bytes travel with the merged write; the older state's bytes must not win.
        QVERIFY(thread.write({ job, std::nullopt, { { job.id, 1, 1, QStringLiteral("sde_multiple"), 1110, 1120 } },
                                 serializeJob(job, JobJsonScope::Storage) },
            [&callbacks] { ++callbacks; }));
        release.set_value();

        const auto stored = thread.call<std::optional<StoredJob>>([&](LocalJobStore &s) { return s.load(job.id); });
        QVERIFY(stored);
        QCOMPARE(stored->job, job);
        QVERIFY(!stored->checkpoint); // terminal: no checkpoint kept
        QCOMPARE(thread.call<int>([&](LocalJobStore &s) { return int(s.steps(job.id).size()); }), 2);
        QCOMPARE(callbacks.load(), 1);
    }

    void callbackRunsOnlyOnceOnDisk()
    {
        const QString path = freshPath();
        JobStoreThread thread(path);
        QVERIFY(thread.start(nullptr));
        LocalJobStore reader(path);
        QVERIFY(reader.open());
        const Job job = makeJob(7);
        std::promise<int> seenByOther;
        QVERIFY(thread.write({ job, std::nullopt, {}, {} }, [&] { seenByOther.set_value(reader.count()); }));
        // The reader's connection sees the row when the callback runs: it was committed first.
        auto future = seenByOther.get_future();
        QCOMPARE(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
        QCOMPARE(future.get(), 1);
    }

    void stopDrainsAndRefusesLaterWork()
    {
        const QString path = freshPath();
        {
            JobStoreThread thread(path);
            QVERIFY(thread.start(nullptr));
            for (int i = 0; i < 100; ++i)
                QVERIFY(thread.write({ makeJob(i), std::nullopt, {}, {} }));
            thread.stop();
            QVERIFY(!thread.write({ makeJob(200), std::nullopt, {}, {} }));
            QVERIFY(!thread.post([](LocalJobStore &) {}));
        }
        LocalJobStore reader(path);
        QVERIFY(reader.open());
        QCOMPARE(reader.count(), 100);
    }

    void unusableFileFailsToStart()
    {
        QTemporaryDir dir;
        QFile blocker(dir.filePath(QStringLiteral("file")));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        JobStoreThread thread(dir.filePath(QStringLiteral("file/sub/jobs.sqlite")));
        QString error;
        QVERIFY(!thread.start(&error));
        QVERIFY(!error.isEmpty());
        QVERIFY(!thread.write({ makeJob(1), std::nullopt, {}, {} }));
    }
};

QTEST_GUILESS_MAIN(TestJobStoreThread)
#include "tst_jobstorethread.moc"
