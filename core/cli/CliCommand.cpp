#include "cli/CliCommand.h"

#include "cli/Console.h"
#include "cli/ExitCode.h"

#include <QCoreApplication>
#include <QMetaObject>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

CliCommand::CliCommand(QObject *parent)
    : QObject(parent)
{ }

CliCommand::~CliCommand() = default;

void CliCommand::start(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(summary());
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({ u"h"_s, u"help"_s }, u"Shows this help."_s);
    const QCommandLineOption version(u"version"_s, u"Shows the version."_s);
    parser.addOption(help);
    parser.addOption(version);
    setUp(parser);

    // parse() (not process()): a bad option must give exit code 2, not exit() from inside Qt.
    if (!parser.parse(QStringList { u"dealscope-cli"_s } + arguments)) {
        failUsage(parser.errorText());
        return;
    }
    if (parser.isSet(help)) {
        Console::out(helpText(parser));
        finish(ExitSuccess);
        return;
    }
    if (parser.isSet(version)) {
        Console::out(u"dealscope-cli %1\n"_s.arg(QCoreApplication::applicationVersion()));
        finish(ExitSuccess);
        return;
    }
    run(parser);
}

void CliCommand::finish(int exitCode)
{
    if (m_finished)
        return;
    m_finished = true;
    QMetaObject::invokeMethod(
        this, [this, exitCode] { Q_EMIT finished(exitCode); }, Qt::QueuedConnection);
}

void CliCommand::failUsage(const QString &message)
{
    printError(message);
    Console::err(u"Run 'dealscope-cli %1 --help' for the options.\n"_s.arg(name()));
    finish(ExitUsage);
}

void CliCommand::printError(const QString &message) const
{
    Console::err(u"dealscope-cli %1: %2\n"_s.arg(name(), message));
}

QString CliCommand::helpText(const QCommandLineParser &parser) const
{
    // QCommandLineParser names the executable by its path; the usage line should show the command.
    QString text = parser.helpText();
    const QString program = QCoreApplication::arguments().value(0);
    const qsizetype at = program.isEmpty() ? -1 : text.indexOf(program);
    if (at >= 0)
        text.replace(at, program.size(), u"dealscope-cli "_s + name());
    return text;
}

} // namespace dealscope
