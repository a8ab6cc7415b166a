#include "jobs/JobsLog.h"

namespace dealscope {
Q_LOGGING_CATEGORY(lcJobs, "dealscope.jobs")
} // namespace dealscope
