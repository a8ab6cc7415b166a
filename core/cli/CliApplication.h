#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

class QCoreApplication;

namespace dealscope {

class CliCommand;

// Dispatches `dealscope-cli COMMAND …` to its command and quits the event loop with the command's
// exit code. `dealscope-cli --help` lists the commands; `--version` prints the version.
class CliApplication final : public QObject
{
    Q_OBJECT
public:
    explicit CliApplication(QObject *parent = nullptr);
    ~CliApplication() override;

    // The application object for these arguments: a QGuiApplication (offscreen unless
    // QT_QPA_PLATFORM says otherwise) for `export`, which renders PDF, else a QCoreApplication.
    static std::unique_ptr<QCoreApplication> createApplication(int &argc, char **argv);
    // Sets organization, application name and version (they pick the settings and the data folder).
    static void initApplication();

    // `arguments` as in QCoreApplication::arguments(). Returns at once; the loop quits later.
    void start(const QStringList &arguments);

private:
    struct CommandInfo
    {
        QString name;
        QString summary;
        std::function<std::unique_ptr<CliCommand>()> create;
    };
    QList<CommandInfo> commands() const;
    QString usage() const;
    void quit(int exitCode);

    std::unique_ptr<CliCommand> m_command;
};

} // namespace dealscope
