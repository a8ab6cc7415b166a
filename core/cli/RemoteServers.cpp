#include "cli/RemoteServers.h"

#include "cli/CliLog.h"
#include "cli/Console.h"
#include "config/SecretStore.h"
#include "config/ServerCredentials.h"
#include "net/RemoteJobBackend.h"

#include <QCommandLineParser>
#include <QTimer>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

RemoteServers::RemoteServers(QObject *parent)
    : QObject(parent)
    , m_secrets(std::make_unique<SecretStore>())
    , m_credentials(std::make_unique<ServerCredentials>(*m_secrets))
{ }

RemoteServers::~RemoteServers()
{
    qDeleteAll(m_backends);
}

void RemoteServers::addServerOption(QCommandLineParser &parser, const QString &description)
{
    parser.addOption({ u"server"_s, description, u"URL"_s });
}

std::variant<QUrl, QString> RemoteServers::parseServer(const QString &text)
{
    const QUrl url = QUrl::fromUserInput(text.trimmed());
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || url.host().isEmpty() || (scheme != u"http"_s && scheme != u"https"_s)
        || !text.contains(u"://"_s))
        return u"--server must be an http:// or https:// URL with a host, got '%1'"_s.arg(text);
    if (!url.userInfo().isEmpty())
        return u"--server must not carry a user or password; use 'dealscope-cli login' for the token"_s;
    return ServerCredentials::normalizedServer(url);
}

QString RemoteServers::loginHint(const QString &server)
{
    return u"run 'dealscope-cli login --server %1' (the token on stdin) or set DEALSCOPE_TOKEN"_s.arg(server);
}

void RemoteServers::open(const QList<QUrl> &servers, std::function<void()> ready)
{
    auto pending = std::make_shared<int>(int(servers.size()));
    if (servers.isEmpty()) {
        QTimer::singleShot(0, this, [ready] { ready(); });
        return;
    }
    for (const QUrl &server : servers) {
        const QUrl url = ServerCredentials::normalizedServer(server);
        auto *backend = m_backends.value(url.toString());
        if (!backend) {
            backend = new RemoteJobBackend(url);
            m_backends.insert(url.toString(), backend);
            connect(backend, &JobBackend::connectionStateChanged, this, [backend](const QString &state) {
                if (state == u"online"_s)
                    Console::err(u"server %1 is back online\n"_s.arg(backend->server()));
                else if (state == u"unauthorized"_s)
                    Console::err(
                        u"server %1 refused the token: %2\n"_s.arg(backend->server(), loginHint(backend->server())));
                else
                    Console::err(u"server %1 is not reachable (%2); reconnecting…\n"_s.arg(
                        backend->server(), backend->lastError()));
            });
        }
        m_credentials->token(url, this,
            [this, backend, pending, ready](const std::optional<QString> &token, ServerCredentials::Source source) {
                if (token)
                    backend->setToken(*token);
                qCDebug(lcCli).noquote() << "token of" << backend->server() << "from"
                                         << ServerCredentials::sourceName(source);
                if (!token && m_credentials->isMemoryOnly() && !std::exchange(m_warned, true))
                    Console::err(m_credentials->warning() + u"\n"_s);
                if (--*pending == 0)
                    ready();
            });
    }
}

RemoteJobBackend *RemoteServers::backend(const QUrl &server) const
{
    return m_backends.value(ServerCredentials::normalizedServer(server).toString());
}

} // namespace dealscope
