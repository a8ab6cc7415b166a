#include "cli/CliApplication.h"

#include "cli/AnalyzeCommand.h"
#include "cli/CancelCommand.h"
#include "cli/CliCommand.h"
#include "cli/CliLog.h"
#include "cli/Console.h"
#include "cli/ExitCode.h"
#include "cli/ExportCommand.h"
#include "cli/GenerateCommand.h"
#include "cli/ImportCommand.h"
#include "cli/JobsCommand.h"
#include "cli/LoginCommand.h"
#include "cli/ResumeCommand.h"

#include <QCoreApplication>
#include <QGuiApplication>
#include <QLoggingCategory>
#include <QMetaObject>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

namespace {
template <typename T> std::function<std::unique_ptr<CliCommand>()> factory()
{
    return [] { return std::make_unique<T>(); };
}
} // namespace

CliApplication::CliApplication(QObject *parent)
    : QObject(parent)
{ }

CliApplication::~CliApplication() = default;

std::unique_ptr<QCoreApplication> CliApplication::createApplication(int &argc, char **argv)
{
    // `export` writes PDF through Qt Gui (fonts, text layout, QPdfWriter), which needs a
    // QGuiApplication; without a display it renders offscreen. Every other command stays a plain
    // core application that loads no platform plugin.
    if (argc > 1 && qstrcmp(argv[1], "export") == 0) {
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
        return std::make_unique<QGuiApplication>(argc, argv);
    }
    return std::make_unique<QCoreApplication>(argc, argv);
}

void CliApplication::initApplication()
{
    // The same names as the desktop app: one settings store, one data folder (SPEC §6).
    QCoreApplication::setOrganizationName(u"Dealscope"_s);
    QCoreApplication::setApplicationName(u"Dealscope"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(DEALSCOPE_VERSION));
    // The core's debug/info lines would drown the command's own output; QT_LOGGING_RULES
    // (which takes precedence over these rules) turns them back on.
    QLoggingCategory::setFilterRules(u"dealscope.*.debug=false\ndealscope.*.info=false"_s);
}

QList<CliApplication::CommandInfo> CliApplication::commands() const
{
    QList<CommandInfo> list;
    const auto add = [&list](std::function<std::unique_ptr<CliCommand>()> create) {
        const auto probe = create();
        list.append({ probe->name(), probe->summary(), std::move(create) });
    };
    add(factory<ImportCommand>());
    add(factory<AnalyzeCommand>());
    add(factory<GenerateCommand>());
    add(factory<JobsCommand>());
    add(factory<ResumeCommand>());
    add(factory<CancelCommand>());
    add(factory<LoginCommand>());
    add(factory<ExportCommand>());
    return list;
}

QString CliApplication::usage() const
{
    QString text = u"Usage: dealscope-cli COMMAND [options]\n\n"
                   "Dealscope from a terminal: import listings, run analyses on local worker threads or on\n"
                   "a dealscope-server (--server URL); list, resume and cancel in-flight jobs, export results,\n"
                   "generate fictional listings.\n\nCommands:\n"_s;
    for (const CommandInfo &info : commands())
        text += u"  %1%2\n"_s.arg(info.name.leftJustified(10), info.summary);
    text += u"\nOptions:\n  -h, --help  Shows this help.\n  --version   Shows the version.\n\n"
            "Run 'dealscope-cli COMMAND --help' for the options of a command.\n"
            "Exit codes: 0 success, 1 an analysis failed, 2 bad usage or input.\n"_s;
    return text;
}

void CliApplication::start(const QStringList &arguments)
{
    const QString first = arguments.value(1);
    if (first.isEmpty()) {
        Console::err(usage());
        quit(ExitUsage);
        return;
    }
    if (first == u"-h"_s || first == u"--help"_s || first == u"help"_s) {
        Console::out(usage());
        quit(ExitSuccess);
        return;
    }
    if (first == u"--version"_s || first == u"version"_s) {
        Console::out(u"dealscope-cli %1\n"_s.arg(QCoreApplication::applicationVersion()));
        quit(ExitSuccess);
        return;
    }
    QStringList names;
    for (const CommandInfo &info : commands()) {
        names.append(info.name);
        if (info.name != first)
            continue;
        qCDebug(lcCli) << "command" << first << "arguments" << arguments.mid(2);
        m_command = info.create();
        connect(m_command.get(), &CliCommand::finished, this, &CliApplication::quit);
        m_command->start(arguments.mid(2));
        return;
    }
    Console::err(u"dealscope-cli: unknown command '%1' (commands: %2)\n"
                 "Run 'dealscope-cli --help' for the usage.\n"_s.arg(first, names.join(u", "_s)));
    quit(ExitUsage);
}

void CliApplication::quit(int exitCode)
{
    // Queued: exit() before exec() started would be lost.
    QMetaObject::invokeMethod(
        QCoreApplication::instance(), [exitCode] { QCoreApplication::exit(exitCode); }, Qt::QueuedConnection);
}

} // namespace dealscope
