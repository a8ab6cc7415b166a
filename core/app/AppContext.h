#pragma once

#include "config/SecretStore.h"

#include <QObject>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <memory>

namespace dealscope {

class AnalysisController;
class AnalysisEngine;
class AppSettings;
class AsyncResultsLibrary;
class BenchmarkTable;
class ExportService;
class InFlightRegistry;
class JobBackend;
class JobBackends;
class ListingsService;
class LocalJobRunner;
class ResultsLibrary;
class RemoteListings;
class ServerCredentials;
struct ResumeSummary;

struct AppContextOptions final
{
    QString settingsFile; // empty: the platform settings (Dealscope/Dealscope)
    QString dataDir; // empty: the app data folder
    SecretStore::Mode secretMode = SecretStore::Mode::Keychain;
    // `dealscope --server URL`: new analyses run on this job server (saved as the backend setting).
    QUrl server;
};

// The desktop's composition root: every long-lived object the app is made of, built once, in
// order, from the settings and the data folder, and torn down in the reverse order. The window
// receives it and builds nothing of its own; tests and benchmarks build it the same way over a
// temporary INI and data folder. Lives on the GUI thread.
//
//   settings (INI or platform) ── secrets (keychain), in-flight registry
//   data folder ── results library (+ its storage thread), listings.json, jobs.sqlite
//   benchmark table ── engine ── local runner ── JobBackends (+ remote ones, by factory)
//   AnalysisController (over JobBackends), ListingsService (over the engine), ExportService
class AppContext final : public QObject
{
    Q_OBJECT
public:
    explicit AppContext(AppContextOptions options, QObject *parent = nullptr);
    // Results still being written land first (their in-flight entries go with them), trackers go
    // before the backends they watch, the backends before the engine and registry they use.
    ~AppContext() override;

    const AppContextOptions &options() const { return m_options; }
    QString dataDir() const { return m_dataDir; }
    // What could not be opened (library, job store), as sentences for the user; empty when fine.
    QStringList problems() const { return m_problems; }

    AppSettings &settings() { return *m_settings; }
    SecretStore &secrets() { return *m_secrets; }
    ServerCredentials &credentials() { return *m_credentials; }
    ResultsLibrary &library() { return *m_library; } // GUI-thread reads (indexed, small)
    AsyncResultsLibrary &libraryWriter() { return *m_libraryWriter; } // writes and whole-table reads
    InFlightRegistry &registry() { return *m_registry; }
    std::shared_ptr<const BenchmarkTable> benchmarks() const { return m_benchmarks; }
    std::shared_ptr<AnalysisEngine> engine() const { return m_engine; }
    LocalJobRunner &runner() { return *m_runner; }
    JobBackends &backends() { return *m_backends; }
    AnalysisController &controller() { return *m_controller; }
    ListingsService &listings() { return *m_listings; }
    ExportService &exports() { return *m_exports; }
    QString libraryFile() const;

    // Re-attaches every in-flight entry, then requeues what a killed process left running.
    ResumeSummary resumeInFlight();
    // After the settings changed: worker threads, the narrative provider, where new analyses run.
    void applySettings();
    // Keeps `token` for `server` (keychain; memory only without one) and hands it to that server's
    // backend, which polls again at once if it was refused before.
    void setServerToken(const QUrl &server, const QString &token);

    // In server mode: reads the server's listings (GET /api/listings, paged) and merges them into
    // the listings shown, next to the local ones (ListingsService::serverListingsMerged follows).
    // Call once the listings are loaded. Nothing in local mode.
    void refreshServerListings();

    // The connection to the current job server: "" in local mode, else "online", "reconnecting",
    // "unauthorized" or "tls-error" (RemoteJobBackend).
    QString connectionState() const;

Q_SIGNALS:
    // Something the user should read in passing (the status bar).
    void message(const QString &text);
    // connectionState() may have changed (a backend's state, or the current server).
    void connectionStateChanged(const QString &state);

private:
    void applyNarrativeProvider();
    JobBackend *makeRemote(const QUrl &server, QObject *parent);

    AppContextOptions m_options;
    QString m_dataDir;
    QStringList m_problems;
    std::unique_ptr<AppSettings> m_settings;
    SecretStore *m_secrets = nullptr;
    ServerCredentials *m_credentials = nullptr;
    RemoteListings *m_remoteListings = nullptr;
    std::unique_ptr<ResultsLibrary> m_library;
    std::unique_ptr<AsyncResultsLibrary> m_libraryWriter;
    std::unique_ptr<InFlightRegistry> m_registry;
    std::shared_ptr<const BenchmarkTable> m_benchmarks;
    std::shared_ptr<AnalysisEngine> m_engine;
    std::unique_ptr<LocalJobRunner> m_runner;
    std::unique_ptr<JobBackends> m_backends;
    std::unique_ptr<AnalysisController> m_controller;
    std::unique_ptr<ListingsService> m_listings;
    std::unique_ptr<ExportService> m_exports;
};

} // namespace dealscope
