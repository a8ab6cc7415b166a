#pragma once

#include "cli/CliCommand.h"

#include <memory>

namespace dealscope {

class JobBatch;
class LocalJobSetup;
class ProgressPrinter;

// `dealscope-cli analyze --listings FILE (--listing ID | --all) --type TYPE [--param KEY=VALUE]…
// [--threads N] [--json] [--data-dir DIR] [--settings FILE] [--force] [--timeout S]`:
// runs analyses on local worker threads and waits for them through signals.
class AnalyzeCommand final : public CliCommand
{
    Q_OBJECT
public:
    explicit AnalyzeCommand(QObject *parent = nullptr);
    ~AnalyzeCommand() override;
    QString name() const override { return QStringLiteral("analyze"); }
    QString summary() const override { return QStringLiteral("Runs analyses of listings on local worker threads."); }

protected:
    void setUp(QCommandLineParser &parser) override;
    void run(const QCommandLineParser &parser) override;

private:
    void onBatchFinished();

    bool m_json = false;
    bool m_all = false;
    // Destroyed in reverse: the batch (trackers) before the runner they use.
    std::unique_ptr<LocalJobSetup> m_setup;
    std::unique_ptr<ProgressPrinter> m_progress;
    std::unique_ptr<JobBatch> m_batch;
};

} // namespace dealscope
