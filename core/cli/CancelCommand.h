#pragma once

#include "cli/CliCommand.h"

#include <memory>

namespace dealscope {

class LocalJobSetup;
class RemoteServers;

// `dealscope-cli cancel JOBID [--server URL] [--json] [--data-dir DIR] [--settings FILE]`: cancels
// a job where it runs: on the server of its in-flight entry (or --server), else in the local
// store. Prints the job's state afterwards (the Job object with --json). Exit codes: 0 canceled
// or cancel requested, 1 the job had already finished, 2 unknown job or bad usage.
class CancelCommand final : public CliCommand
{
    Q_OBJECT
public:
    explicit CancelCommand(QObject *parent = nullptr);
    ~CancelCommand() override;
    QString name() const override { return QStringLiteral("cancel"); }
    QString summary() const override { return QStringLiteral("Cancels a job, local or on its server."); }

protected:
    void setUp(QCommandLineParser &parser) override;
    void run(const QCommandLineParser &parser) override;

private:
    std::unique_ptr<LocalJobSetup> m_setup;
    std::unique_ptr<RemoteServers> m_remote;
    bool m_json = false;
};

} // namespace dealscope
