#pragma once

#include <QString>

#include <atomic>

namespace dealscope {

// Fault injection for tests, configured by the environment variable DEALSCOPE_FAILPOINTS and
// off (one relaxed atomic load per hit) otherwise. Syntax, entries separated by ';':
//   NAME=delay(MS)               sleep MS at NAME (interruptible where the caller supports it)
//   NAME=fail(N,transient|permanent)  throw the first N times NAME is hit in this process
//   NAME=abort                   std::abort() the process at NAME (simulates a crash / SIGKILL)
// Names used by the core: "analysis.step.<stepId>" (before a step runs),
// "analysis.step.<analysisType>.<stepId>", "jobs.after_checkpoint", "jobs.before_finish".
// See docs/FAILPOINTS.md.
class Failpoints final
{
public:
    enum class Action { None, Delay, FailTransient, FailPermanent, Abort };
    struct Hit
    {
        Action action = Action::None;
        qint64 delayMs = 0;
    };

    static bool enabled() { return s_enabled.load(std::memory_order_relaxed); }
    // Returns what to do at `name`, counting fail(N) hits. Abort never returns.
    static Hit hit(const QString &name);
    // For tests in one process: replace the configuration (same syntax as the variable).
    static void configure(const QString &spec);

private:
    static std::atomic_bool s_enabled;
};

} // namespace dealscope
