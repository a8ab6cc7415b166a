#include "config/ServerCredentials.h"

#include <QPointer>
#include <QTimer>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

ServerCredentials::ServerCredentials(SecretStore &store, QObject *parent)
    : QObject(parent)
    , m_store(store)
{ }

QUrl ServerCredentials::normalizedServer(const QUrl &server)
{
    QUrl url = server.adjusted(QUrl::StripTrailingSlash | QUrl::NormalizePathSegments | QUrl::RemoveUserInfo);
    url.setQuery(QString());
    url.setFragment(QString());
    url.setScheme(url.scheme().toLower());
    url.setHost(url.host().toLower());
    while (url.path().endsWith(u'/'))
        url.setPath(url.path().chopped(1));
    return url;
}

QString ServerCredentials::secretKey(const QUrl &server)
{
    return u"server/token/"_s + normalizedServer(server).toString();
}

std::optional<QString> ServerCredentials::environmentToken()
{
    const QString value = qEnvironmentVariable("DEALSCOPE_TOKEN").trimmed();
    if (value.isEmpty())
        return std::nullopt;
    return value;
}

QString ServerCredentials::sourceName(Source source)
{
    switch (source) {
    case Source::Environment:
        return u"DEALSCOPE_TOKEN"_s;
    case Source::Keychain:
        return u"keychain"_s;
    case Source::Memory:
        return u"memory"_s;
    case Source::None:
        break;
    }
    return u"none"_s;
}

void ServerCredentials::token(const QUrl &server, QObject *context, TokenCallback callback)
{
    if (const auto env = environmentToken()) {
        QPointer<QObject> guard(context);
        QTimer::singleShot(0, this, [guard, callback, token = *env] {
            if (guard)
                callback(token, Source::Environment);
        });
        return;
    }
    m_store.read(secretKey(server), context, [this, callback](const std::optional<QString> &secret) {
        if (!secret || secret->isEmpty()) {
            callback(std::nullopt, Source::None);
            return;
        }
        callback(secret, m_store.isMemoryOnly() ? Source::Memory : Source::Keychain);
    });
}

void ServerCredentials::setToken(const QUrl &server, const QString &token, SecretStore::DoneCallback done)
{
    m_store.write(secretKey(server), token, std::move(done));
}

void ServerCredentials::forget(const QUrl &server)
{
    m_store.remove(secretKey(server));
}

} // namespace dealscope
