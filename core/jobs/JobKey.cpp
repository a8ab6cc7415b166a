#include "jobs/JobKey.h"

#include "jobs/Job.h"

namespace dealscope {

JobKey JobKey::of(const Job &job)
{
    return JobKey { job.listingId, job.analysisType };
}

} // namespace dealscope
