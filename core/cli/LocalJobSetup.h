#pragma once

#include <QString>

#include <memory>
#include <optional>
#include <variant>

class QCommandLineParser;
class QSettings;

namespace dealscope {

class AnalysisEngine;
class InFlightRegistry;
class ListingCatalog;
class LocalJobRunner;

// What analyze, resume and jobs share: the data folder holding jobs.sqlite (--data-dir, default the
// app data folder), the settings holding the in-flight registry (--settings FILE, default the
// platform store of organization/application "Dealscope"), and the local runner over both.
class LocalJobSetup final
{
public:
    enum Option { DataDir = 0x1, Settings = 0x2, Threads = 0x4, Timeout = 0x8, Llm = 0x10, All = 0x1f };

    LocalJobSetup();
    ~LocalJobSetup();

    static void addOptions(QCommandLineParser &parser, int options);
    static QString defaultDataDir();

    // Reads the options (those added with the same `options`) and opens the settings; an error
    // message names the bad option.
    std::optional<QString> configure(const QCommandLineParser &parser, int options);
    // The engine over `catalog`, with the LLM narrative provider of --provider/--base-url/--model
    // (core/llm) when the options name one; the error never contains the API key.
    static std::variant<std::shared_ptr<AnalysisEngine>, QString> makeEngine(
        const QCommandLineParser &parser, std::shared_ptr<const ListingCatalog> catalog);
    // Creates the runner over `engine` and opens its store.
    std::optional<QString> openRunner(std::shared_ptr<const AnalysisEngine> engine);

    QString dataDir() const { return m_dataDir; }
    QSettings &settings() { return *m_settings; }
    InFlightRegistry &registry() { return *m_registry; }
    LocalJobRunner &runner() { return *m_runner; }

private:
    QString m_dataDir;
    int m_threads = 0;
    int m_timeoutSeconds = 300;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<InFlightRegistry> m_registry;
    std::unique_ptr<LocalJobRunner> m_runner;
};

} // namespace dealscope
