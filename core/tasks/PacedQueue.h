#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>

namespace dealscope {

// Work for the GUI thread that may come in bursts (500 analyses finishing within one flush of the
// runner, a market scan starting 10,000), run in the order posted but a slice at a time: as many
// items as fit into the budget, then the event loop runs (input, timers, a repaint) before the
// next slice. So a burst costs a few short slices instead of one long stall.
class PacedQueue final : public QObject
{
    Q_OBJECT
public:
    explicit PacedQueue(int budgetMs = 4, QObject *parent = nullptr);

    void post(std::function<void()> work);
    bool isEmpty() const { return m_items.empty(); }
    int size() const { return int(m_items.size()); }
    // Runs everything posted (and posted meanwhile) now: shutdown, and before reading the results.
    void drain();

private:
    void runSlice();

    int m_budgetMs;
    std::deque<std::function<void()>> m_items;
    QTimer m_next; // zero-interval: the next slice after the event loop had its turn
};

} // namespace dealscope
