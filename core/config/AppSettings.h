#pragma once

#include <QByteArray>
#include <QSettings>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>

namespace dealscope {

// Defaults the desktop puts into the params of every analysis it starts (SPEC §4 names).
struct AnalysisDefaults final
{
    double downPaymentPct = 0.10;
    double interestRate = 0.105;
    int termYears = 10;
    qint64 ownerSalary = 0;
    double targetDscr = 1.25;

    nlohmann::json toParams() const;
    bool operator==(const AnalysisDefaults &) const = default;
};

// The listing filters restored at start-up.
struct ListingFilters final
{
    QString search;
    QString industry;
    QString state;
    std::optional<qint64> minPrice;
    std::optional<qint64> maxPrice;

    bool operator==(const ListingFilters &) const = default;
};

// Typed access to every desktop setting (like KeePassXC's Config): one getter/setter per setting,
// defaults in one place, a settings version with migrations run on construction. Secrets never
// live here: they go through SecretStore (SPEC §6). Use from the GUI thread.
class AppSettings final
{
public:
    static constexpr int CurrentVersion = 2;

    enum class Backend { Local, Server };

    // `iniFile` empty: the platform store of organization/application "Dealscope" (SPEC §6).
    explicit AppSettings(const QString &iniFile = {});
    ~AppSettings();
    AppSettings(const AppSettings &) = delete;
    AppSettings &operator=(const AppSettings &) = delete;

    QSettings &qsettings() { return *m_settings; }
    QString fileName() const { return m_settings->fileName(); }
    void sync();

    int version() const;
    // Secrets an older version left in plaintext, removed from the file by the migration;
    // the caller moves them into the SecretStore. Key → secret.
    QList<QPair<QString, QString>> takeMigratedSecrets();

    Backend backend() const;
    void setBackend(Backend backend);
    static QString backendName(Backend backend); // "local" | "server"
    QUrl serverUrl() const;
    void setServerUrl(const QUrl &url);

    int workerThreads() const;
    void setWorkerThreads(int threads);
    int timeoutSeconds() const;
    void setTimeoutSeconds(int seconds);

    AnalysisDefaults analysisDefaults() const;
    void setAnalysisDefaults(const AnalysisDefaults &defaults);

    int pollInitialMs() const;
    void setPollInitialMs(int ms);
    int pollMaxMs() const;
    void setPollMaxMs(int ms);

    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray &geometry);
    QByteArray windowState() const;
    void setWindowState(const QByteArray &state);
    bool developerMode() const;
    void setDeveloperMode(bool on);

    ListingFilters lastFilters() const;
    void setLastFilters(const ListingFilters &filters);

    QString llmProvider() const; // "builtin" | "openai"
    void setLlmProvider(const QString &provider);
    QUrl llmBaseUrl() const;
    void setLlmBaseUrl(const QUrl &url);
    QString llmModel() const;
    void setLlmModel(const QString &model);

    // Names of the secrets in the SecretStore.
    static QString llmApiKeySecret() { return QStringLiteral("llm/apiKey"); }
    static QString serverTokenSecret() { return QStringLiteral("server/token"); }

private:
    void migrate();

    std::unique_ptr<QSettings> m_settings;
    QList<QPair<QString, QString>> m_migratedSecrets;
};

} // namespace dealscope
