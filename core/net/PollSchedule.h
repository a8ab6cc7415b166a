#pragma once

#include "common/Clock.h"

#include <QRandomGenerator>

#include <chrono>

namespace dealscope {

// When the next status request of a server goes out (SPEC §6): 0.5 s after a change, growing
// ×1.5 per quiet tick up to 10 s, each delay jittered by ±10 % so that many clients do not poll in
// step, and never before a Retry-After the server asked for. Faults (network errors) use the same
// growth. Pure arithmetic over an injectable clock: the tests drive it with a ManualClock.
class PollSchedule final
{
public:
    static constexpr std::chrono::milliseconds kInitial { 500 };
    static constexpr std::chrono::milliseconds kMax { 10'000 };
    static constexpr double kFactor = 1.5;
    static constexpr double kJitter = 0.10;

    explicit PollSchedule(const Clock &clock = Clock::system(), quint32 seed = QRandomGenerator::global()->generate());

    // The interval before jitter: kInitial after reset(), ×kFactor per grow(), at most kMax.
    std::chrono::milliseconds interval() const { return m_interval; }
    void reset() { m_interval = kInitial; } // something changed
    void grow(); // a tick without a change, or a failed one

    // Plans the next tick: interval() jittered by ±kJitter (never above kMax), and not before
    // `notBefore` from now (a Retry-After). Returns the delay chosen.
    std::chrono::milliseconds scheduleNext(std::chrono::milliseconds notBefore = std::chrono::milliseconds(0));
    // Makes the next tick due now (the network came back, a new job is watched).
    void dueNow() { m_due = m_clock.now(); }

    Clock::TimePoint due() const { return m_due; }
    bool isDue() const { return m_clock.now() >= m_due; }
    std::chrono::milliseconds untilDue() const; // 0 when due

private:
    const Clock &m_clock;
    QRandomGenerator m_random;
    std::chrono::milliseconds m_interval = kInitial;
    Clock::TimePoint m_due;
};

} // namespace dealscope
