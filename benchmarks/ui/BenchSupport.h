#pragma once

// What the desktop benchmarks measure with: a 1 ms timer whose gaps are the event loop's stalls
// (and the GUI thread's own CPU time in each), and a real event loop run until a condition holds.
#include <QElapsedTimer>
#include <QEventLoop>
#include <QObject>
#include <QTimer>

#include <algorithm>
#include <ctime>
#include <functional>
#include <vector>

namespace dealscope::bench {

// CPU time the calling thread has used, in ns.
inline qint64 threadCpuNs()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline double percentileOf(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, size_t(p * double(values.size())))];
}

// Measures the gaps between ticks of a 1 ms timer: the longest gap is the worst time the event
// loop could not run (no repaint, no input) during the measured period. A gap is the GUI thread's
// own work plus the time the scheduler gave its core to other threads; on a busy machine the
// second dominates, so the GUI thread's CPU time in each gap is recorded too ("work"): that part
// is what the code decides, whatever else runs.
class StallMeter final : public QObject
{
public:
    StallMeter()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(1);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            const qint64 cpu = threadCpuNs();
            if (m_last > 0) {
                m_gaps.push_back(double(now - m_last) / 1e6);
                m_work.push_back(double(cpu - m_lastCpu) / 1e6);
            }
            m_last = now;
            m_lastCpu = cpu;
        });
    }
    void start()
    {
        m_gaps.clear();
        m_work.clear();
        m_last = 0;
        m_clock.start();
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    double worst() const { return m_gaps.empty() ? 0 : *std::max_element(m_gaps.begin(), m_gaps.end()); }
    double percentile(double p) const { return percentileOf(m_gaps, p); }
    // The most CPU the GUI thread spent between two ticks, and a percentile of it.
    double worstWork() const { return m_work.empty() ? 0 : *std::max_element(m_work.begin(), m_work.end()); }
    double workPercentile(double p) const { return percentileOf(m_work, p); }
    size_t ticks() const { return m_gaps.size(); }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    qint64 m_lastCpu = 0;
    std::vector<double> m_gaps;
    std::vector<double> m_work;
};

// Runs a real event loop (as the app's exec() does) until `done` or the timeout.
inline void waitUntil(const std::function<bool()> &done, int timeoutMs)
{
    QEventLoop loop;
    QTimer check;
    check.setInterval(5);
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    check.start();
    if (!done())
        loop.exec();
}

inline double ms(const QElapsedTimer &t)
{
    return double(t.nsecsElapsed()) / 1e6;
}

} // namespace dealscope::bench
