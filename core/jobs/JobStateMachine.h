#pragma once

#include "jobs/Job.h"

#include <QString>

namespace dealscope {

// The one transition function every store uses (SPEC §3):
// queued → running → succeeded | failed | canceled, queued → canceled,
// running → queued only for a retry or a recovered crash (attempt + 1) or a hand-back (same
// attempt). Terminal states are final.
namespace JobStateMachine {

// Why a running job goes back to the queue. A hand-back (a worker's shutdown, a batch overtaken
// by a slow job) is not a failure: it keeps the attempt number and the progress reached.
enum class Requeue { Retry, HandBack };

bool isAllowed(JobStatus from, JobStatus to);

struct TransitionError final
{
    QString message; // "illegal transition succeeded → running"
};

// Applies the transition to `job`: sets status and updatedAt; startedAt when it starts running,
// finishedAt when terminal, attempt + 1 and progress 0 on running → queued for a retry, clears
// result unless succeeded. Returns an error and leaves `job` untouched when the transition is illegal.
std::optional<TransitionError> transition(Job &job, JobStatus to, qint64 nowMs, Requeue requeue = Requeue::Retry);

// Whether `candidate` is a later state of the same job than `current`, for updates that may
// arrive out of order: a terminal state is final whatever its clock says, then a new attempt,
// then the time of the change.
bool isLater(const Job &candidate, const Job &current);

// Progress never decreases within an attempt; returns the value actually stored.
double clampProgress(const Job &job, double requested);

} // namespace JobStateMachine
} // namespace dealscope
