#include "cli/LoginCommand.h"

#include "cli/Console.h"
#include "cli/ExitCode.h"
#include "cli/RemoteServers.h"
#include "config/ServerCredentials.h"
#include "net/RemoteJobBackend.h"

#include <QFile>

#include <cstdio>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

LoginCommand::LoginCommand(QObject *parent)
    : CliCommand(parent)
{ }

LoginCommand::~LoginCommand() = default;

void LoginCommand::setUp(QCommandLineParser &parser)
{
    RemoteServers::addServerOption(parser, u"The dealscope-server the token is for."_s);
    parser.addOption({ u"no-check"_s, u"Stores the token without trying it on the server first."_s });
}

void LoginCommand::run(const QCommandLineParser &parser)
{
    if (!parser.positionalArguments().isEmpty())
        return failUsage(u"unexpected argument '%1': the token is read from stdin"_s.arg(
            parser.positionalArguments().constFirst().left(8) + u"…"_s));
    if (!parser.isSet(u"server"_s))
        return failUsage(u"missing --server URL"_s);
    auto parsed = RemoteServers::parseServer(parser.value(u"server"_s));
    if (const auto *error = std::get_if<QString>(&parsed))
        return failUsage(*error);
    const QUrl server = std::get<QUrl>(parsed);

    if (Console::stderrIsTerminal())
        Console::err(u"Token for %1 (one line on stdin): "_s.arg(server.toString()));
    QFile in;
    if (!in.open(stdin, QIODevice::ReadOnly))
        return failUsage(u"cannot read stdin"_s);
    const QString token = QString::fromUtf8(in.readLine(64 * 1024)).trimmed();
    if (token.isEmpty())
        return failUsage(u"no token on stdin"_s);
    for (const QChar c : token) {
        if (c.unicode() < 0x21 || c.unicode() > 0x7e)
            return failUsage(u"the token must be one line of visible ASCII characters"_s);
    }
    m_remote = std::make_unique<RemoteServers>();
    if (parser.isSet(u"no-check"_s)) {
        store(server, token);
        return;
    }
    // A lookup of a pair that has no job: 404 job_not_found means the token was accepted.
    m_probe = std::make_unique<RemoteJobBackend>(server);
    m_probe->setToken(token);
    m_probe->lookup(u"__login_check__"_s, u"valuation"_s, this, [this, server, token](const BackendReply &reply) {
        if (reply.error == BackendReply::Error::Unauthorized) {
            printError(u"the server %1 refused this token; nothing stored"_s.arg(server.toString()));
            return finish(ExitFailure);
        }
        if (reply.error == BackendReply::Error::Network) {
            Console::err(u"could not try the token (%1); storing it anyway\n"_s.arg(reply.message));
        }
        store(server, token);
    });
}

void LoginCommand::store(const QUrl &server, const QString &token)
{
    m_remote->credentials().setToken(server, token, [this, server](bool persisted) {
        if (!persisted) {
            const QString warning = m_remote->credentials().warning();
            printError(u"%1\nThe token was not stored; set DEALSCOPE_TOKEN for this server instead."_s.arg(
                warning.isEmpty() ? u"the keychain did not store the token"_s : warning));
            return finish(ExitFailure);
        }
        Console::err(u"token for %1 stored in the keychain\n"_s.arg(server.toString()));
        if (ServerCredentials::environmentToken())
            Console::err(u"note: DEALSCOPE_TOKEN is set and takes precedence over the keychain\n"_s);
        finish(ExitSuccess);
    });
}

} // namespace dealscope
