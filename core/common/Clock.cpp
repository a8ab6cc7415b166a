#include "common/Clock.h"

#include <QDateTime>

namespace dealscope {

namespace {

class SystemClock final : public Clock
{
public:
    TimePoint now() const override { return std::chrono::steady_clock::now(); }
    qint64 epochMs() const override { return QDateTime::currentMSecsSinceEpoch(); }
};

} // namespace

const Clock &Clock::system()
{
    static const SystemClock clock;
    return clock;
}

ManualClock::ManualClock(qint64 epochMs)
    : m_epochStartMs(epochMs)
{ }

Clock::TimePoint ManualClock::now() const
{
    return TimePoint(std::chrono::milliseconds(m_elapsedMs.load()));
}

qint64 ManualClock::epochMs() const
{
    return m_epochStartMs + m_elapsedMs.load();
}

void ManualClock::advance(std::chrono::milliseconds by)
{
    m_elapsedMs += by.count();
}

} // namespace dealscope
