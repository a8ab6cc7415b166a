#pragma once

#include "analysis/AnalysisEngine.h"
#include "jobs/LocalJobStore.h"

#include <QHash>
#include <QString>

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <vector>

class QThread;

namespace dealscope {

// Owns a LocalJobStore on a dedicated thread, so that neither the GUI thread nor the workers
// share a database connection and no caller waits for SQLite unless it asks to. Writes and tasks
// run in the order they were queued: a read posted after a write sees it. Each round takes the
// oldest waiting writes (at most kMaxWritesPerRound) and the tasks queued before the next
// waiting write, and runs them in one transaction ("group commit"). A write of a job that is
// still waiting absorbs the later ones and keeps its place, so when the store falls behind, a
// job's queued, running and finished states become one row write. postAndNotify() futures and
// write() callbacks run only after the commit, so "written" always means "on disk".
class JobStoreThread final
{
public:
    using Task = std::function<void(LocalJobStore &store)>;

    explicit JobStoreThread(QString databasePath);
    ~JobStoreThread(); // runs the queued tasks, then closes the store
    JobStoreThread(const JobStoreThread &) = delete;
    JobStoreThread &operator=(const JobStoreThread &) = delete;

    // Starts the thread and opens the store; false with the reason when it cannot be opened.
    bool start(QString *error);

    // Queues a task; false (task dropped) once stopped.
    bool post(Task task);

    // Runs `fn` on the store thread and waits for its result (default-constructed once stopped).
    template <typename R> R call(std::function<R(LocalJobStore &)> fn)
    {
        auto promise = std::make_shared<std::promise<R>>();
        std::future<R> future = promise->get_future();
        if (!post([promise, fn = std::move(fn)](LocalJobStore &store) {
                try {
                    promise->set_value(fn(store));
                } catch (...) {
                    promise->set_value(R {});
                }
            }))
            return R {};
        return future.get();
    }

    // Queues a task and returns a future that is ready when it ran (or at once when stopped).
    std::future<void> postAndNotify(Task task);

    struct JobWrite
    {
        Job job;
        std::optional<PipelineCheckpoint> checkpoint; // replaces the stored one when set
        QList<JobStepRecord> steps;
        // serializeJob(job, Storage) when the caller made it already (a worker, off this thread).
        QByteArray jobJson;
    };
    // Queues a write of one job's row. A write of the same job still waiting absorbs it: the
    // latest job and checkpoint, every step. `committed` runs on the store thread once the write
    // is on disk. False (nothing queued, `committed` never runs) once stopped.
    bool write(JobWrite write, std::function<void()> committed = {});

    void stop();

    static constexpr std::size_t kMaxWritesPerRound = 512;
    static constexpr std::size_t kMaxTasksPerRound = 512;

private:
    void run();

    QString m_path;
    QThread *m_thread = nullptr;
    // std:: rather than QMutex/QWaitCondition: QWaitCondition::wait releases the mutex inside
    // QtCore, where ThreadSanitizer (scripts/tsan.sh) cannot see it, and then reports every
    // access the mutex guards as a race.
    std::mutex m_mutex;
    std::condition_variable m_wake;
    struct Item
    {
        Task task;
        std::shared_ptr<std::promise<void>> committed; // set after the batch's commit
        quint64 seq = 0; // its place among writes and tasks
    };
    bool enqueue(Item item);

    std::deque<Item> m_queue;
    struct PendingWrite
    {
        JobWrite write;
        std::vector<std::function<void()>> committed;
    };
    QHash<QString, PendingWrite> m_writes; // job id → its waiting write
    std::deque<std::pair<quint64, QString>> m_writeOrder; // (seq, job id) of m_writes, oldest first
    quint64 m_seq = 0;
    bool m_stopping = false;
    bool m_started = false;
    // Set by the store thread once it tried to open the database.
    bool m_openDone = false;
    bool m_openOk = false;
    QString m_openError;
};

} // namespace dealscope
