#include "common/CommonLog.h"

Q_LOGGING_CATEGORY(lcCommon, "dealscope.common")
Q_LOGGING_CATEGORY(lcFailpoints, "dealscope.failpoints")
