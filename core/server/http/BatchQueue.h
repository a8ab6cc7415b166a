#pragma once

#include <QList>
#include <QScopeGuard>

#include <algorithm>
#include <mutex>

namespace dealscope::server {

// Requests that wait for the store thread and are handed to it in batches, by up to `maxDrains`
// drain tasks at a time: a push while fewer run asks the caller to start one; a drain takes
// batches until none is left. Shared by the start and status paths of ApiServer.
template <typename T> class BatchQueue final
{
public:
    explicit BatchQueue(int maxDrains = 1)
        : m_maxDrains(maxDrains)
    { }

    // Queues `item`; true when fewer than maxDrains drains run and the caller must start one.
    bool push(T item)
    {
        std::lock_guard lock(m_mutex);
        m_items.append(std::move(item));
        const bool start = m_drains < m_maxDrains;
        if (start)
            ++m_drains;
        return start;
    }

    // Runs `process` on batches of up to `maxBatch` items until none is left (call it from the
    // drain task). However it leaves, an exception included, the drain ends: while it counts as
    // running push() starts no drain in its place and later items could wait forever. `restart`
    // starts a new drain when items are left after an early exit.
    template <typename Process, typename Restart> void drain(qsizetype maxBatch, Process process, Restart restart)
    {
        bool emptied = false;
        const auto endDrain = qScopeGuard([&] {
            if (emptied)
                return;
            bool again = false;
            {
                std::lock_guard lock(m_mutex);
                again = !m_items.isEmpty();
                if (!again)
                    --m_drains;
            }
            if (again)
                restart();
        });
        for (;;) {
            QList<T> batch;
            {
                std::lock_guard lock(m_mutex);
                if (m_items.isEmpty()) {
                    --m_drains;
                    emptied = true;
                    return;
                }
                const qsizetype n = std::min(maxBatch, m_items.size());
                batch = m_items.mid(0, n);
                m_items.remove(0, n);
            }
            process(std::move(batch));
        }
    }

private:
    std::mutex m_mutex;
    QList<T> m_items;
    const int m_maxDrains;
    int m_drains = 0; // running drain tasks
};

} // namespace dealscope::server
