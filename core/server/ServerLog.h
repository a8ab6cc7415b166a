#pragma once

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcServer) // "dealscope.server"
Q_DECLARE_LOGGING_CATEGORY(lcServerStore) // "dealscope.server.store"
Q_DECLARE_LOGGING_CATEGORY(lcServerWorker) // "dealscope.server.worker"
