#pragma once

#include "cli/CliCommand.h"

#include <memory>

namespace dealscope {

class JobBatch;
class LocalJobSetup;
class ProgressPrinter;

// `dealscope-cli resume [--wait] [--json] [--listings FILE] [--data-dir DIR] [--settings FILE]`:
// re-attaches every in-flight entry. Local jobs continue from their last finished step
// (LocalJobRunner::resumeInterrupted) in this process, which therefore stays until they are
// terminal; --wait also prints them (Job objects with --json). Exit codes as for analyze.
// Remote entries are reported, not resumed: the CLI has no remote backend.
class ResumeCommand final : public CliCommand
{
    Q_OBJECT
public:
    explicit ResumeCommand(QObject *parent = nullptr);
    ~ResumeCommand() override;
    QString name() const override { return QStringLiteral("resume"); }
    QString summary() const override { return QStringLiteral("Resumes in-flight jobs from their checkpoints."); }

protected:
    void setUp(QCommandLineParser &parser) override;
    void run(const QCommandLineParser &parser) override;

private:
    void onBatchFinished();

    bool m_json = false;
    bool m_wait = false;
    std::unique_ptr<LocalJobSetup> m_setup;
    std::unique_ptr<ProgressPrinter> m_progress;
    std::unique_ptr<JobBatch> m_batch;
};

} // namespace dealscope
