#pragma once

#include "cli/CliCommand.h"

#include <memory>

namespace dealscope {

class RemoteJobBackend;
class RemoteServers;

// `dealscope-cli login --server URL [--no-check]`: reads the server's token from stdin (its first
// line) and keeps it in the system keychain, one entry per server URL (issue 11). The token is
// first tried on the server: a refused one is not stored. Without a keychain the token cannot be
// kept: a warning, exit code 1 (DEALSCOPE_TOKEN is the way then).
class LoginCommand final : public CliCommand
{
    Q_OBJECT
public:
    explicit LoginCommand(QObject *parent = nullptr);
    ~LoginCommand() override;
    QString name() const override { return QStringLiteral("login"); }
    QString summary() const override { return QStringLiteral("Stores a server's token in the keychain."); }

protected:
    void setUp(QCommandLineParser &parser) override;
    void run(const QCommandLineParser &parser) override;

private:
    void store(const QUrl &server, const QString &token);

    std::unique_ptr<RemoteServers> m_remote;
    std::unique_ptr<RemoteJobBackend> m_probe;
};

} // namespace dealscope
