#pragma once

#include <QCommandLineParser>
#include <QObject>
#include <QString>
#include <QStringList>

namespace dealscope {

// One dealscope-cli command. start() parses the command's own options (every command has --help
// and --version) and runs it; finished() reports the exit code later, from the event loop, so a
// command may wait for jobs through signals without blocking the loop.
class CliCommand : public QObject
{
    Q_OBJECT
public:
    explicit CliCommand(QObject *parent = nullptr);
    ~CliCommand() override;

    virtual QString name() const = 0; // "analyze"
    virtual QString summary() const = 0; // one line for `dealscope-cli --help`

    // `arguments` are those after the command name.
    void start(const QStringList &arguments);

Q_SIGNALS:
    void finished(int exitCode);

protected:
    // Declares the options and positional arguments (help and version are added by the base).
    virtual void setUp(QCommandLineParser &parser) = 0;
    // Runs with parsed options; must call finish() exactly once, now or later.
    virtual void run(const QCommandLineParser &parser) = 0;

    // Reports the exit code (queued, so finished() never fires inside start()).
    void finish(int exitCode);
    // Prints "dealscope-cli NAME: MESSAGE" and a hint to --help to stderr, then finishes with 2.
    void failUsage(const QString &message);
    // Prints "dealscope-cli NAME: MESSAGE" to stderr.
    void printError(const QString &message) const;

private:
    QString helpText(const QCommandLineParser &parser) const;
    bool m_finished = false;
};

} // namespace dealscope
