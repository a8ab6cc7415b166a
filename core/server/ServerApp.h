#pragma once

#include "server/ServerOptions.h"

#include <QDateTime>
#include <QObject>
#include <QSocketNotifier>

#include <memory>

namespace dealscope {
class AnalysisEngine;
}

namespace dealscope::server {

class ApiServer;
class JobStore;
class Metrics;
class TokenStore;
class WorkerPool;

// One dealscope-server process: the store, the API (role api/all), the workers (role worker/all)
// and an orderly shutdown on SIGTERM/SIGINT.
class ServerApp final : public QObject
{
    Q_OBJECT
public:
    ServerApp(ServerOptions options, std::shared_ptr<AnalysisEngine> engine, QObject *parent = nullptr);
    ~ServerApp() override;

    // Returns the error message when the process cannot start.
    std::optional<QString> start();
    // Stop accepting, let running jobs finish within the grace period, hand back the rest, quit.
    void shutdown();

    static void installSignalHandlers(); // SIGTERM/SIGINT → shutdown() through a self-pipe

Q_SIGNALS:
    void finished(int exitCode);

private:
    void reloadTokensIfChanged();
    std::optional<QString> listen(); // binds m_api to --listen

    ServerOptions m_options;
    std::shared_ptr<AnalysisEngine> m_engine;
    std::unique_ptr<JobStore> m_store;
    std::unique_ptr<Metrics> m_metrics;
    ApiServer *m_api = nullptr;
    std::unique_ptr<WorkerPool> m_pool;
    std::shared_ptr<const TokenStore> m_tokens;
    QDateTime m_tokensModified;
    QSocketNotifier *m_signalNotifier = nullptr;
    bool m_shuttingDown = false;
};

// The whole program (app/server/main.cpp only calls this): the server, or the `token` command.
// version is what --version prints after the program name.
int runServerMain(int argc, char **argv, const QString &version);

} // namespace dealscope::server
