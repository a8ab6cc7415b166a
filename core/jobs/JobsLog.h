#pragma once

#include <QLoggingCategory>

namespace dealscope {
Q_DECLARE_LOGGING_CATEGORY(lcJobs)
} // namespace dealscope
