#include "cli/LocalJobSetup.h"

#include "analysis/AnalysisEngine.h"
#include "cli/CliLog.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/LocalJobRunner.h"
#include "llm/LlmOptions.h"
#include "market/ListingCatalog.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>
#include <QThread>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

namespace {
constexpr int MaxThreads = 256;
constexpr int MaxTimeoutSeconds = 7 * 24 * 3600;

std::optional<int> positiveInt(const QString &text, int max)
{
    bool ok = false;
    const int value = text.toInt(&ok);
    if (!ok || value < 1 || value > max)
        return std::nullopt;
    return value;
}
} // namespace

LocalJobSetup::LocalJobSetup() = default;

// The runner goes first: it waits for running steps and still uses the engine and store.
LocalJobSetup::~LocalJobSetup()
{
    m_runner.reset();
}

void LocalJobSetup::addOptions(QCommandLineParser &parser, int options)
{
    if (options & DataDir)
        parser.addOption({ u"data-dir"_s,
            u"Folder of the local job store jobs.sqlite (default: %1)."_s.arg(defaultDataDir()), u"DIR"_s });
    if (options & Settings)
        parser.addOption({ u"settings"_s,
            u"INI file for the in-flight job registry (default: the Dealscope settings)."_s, u"FILE"_s });
    if (options & Threads)
        parser.addOption({ u"threads"_s, u"Worker threads (default: the number of cores)."_s, u"N"_s });
    if (options & Timeout)
        parser.addOption({ u"timeout"_s, u"Timeout per attempt in seconds (default: 300)."_s, u"S"_s });
    if (options & Llm)
        addLlmOptions(parser);
}

std::variant<std::shared_ptr<AnalysisEngine>, QString> LocalJobSetup::makeEngine(
    const QCommandLineParser &parser, std::shared_ptr<const ListingCatalog> catalog)
{
    auto engine = std::make_shared<AnalysisEngine>(catalog->benchmarksPtr(), catalog);
    if (auto error = applyLlmOptions(parser, *engine))
        return *std::move(error);
    return engine;
}

QString LocalJobSetup::defaultDataDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
}

std::optional<QString> LocalJobSetup::configure(const QCommandLineParser &parser, int options)
{
    m_threads = qBound(1, QThread::idealThreadCount(), MaxThreads);
    if ((options & Threads) && parser.isSet(u"threads"_s)) {
        const auto threads = positiveInt(parser.value(u"threads"_s), MaxThreads);
        if (!threads)
            return u"--threads must be a whole number from 1 to %1, got '%2'"_s.arg(MaxThreads)
                .arg(parser.value(u"threads"_s));
        m_threads = *threads;
    }
    if ((options & Timeout) && parser.isSet(u"timeout"_s)) {
        const auto timeout = positiveInt(parser.value(u"timeout"_s), MaxTimeoutSeconds);
        if (!timeout)
            return u"--timeout must be a whole number of seconds from 1 to %1, got '%2'"_s.arg(MaxTimeoutSeconds)
                .arg(parser.value(u"timeout"_s));
        m_timeoutSeconds = *timeout;
    }

    m_dataDir = (options & DataDir) && parser.isSet(u"data-dir"_s) ? parser.value(u"data-dir"_s) : defaultDataDir();
    if (m_dataDir.isEmpty())
        return u"no data folder: pass --data-dir DIR"_s;
    m_dataDir = QFileInfo(m_dataDir).absoluteFilePath();
    if (!QDir().mkpath(m_dataDir))
        return u"cannot create the data folder %1"_s.arg(m_dataDir);

    if ((options & Settings) && parser.isSet(u"settings"_s)) {
        const QString file = QFileInfo(parser.value(u"settings"_s)).absoluteFilePath();
        const QFileInfo info(file);
        if (info.exists() && (!info.isFile() || !info.isReadable()))
            return u"--settings %1 is not a readable file"_s.arg(file);
        if (!QDir().mkpath(info.absolutePath()))
            return u"cannot create the folder of --settings %1"_s.arg(file);
        m_settings = std::make_unique<QSettings>(file, QSettings::IniFormat);
    } else {
        m_settings = std::make_unique<QSettings>(u"Dealscope"_s, u"Dealscope"_s);
    }
    if (m_settings->status() != QSettings::NoError)
        return u"cannot read the settings %1"_s.arg(m_settings->fileName());
    m_registry = std::make_unique<InFlightRegistry>(*m_settings);
    qCDebug(lcCli) << "data dir" << m_dataDir << "settings" << m_settings->fileName() << "threads" << m_threads
                   << "timeout" << m_timeoutSeconds;
    return std::nullopt;
}

std::optional<QString> LocalJobSetup::openRunner(std::shared_ptr<const AnalysisEngine> engine)
{
    LocalRunnerOptions options;
    options.dataDir = m_dataDir;
    options.threads = m_threads;
    options.timeoutSeconds = m_timeoutSeconds;
    m_runner = std::make_unique<LocalJobRunner>(std::move(engine), options);
    if (!m_runner->open())
        return u"cannot open the job store in %1: %2"_s.arg(m_dataDir, m_runner->errorString());
    return std::nullopt;
}

} // namespace dealscope
