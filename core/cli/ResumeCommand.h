#pragma once

#include "cli/CliCommand.h"
#include "jobs/InFlightRegistry.h"

#include <QList>

#include <memory>
#include <vector>

namespace dealscope {

class JobBatch;
class ListingCatalog;
class LocalJobSetup;
class ProgressPrinter;
class RemoteServers;
class ResultsLibrary;

// `dealscope-cli resume [--wait] [--json] [--listings FILE] [--data-dir DIR] [--settings FILE]`:
// re-attaches every in-flight entry. Local jobs continue from their last finished step
// (LocalJobRunner::resumeInterrupted) in this process, which therefore stays until they are
// terminal. Remote entries are attached on their own server (issue 11): with --wait followed to
// the end, through a server restart (the server is polled again with backoff until it answers);
// without it each is checked once. Finished remote results go into the results library, and only
// then does the entry leave the registry; a job the server no longer knows is reported expired.
// --wait prints the jobs (Job objects with --json). Exit codes as for analyze.
class ResumeCommand final : public CliCommand
{
    Q_OBJECT
public:
    explicit ResumeCommand(QObject *parent = nullptr);
    ~ResumeCommand() override;
    QString name() const override { return QStringLiteral("resume"); }
    QString summary() const override
    {
        return QStringLiteral(
            "Resumes in-flight jobs: local ones from their checkpoints, remote ones on their server.");
    }

protected:
    void setUp(QCommandLineParser &parser) override;
    void run(const QCommandLineParser &parser) override;

private:
    void startRemote(const QList<InFlightEntry> &entries);
    void checkRemoteOnce(const QList<InFlightEntry> &entries);
    void onBatchFinished();
    void openResultsLibrary();

    bool m_json = false;
    bool m_wait = false;
    int m_openBatches = 0;
    std::unique_ptr<LocalJobSetup> m_setup;
    std::unique_ptr<ResultsLibrary> m_library;
    std::shared_ptr<const ListingCatalog> m_catalog;
    std::unique_ptr<ProgressPrinter> m_progress;
    std::unique_ptr<RemoteServers> m_remote;
    std::vector<std::unique_ptr<JobBatch>> m_batches; // the local one first, then one per server
};

} // namespace dealscope
