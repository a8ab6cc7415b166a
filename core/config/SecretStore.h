#pragma once

#include <QHash>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>

namespace dealscope {

// Secrets (server token, LLM API key) through QtKeychain, never in QSettings (SPEC §6).
// When no keychain backend answers, the store switches to memory-only keys for this session and
// says so through warning()/fallbackActivated() so the UI can show it. Keychain calls are
// asynchronous; callbacks run on the GUI thread. Values are also cached in memory for the session.
class SecretStore final : public QObject
{
    Q_OBJECT
public:
    enum class Mode { Keychain, MemoryOnly };
    using ReadCallback = std::function<void(const std::optional<QString> &secret)>;
    using DoneCallback = std::function<void(bool persisted)>;

    explicit SecretStore(
        Mode mode = Mode::Keychain, QString service = QStringLiteral("Dealscope"), QObject *parent = nullptr);
    ~SecretStore() override;

    bool isMemoryOnly() const { return m_memoryOnly; }
    // Empty while the keychain works; otherwise the text to show the user.
    QString warning() const { return m_warning; }

    // Asks the keychain once so a missing backend is reported at start-up, not on first save.
    void probe();
    void write(const QString &key, const QString &secret, DoneCallback done = {});
    void read(const QString &key, QObject *context, ReadCallback callback);
    void remove(const QString &key);
    std::optional<QString> cached(const QString &key) const;

Q_SIGNALS:
    void fallbackActivated(const QString &warning);
    void secretChanged(const QString &key);

private:
    void activateFallback(const QString &reason);

    QString m_service;
    bool m_memoryOnly = false;
    QString m_warning;
    QHash<QString, QString> m_cache;
};

} // namespace dealscope
