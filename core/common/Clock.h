#pragma once

#include <QtGlobal>

#include <atomic>
#include <chrono>

namespace dealscope {

// Where time comes from, so that tests can replace it: the monotonic clock of deadlines, intervals
// and backoffs, and the wall clock of timestamps. One instance is shared by many threads.
class Clock
{
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
    virtual qint64 epochMs() const = 0;

    // The real clocks (steady_clock, the system time).
    static const Clock &system();
};

// A clock that moves only when told to (tests). Thread-safe.
class ManualClock final : public Clock
{
public:
    explicit ManualClock(qint64 epochMs = 1'764'000'000'000);

    TimePoint now() const override;
    qint64 epochMs() const override;
    void advance(std::chrono::milliseconds by);

private:
    std::atomic<qint64> m_elapsedMs { 0 };
    const qint64 m_epochStartMs;
};

} // namespace dealscope
