#pragma once

#include "cli/CliCommand.h"

namespace dealscope {

// `dealscope-cli import FILE [--json] [--format auto|csv|json]`: validates a listings file and
// prints the counts (rows, imported, warnings, errors) and every diagnostic. Exit 0 when the file
// could be read (even with row errors), 2 when it cannot (missing, binary, not CSV/JSON).
class ImportCommand final : public CliCommand
{
    Q_OBJECT
public:
    using CliCommand::CliCommand;
    QString name() const override { return QStringLiteral("import"); }
    QString summary() const override
    {
        return QStringLiteral("Validates a listings file (CSV or JSON) and shows its diagnostics.");
    }

protected:
    void setUp(QCommandLineParser &parser) override;
    void run(const QCommandLineParser &parser) override;
};

} // namespace dealscope
