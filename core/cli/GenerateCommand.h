#pragma once

#include "cli/CliCommand.h"

namespace dealscope {

// `dealscope-cli generate --count N --seed S [--format csv|json] [-o FILE]`: fictional listings
// drawn from the sector benchmark distributions, byte-identical for the same seed (the demo
// listings and the benchmark inputs are made with it). Streams, so 100k rows need little memory.
class GenerateCommand final : public CliCommand
{
    Q_OBJECT
public:
    using CliCommand::CliCommand;
    QString name() const override { return QStringLiteral("generate"); }
    QString summary() const override { return QStringLiteral("Writes fictional listings (same seed, same bytes)."); }

protected:
    void setUp(QCommandLineParser &parser) override;
    void run(const QCommandLineParser &parser) override;
};

} // namespace dealscope
