#pragma once

#include "cli/CliCommand.h"

namespace dealscope {

// `dealscope-cli export --format csv|md|json|pdf -o FILE [--listing ID]… [--type TYPE]
// [--search TEXT] [--data-dir DIR]`: writes the matching results of the results library (the
// desktop's, and the one `analyze` stores into) with the same exporters as the desktop. An empty
// library or no match is not an error: a message says so, nothing is written, exit code 0.
class ExportCommand final : public CliCommand
{
    Q_OBJECT
public:
    using CliCommand::CliCommand;
    QString name() const override { return QStringLiteral("export"); }
    QString summary() const override
    {
        return QStringLiteral("Exports results of the library as CSV, Markdown, JSON or PDF.");
    }

protected:
    void setUp(QCommandLineParser &parser) override;
    void run(const QCommandLineParser &parser) override;
};

} // namespace dealscope
