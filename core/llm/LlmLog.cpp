#include "llm/LlmLog.h"

Q_LOGGING_CATEGORY(lcLlm, "dealscope.llm")
