#pragma once

#include <QLoggingCategory>

// Logging category of core/llm ("dealscope.llm"). Never log a key, an Authorization header or a
// request body: the body holds the listing only, but headers hold the key.
Q_DECLARE_LOGGING_CATEGORY(lcLlm)
