#pragma once

#include "cli/CliCommand.h"

namespace dealscope {

// `dealscope-cli jobs [--json]`: the jobs of the local store (newest first) and the in-flight
// entries of the registry, including remote ones the CLI only lists.
class JobsCommand final : public CliCommand
{
    Q_OBJECT
public:
    using CliCommand::CliCommand;
    QString name() const override { return QStringLiteral("jobs"); }
    QString summary() const override { return QStringLiteral("Lists local jobs and in-flight entries."); }

protected:
    void setUp(QCommandLineParser &parser) override;
    void run(const QCommandLineParser &parser) override;
};

} // namespace dealscope
