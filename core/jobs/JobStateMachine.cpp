#include "jobs/JobStateMachine.h"

#include <algorithm>
#include <cmath>

namespace dealscope::JobStateMachine {

bool isAllowed(JobStatus from, JobStatus to)
{
    switch (from) {
    case JobStatus::Queued:
        return to == JobStatus::Running || to == JobStatus::Canceled;
    case JobStatus::Running:
        return to == JobStatus::Succeeded || to == JobStatus::Failed || to == JobStatus::Canceled
            || to == JobStatus::Queued;
    case JobStatus::Succeeded:
    case JobStatus::Failed:
    case JobStatus::Canceled:
        return false;
    }
    return false;
}

std::optional<TransitionError> transition(Job &job, JobStatus to, qint64 nowMs, Requeue requeue)
{
    if (!isAllowed(job.status, to)) {
        return TransitionError {
            QStringLiteral("illegal transition %1 → %2").arg(jobStatusName(job.status), jobStatusName(to))
        };
    }
    const JobStatus from = job.status;
    job.status = to;
    job.updatedAt = std::max(job.updatedAt, nowMs);

    if (to == JobStatus::Running) {
        job.startedAt = nowMs;
        job.finishedAt.reset();
        job.error.clear();
    } else if (to == JobStatus::Queued && from == JobStatus::Running) {
        if (requeue == Requeue::Retry) {
            // A new attempt starts from zero progress; what it resumes from is the checkpoint, not this field.
            job.attempt += 1;
            job.progress = 0;
        }
        job.partialOutput.clear();
    }

    if (isTerminal(to)) {
        job.finishedAt = nowMs;
        if (to == JobStatus::Succeeded)
            job.progress = 100;
    }
    if (to != JobStatus::Succeeded)
        job.result.reset();
    return std::nullopt;
}

double clampProgress(const Job &job, double requested)
{
    if (!std::isfinite(requested))
        return job.progress;
    return std::max(job.progress, std::clamp(requested, 0.0, 100.0));
}

bool isLater(const Job &candidate, const Job &current)
{
    if (isTerminal(current.status))
        return false;
    if (isTerminal(candidate.status))
        return true;
    if (candidate.attempt != current.attempt)
        return candidate.attempt > current.attempt;
    return candidate.updatedAt >= current.updatedAt;
}

} // namespace dealscope::JobStateMachine
