#include "net/PollSchedule.h"

#include <algorithm>
#include <cmath>

namespace dealscope {

using std::chrono::milliseconds;

PollSchedule::PollSchedule(const Clock &clock, quint32 seed)
    : m_clock(clock)
    , m_random(seed)
    , m_due(clock.now())
{ }

void PollSchedule::grow()
{
    const auto next = milliseconds(qint64(std::llround(double(m_interval.count()) * kFactor)));
    m_interval = std::min(next, kMax);
}

milliseconds PollSchedule::scheduleNext(milliseconds notBefore)
{
    const double factor = 1.0 + kJitter * (2.0 * m_random.generateDouble() - 1.0);
    milliseconds delay(qint64(std::llround(double(m_interval.count()) * factor)));
    delay = std::min(delay, kMax);
    delay = std::max(delay, notBefore);
    m_due = m_clock.now() + delay;
    return delay;
}

milliseconds PollSchedule::untilDue() const
{
    const auto left = std::chrono::duration_cast<milliseconds>(m_due - m_clock.now());
    return std::max(left, milliseconds(0));
}

} // namespace dealscope
