#pragma once

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>
#include <memory>
#include <variant>

class QCommandLineParser;

namespace dealscope {

class RemoteJobBackend;
class SecretStore;
class ServerCredentials;

// The job servers one CLI command talks to (issue 11): one RemoteJobBackend per server URL, each
// with its token (DEALSCOPE_TOKEN, else the server's keychain entry). Connection changes are told
// on stderr ("reconnecting…", "back online"), so a user watching `resume --wait` sees why nothing
// moves while a server restarts.
class RemoteServers final : public QObject
{
    Q_OBJECT
public:
    explicit RemoteServers(QObject *parent = nullptr);
    ~RemoteServers() override;

    // --server URL
    static void addServerOption(QCommandLineParser &parser, const QString &description);
    // An http(s) URL with a host, normalised; else the message to print.
    static std::variant<QUrl, QString> parseServer(const QString &text);
    // The hint printed after a refused token.
    static QString loginHint(const QString &server);

    // Reads the tokens of `servers`, makes their backends, then calls `ready` (later, never inside).
    void open(const QList<QUrl> &servers, std::function<void()> ready);
    RemoteJobBackend *backend(const QUrl &server) const;
    ServerCredentials &credentials() { return *m_credentials; }

private:
    std::unique_ptr<SecretStore> m_secrets;
    std::unique_ptr<ServerCredentials> m_credentials;
    QHash<QString, RemoteJobBackend *> m_backends;
    bool m_warned = false;
};

} // namespace dealscope
