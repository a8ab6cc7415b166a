#pragma once

#include "cli/CliCommand.h"

#include <QStringList>

#include <nlohmann/json.hpp>

#include <memory>

namespace dealscope {

class JobBackend;
class JobBatch;
class RemoteServers;
class ListingCatalog;
class LocalJobSetup;
class ProgressPrinter;
class ResultsLibrary;

// `dealscope-cli analyze --listings FILE (--listing ID | --all) --type TYPE [--param KEY=VALUE]…
// [--threads N] [--json] [--data-dir DIR] [--settings FILE] [--force] [--timeout S] [--rank]`:
// runs analyses on local worker threads and waits for them through signals. Succeeded analyses go
// into the results library of the data folder, the one the desktop shows (issue 14 §1).
// With --server URL the analyses run on dealscope-server instead (the listings sent inline), with
// the same output and exit codes; --detach only starts them and records them as in flight.
class AnalyzeCommand final : public CliCommand
{
    Q_OBJECT
public:
    explicit AnalyzeCommand(QObject *parent = nullptr);
    ~AnalyzeCommand() override;
    QString name() const override { return QStringLiteral("analyze"); }
    QString summary() const override
    {
        return QStringLiteral("Runs analyses of listings on local worker threads or a server.");
    }

protected:
    void setUp(QCommandLineParser &parser) override;
    void run(const QCommandLineParser &parser) override;

private:
    void launch(JobBackend &backend, const QStringList &listingIds, const QString &typeName,
        const nlohmann::json &paramsJson, bool force);
    void startDetached(JobBackend &backend, const QStringList &listingIds, const QString &typeName,
        const nlohmann::json &paramsJson, bool force);
    void onBatchFinished();
    // Issue 14: the library the results go to, and the ranking `--rank` prints.
    void openResultsLibrary();
    void printRanking() const;

    bool m_json = false;
    bool m_all = false;
    // Destroyed in reverse: the batch (trackers) before the runner they use.
    std::unique_ptr<LocalJobSetup> m_setup;
    std::unique_ptr<RemoteServers> m_remote;
    bool m_detach = false;
    std::unique_ptr<ProgressPrinter> m_progress;
    std::unique_ptr<JobBatch> m_batch;
    std::unique_ptr<ResultsLibrary> m_library;
    std::shared_ptr<const ListingCatalog> m_catalog;
    bool m_rank = false;
};

} // namespace dealscope
