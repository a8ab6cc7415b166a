#include "app/AppContext.h"

#include "analysis/AnalysisEngine.h"
#include "app/AnalysisController.h"
#include "app/AppLog.h"
#include "app/EnglishPlurals.h"
#include "app/ExportService.h"
#include "app/JobBackends.h"
#include "app/ListingsService.h"
#include "app/RemoteListings.h"
#include "benchmarks/BenchmarkTable.h"
#include "config/AppSettings.h"
#include "config/ServerCredentials.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/LocalJobRunner.h"
#include "llm/OpenAiNarrativeProvider.h"
#include "market/ListingCatalog.h"
#include "net/RemoteJobBackend.h"
#include "storage/AsyncResultsLibrary.h"
#include "storage/ResultsLibrary.h"

#include <QCoreApplication>
#include <QDir>
#include <QPointer>
#include <QStandardPaths>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

AppContext::AppContext(AppContextOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    EnglishPlurals::install();
    m_dataDir = m_options.dataDir.isEmpty() ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
                                            : m_options.dataDir;
    QDir().mkpath(m_dataDir);
    m_settings = std::make_unique<AppSettings>(m_options.settingsFile);
    if (m_options.server.isValid() && !m_options.server.isEmpty()) {
        m_settings->setBackend(AppSettings::Backend::Server);
        m_settings->setServerUrl(m_options.server);
    }
    m_secrets = new SecretStore(m_options.secretMode, u"Dealscope"_s, this);
    // Secrets an older settings file kept in plaintext go to the keychain now (already gone from the file).
    for (const auto &[name, secret] : m_settings->takeMigratedSecrets())
        m_secrets->write(name, secret);

    const QString libraryFile = this->libraryFile();
    m_library = std::make_unique<ResultsLibrary>();
    const bool libraryOk = m_library->open(libraryFile);
    m_libraryWriter = std::make_unique<AsyncResultsLibrary>();
    if (libraryOk)
        m_libraryWriter->open(libraryFile);
    else
        m_problems << tr("The results library could not be opened: %1").arg(m_library->errorString());
    // Write-behind: the settings file is rewritten on the registry's thread, not on this one.
    m_registry = std::make_unique<InFlightRegistry>(m_settings->qsettings(), InFlightRegistry::Mode::WriteBehind);
    m_benchmarks = BenchmarkTable::builtin();
    m_engine = std::make_shared<AnalysisEngine>(
        m_benchmarks, std::make_shared<const ListingCatalog>(QList<Listing> {}, m_benchmarks));

    LocalRunnerOptions runnerOptions;
    runnerOptions.dataDir = m_dataDir;
    runnerOptions.threads = m_settings->workerThreads();
    runnerOptions.timeoutSeconds = m_settings->timeoutSeconds();
    m_runner = std::make_unique<LocalJobRunner>(m_engine, runnerOptions);
    if (!m_runner->open())
        m_problems << tr("The local job store could not be opened: %1").arg(m_runner->errorString());
    m_backends = std::make_unique<JobBackends>(m_runner.get());
    m_credentials = new ServerCredentials(*m_secrets, this);
    // Remote in-flight entries resume on their own server whatever the mode; new analyses go to
    // the current server in server mode (SPEC §6).
    m_backends->setRemoteFactory(
        [this](const QUrl &server, QObject *parent) -> JobBackend * { return makeRemote(server, parent); });
    m_controller = std::make_unique<AnalysisController>(*m_backends, m_registry.get(), m_libraryWriter.get());
    m_listings
        = std::make_unique<ListingsService>(m_benchmarks, m_engine, QDir(m_dataDir).filePath(u"listings.json"_s));
    m_remoteListings = new RemoteListings(this);
    connect(m_remoteListings, &RemoteListings::finished, this,
        [this](const QUrl &server, const QList<Listing> &listings, const QString &error) {
            if (!error.isEmpty()) {
                Q_EMIT message(error);
                return;
            }
            m_listings->addServerListings(server, listings);
        });
    m_exports = std::make_unique<ExportService>(libraryFile);

    // Warm the session cache, so the settings dialog can tell whether a token is stored.
    if (m_settings->serverUrl().isValid())
        m_secrets->read(
            ServerCredentials::secretKey(m_settings->serverUrl()), this, [](const std::optional<QString> &) {});
    applySettings();
}

AppContext::~AppContext()
{
    // Results still being written land first, so their in-flight entries go with them and the
    // next start does not resume analyses that are already in the library.
    m_controller->flushPaced(); // finished analyses handed to the library
    m_libraryWriter->waitForIdle();
    QCoreApplication::sendPostedEvents(m_libraryWriter.get(), QEvent::MetaCall); // its answers
    m_controller->flushPaced(); // handled: their entries leave the registry with the controller
    m_controller.reset();
    m_exports.reset(); // waits for the file being written
    m_listings.reset(); // waits for its workers
    m_backends.reset();
    m_runner.reset();
    m_libraryWriter.reset(); // finishes the queued writes: no finished result is lost
    m_settings->sync();
}

QString AppContext::libraryFile() const
{
    return QDir(m_dataDir).filePath(u"results.sqlite"_s);
}

ResumeSummary AppContext::resumeInFlight()
{
    // Attach first: the trackers' fetches reach the runner's store before the requeued jobs can
    // run and be evicted, so no tracker misses a job that finishes quickly after resuming.
    const ResumeSummary summary = m_controller->resume(m_registry->entries());
    m_runner->resumeInterrupted();
    return summary;
}

void AppContext::applySettings()
{
    m_runner->setThreadCount(m_settings->workerThreads());
    // New analyses run where the settings say; without a remote backend for that server yet,
    // JobBackends::current() stays local.
    m_backends->setCurrentServer(
        m_settings->backend() == AppSettings::Backend::Server ? m_settings->serverUrl() : QUrl());
    Q_EMIT connectionStateChanged(connectionState());
    applyNarrativeProvider();
}

JobBackend *AppContext::makeRemote(const QUrl &server, QObject *parent)
{
    RemoteJobBackend::Options options;
    auto *backend = new RemoteJobBackend(server, options, parent);
    // The token: DEALSCOPE_TOKEN, else what this session already read from the keychain; the
    // keychain's answer follows (a first request before it that is refused is retried with it).
    if (const auto env = ServerCredentials::environmentToken())
        backend->setToken(*env);
    else if (const auto cached = m_secrets->cached(ServerCredentials::secretKey(server)))
        backend->setToken(*cached);
    QPointer<RemoteJobBackend> guard(backend);
    m_credentials->token(server, backend, [guard](const std::optional<QString> &token, ServerCredentials::Source) {
        if (guard && token && !token->isEmpty())
            guard->setToken(*token);
    });
    connect(backend, &JobBackend::connectionStateChanged, this,
        [this] { Q_EMIT connectionStateChanged(connectionState()); });
    return backend;
}

void AppContext::setServerToken(const QUrl &server, const QString &token)
{
    if (token.isEmpty() || !server.isValid() || server.host().isEmpty())
        return;
    m_credentials->setToken(server, token);
    if (auto *backend = qobject_cast<RemoteJobBackend *>(m_backends->remote(server)))
        backend->setToken(token);
}

void AppContext::refreshServerListings()
{
    const QUrl server = m_backends->currentServer();
    if (server.isEmpty())
        return;
    m_credentials->token(server, this, [this, server](const std::optional<QString> &token, ServerCredentials::Source) {
        if (m_backends->currentServer() == server)
            m_remoteListings->fetch(server, token.value_or(QString()));
    });
}

QString AppContext::connectionState() const
{
    if (m_backends->currentServer().isEmpty())
        return {};
    auto *backend = qobject_cast<RemoteJobBackend *>(m_backends->remote(m_backends->currentServer()));
    return backend ? backend->connectionState() : QString();
}

void AppContext::applyNarrativeProvider()
{
    if (m_settings->llmProvider() != u"openai"_s) {
        m_engine->setDefaultProvider(u"builtin"_s);
        m_secrets->read(AppSettings::llmApiKeySecret(), this, [](const std::optional<QString> &) {});
        return;
    }
    // The key comes from the keychain (asynchronously); the provider is registered once it is known.
    m_secrets->read(AppSettings::llmApiKeySecret(), this, [this](const std::optional<QString> &key) {
        if (m_settings->llmProvider() != u"openai"_s)
            return;
        llm::LlmConfig config;
        config.baseUrl = m_settings->llmBaseUrl();
        config.model = m_settings->llmModel();
        config.apiKey = key.value_or(QString());
        m_engine->registerProvider(std::make_shared<llm::OpenAiNarrativeProvider>(config));
        m_engine->setDefaultProvider(config.providerName());
        if (!key)
            Q_EMIT message(tr("No LLM API key is stored; local servers that need none still work."));
    });
}

} // namespace dealscope
