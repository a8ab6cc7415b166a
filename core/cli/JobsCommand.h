#pragma once

#include "cli/CliCommand.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/Job.h"

#include <QHash>
#include <QList>

#include <memory>

namespace dealscope {

class LocalJobSetup;
class RemoteServers;

// `dealscope-cli jobs [--json] [--offline]`: the jobs of the local store (newest first) and the
// in-flight entries of the registry, remote ones with the status their server gives now (issue 11;
// "unreachable" or "expired" when it cannot; not asked with --offline).
class JobsCommand final : public CliCommand
{
    Q_OBJECT
public:
    explicit JobsCommand(QObject *parent = nullptr);
    ~JobsCommand() override;
    QString name() const override { return QStringLiteral("jobs"); }
    QString summary() const override
    {
        return QStringLiteral("Lists local jobs and in-flight entries (remote ones with their server's status).");
    }

protected:
    void setUp(QCommandLineParser &parser) override;
    void run(const QCommandLineParser &parser) override;

private:
    struct RemoteStatus
    {
        QString status; // the job's status, "expired", "unreachable", "unauthorized" or "unknown"
        double progress = 0;
        QString detail;
    };
    void print();

    bool m_json = false;
    std::unique_ptr<LocalJobSetup> m_setup;
    std::unique_ptr<RemoteServers> m_remote;
    QList<Job> m_jobs;
    QList<InFlightEntry> m_inFlight;
    QHash<QString, RemoteStatus> m_remoteStatus; // by job id
};

} // namespace dealscope
