#pragma once

#include <QLoggingCategory>

// Logging categories of core/common.
Q_DECLARE_LOGGING_CATEGORY(lcCommon) // "dealscope.common"
Q_DECLARE_LOGGING_CATEGORY(lcFailpoints) // "dealscope.failpoints"
