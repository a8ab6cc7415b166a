#include "server/ServerLog.h"

Q_LOGGING_CATEGORY(lcServer, "dealscope.server")
Q_LOGGING_CATEGORY(lcServerStore, "dealscope.server.store")
Q_LOGGING_CATEGORY(lcServerWorker, "dealscope.server.worker")
