#include "import/ImportLog.h"

// Debug output (timings per import) only when enabled with QT_LOGGING_RULES.
Q_LOGGING_CATEGORY(lcImport, "dealscope.import", QtInfoMsg)
