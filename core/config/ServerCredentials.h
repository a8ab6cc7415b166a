#pragma once

#include "config/SecretStore.h"

#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>
#include <optional>

namespace dealscope {

// The bearer token of each job server (SPEC §6, issue 11): one keychain entry per server URL
// (normalised: scheme and host lower-case, no trailing slash), and DEALSCOPE_TOKEN in the
// environment overrides every entry, for the CLI and the desktop alike. Without a keychain
// backend the SecretStore keeps tokens in memory only and says so (warning()). A token never goes
// into QSettings, logs, the results library or job params.
class ServerCredentials final : public QObject
{
    Q_OBJECT
public:
    enum class Source { None, Environment, Keychain, Memory };
    using TokenCallback = std::function<void(const std::optional<QString> &token, Source source)>;

    explicit ServerCredentials(SecretStore &store, QObject *parent = nullptr);

    static QUrl normalizedServer(const QUrl &server);
    // The keychain entry of a server: "server/token/http://host:port".
    static QString secretKey(const QUrl &server);
    // DEALSCOPE_TOKEN when set and not blank.
    static std::optional<QString> environmentToken();
    static QString sourceName(Source source); // "DEALSCOPE_TOKEN", "keychain", "memory", "none"

    // The token for `server` (the environment first, then the keychain); the callback runs later
    // on `context`'s thread.
    void token(const QUrl &server, QObject *context, TokenCallback callback);
    // Stores the token in the keychain (in memory when there is none: `persisted` false).
    void setToken(const QUrl &server, const QString &token, SecretStore::DoneCallback done = {});
    void forget(const QUrl &server);

    bool isMemoryOnly() const { return m_store.isMemoryOnly(); }
    QString warning() const { return m_store.warning(); }
    SecretStore &store() { return m_store; }

private:
    SecretStore &m_store;
};

} // namespace dealscope
