#include "jobs/JobStoreThread.h"

#include "jobs/JobsLog.h"

#include <QThread>

namespace dealscope {

JobStoreThread::JobStoreThread(QString databasePath)
    : m_path(std::move(databasePath))
{ }

JobStoreThread::~JobStoreThread()
{
    stop();
}

bool JobStoreThread::start(QString *error)
{
    m_thread = QThread::create([this] { run(); });
    m_thread->setObjectName(QStringLiteral("dealscope-jobstore"));
    m_thread->start();
    std::unique_lock lock(m_mutex);
    while (!m_openDone)
        m_wake.wait(lock);
    m_started = m_openOk;
    if (!m_openOk) {
        if (error)
            *error = m_openError;
        lock.unlock();
        m_thread->wait();
        delete m_thread;
        m_thread = nullptr;
        return false;
    }
    return true;
}

bool JobStoreThread::enqueue(Item item)
{
    std::unique_lock lock(m_mutex);
    if (m_stopping || !m_started)
        return false;
    item.seq = ++m_seq;
    m_queue.push_back(std::move(item));
    m_wake.notify_all();
    return true;
}

bool JobStoreThread::post(Task task)
{
    return enqueue(Item { std::move(task), nullptr });
}

std::future<void> JobStoreThread::postAndNotify(Task task)
{
    auto promise = std::make_shared<std::promise<void>>();
    std::future<void> future = promise->get_future();
    if (!enqueue(Item { std::move(task), promise }))
        promise->set_value();
    return future;
}

bool JobStoreThread::write(JobWrite write, std::function<void()> committed)
{
    std::unique_lock lock(m_mutex);
    if (m_stopping || !m_started)
        return false;
    const QString id = write.job.id;
    auto it = m_writes.find(id);
    if (it == m_writes.end()) {
        it = m_writes.insert(id, PendingWrite { std::move(write), {} });
        m_writeOrder.emplace_back(++m_seq, id);
    } else {
        PendingWrite &pending = *it;
        pending.write.job = std::move(write.job);
        pending.write.jobJson = std::move(write.jobJson); // bytes of an older state must not stay
        if (write.checkpoint)
            pending.write.checkpoint = std::move(write.checkpoint);
        pending.write.steps += write.steps;
    }
    if (committed)
        it->committed.push_back(std::move(committed));
    m_wake.notify_all();
    return true;
}

void JobStoreThread::stop()
{
    {
        std::unique_lock lock(m_mutex);
        if (!m_thread)
            return;
        m_stopping = true;
        m_wake.notify_all();
    }
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
}

void JobStoreThread::run()
{
    LocalJobStore store(m_path);
    const bool ok = store.open();
    {
        std::unique_lock lock(m_mutex);
        m_openOk = ok;
        m_openError = store.errorString();
        m_openDone = true;
        m_wake.notify_all();
        if (!ok)
            return;
    }
    for (;;) {
        std::vector<PendingWrite> writes;
        std::vector<Item> batch;
        {
            std::unique_lock lock(m_mutex);
            while (m_queue.empty() && m_writes.isEmpty() && !m_stopping)
                m_wake.wait(lock);
            if (m_queue.empty() && m_writes.isEmpty())
                return; // stopping, and everything queued before has run
            // The oldest writes, then the tasks queued before the next write still waiting: a
            // task never overtakes a write queued before it.
            while (!m_writeOrder.empty() && writes.size() < kMaxWritesPerRound) {
                const QString id = std::move(m_writeOrder.front().second);
                m_writeOrder.pop_front();
                writes.push_back(m_writes.take(id));
            }
            const quint64 nextWrite = m_writeOrder.empty() ? ~quint64(0) : m_writeOrder.front().first;
            while (!m_queue.empty() && m_queue.front().seq < nextWrite && batch.size() < kMaxTasksPerRound) {
                batch.push_back(std::move(m_queue.front()));
                m_queue.pop_front();
            }
        }
        const bool batched = batch.size() + writes.size() > 1 && store.beginBatch();
        for (PendingWrite &pending : writes) {
            JobWrite &w = pending.write;
            std::optional<nlohmann::json> checkpoint;
            if (w.checkpoint)
                checkpoint = nlohmann::json { { "nextStep", w.checkpoint->nextStep },
                    { "state", std::move(w.checkpoint->state) } };
            store.write(w.job, checkpoint, w.steps, w.jobJson);
        }
        for (Item &item : batch) {
            try {
                item.task(store);
            } catch (const std::exception &e) {
                qCWarning(lcJobs) << "job store task failed:" << e.what();
            }
        }
        if (batched)
            store.commitBatch();
        // The jobs go before the callbacks run: whoever the callbacks wake holds the last copy
        // and frees it there, not on this thread, which every write waits for.
        std::vector<std::function<void()>> callbacks;
        for (PendingWrite &pending : writes) {
            for (auto &committed : pending.committed)
                callbacks.push_back(std::move(committed));
        }
        writes.clear();
        for (auto &committed : callbacks)
            committed();
        for (Item &item : batch) {
            if (item.committed)
                item.committed->set_value();
        }
    }
}

} // namespace dealscope
