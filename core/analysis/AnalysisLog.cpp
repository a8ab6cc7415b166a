#include "analysis/AnalysisLog.h"

// Debug (one line per step) is off unless QT_LOGGING_RULES enables it: worker threads run many steps.
Q_LOGGING_CATEGORY(lcAnalysis, "dealscope.analysis", QtInfoMsg)
