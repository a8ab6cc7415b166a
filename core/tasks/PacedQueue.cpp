#include "tasks/PacedQueue.h"

namespace dealscope {

PacedQueue::PacedQueue(int budgetMs, QObject *parent)
    : QObject(parent)
    , m_budgetMs(budgetMs)
{
    m_next.setSingleShot(true);
    m_next.setInterval(0);
    connect(&m_next, &QTimer::timeout, this, &PacedQueue::runSlice);
}

void PacedQueue::post(std::function<void()> work)
{
    m_items.push_back(std::move(work));
    if (!m_next.isActive())
        m_next.start();
}

void PacedQueue::runSlice()
{
    if (m_items.empty())
        return;
    QElapsedTimer clock;
    clock.start();
    // At least one item per slice, so a single slow item still makes progress.
    do {
        std::function<void()> work = std::move(m_items.front());
        m_items.pop_front();
        work();
    } while (!m_items.empty() && clock.elapsed() < m_budgetMs);
    if (!m_items.empty() && !m_next.isActive())
        m_next.start();
}

void PacedQueue::drain()
{
    m_next.stop();
    while (!m_items.empty()) {
        std::function<void()> work = std::move(m_items.front());
        m_items.pop_front();
        work();
    }
}

} // namespace dealscope
