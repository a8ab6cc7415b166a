#pragma once

#include <QLoggingCategory>

// Logging category of core/net (the HTTP client of the job API).
Q_DECLARE_LOGGING_CATEGORY(lcNet) // "dealscope.net"
