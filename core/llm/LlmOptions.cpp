#include "llm/LlmOptions.h"

#include "analysis/AnalysisEngine.h"
#include "llm/LlmLog.h"
#include "llm/OpenAiNarrativeProvider.h"

#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>

namespace dealscope {

namespace {
const QString kProvider = QStringLiteral("provider");
const QString kBaseUrl = QStringLiteral("base-url");
const QString kModel = QStringLiteral("model");
const QString kKeyFile = QStringLiteral("api-key-file");
const QString kOrganization = QStringLiteral("llm-organization");
const QString kProject = QStringLiteral("llm-project");
const QString kAzureVersion = QStringLiteral("azure-api-version");
const QString kPriceTable = QStringLiteral("llm-price-table");
const QString kNoStream = QStringLiteral("llm-no-stream");
const QString kTimeout = QStringLiteral("llm-timeout");
const QString kIdleTimeout = QStringLiteral("llm-idle-timeout");

LlmSetup failed(const QString &message)
{
    LlmSetup setup;
    setup.error = message;
    return setup;
}
} // namespace

void addLlmOptions(QCommandLineParser &parser)
{
    parser.addOptions({
        { kProvider,
            QStringLiteral("Who writes the narrative: builtin (default, offline), openai (any OpenAI-compatible "
                           "server) or azure."),
            QStringLiteral("name"), QStringLiteral("builtin") },
        { kBaseUrl,
            QStringLiteral("OpenAI-compatible API base URL (default https://api.openai.com/v1; Ollama: "
                           "http://127.0.0.1:11434/v1). Azure: the deployment URL "
                           "https://RES.openai.azure.com/openai/deployments/NAME."),
            QStringLiteral("url") },
        { kModel, QStringLiteral("Model name (default gpt-4o-mini)."), QStringLiteral("name") },
        { kKeyFile, QStringLiteral("File holding the API key (else OPENAI_API_KEY; Azure: AZURE_OPENAI_API_KEY)."),
            QStringLiteral("file") },
        { kOrganization, QStringLiteral("OpenAI-Organization header."), QStringLiteral("id") },
        { kProject, QStringLiteral("OpenAI-Project header."), QStringLiteral("id") },
        { kAzureVersion, QStringLiteral("Azure OpenAI api-version (default 2024-10-21)."), QStringLiteral("version") },
        { kPriceTable, QStringLiteral("JSON price table for the cost estimate (see docs/LLM.md)."),
            QStringLiteral("file") },
        { kNoStream, QStringLiteral("Do not stream LLM replies.") },
        { kTimeout, QStringLiteral("Longest LLM request in seconds (default 180)."), QStringLiteral("seconds") },
        { kIdleTimeout, QStringLiteral("Seconds a streamed LLM reply may stay silent (default 30)."),
            QStringLiteral("seconds") },
    });
}

namespace llm {
std::optional<QString> readApiKeyFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read the API key file %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    if (file.size() > 64 * 1024) {
        *error = QStringLiteral("the API key file %1 is too large to be a key").arg(path);
        return std::nullopt;
    }
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (const QByteArray &line : lines) {
        const QString key = QString::fromUtf8(line).trimmed();
        if (!key.isEmpty())
            return key;
    }
    *error = QStringLiteral("the API key file %1 is empty").arg(path);
    return std::nullopt;
}
} // namespace llm

LlmSetup llmSetupFromOptions(const QCommandLineParser &parser, const QProcessEnvironment &environment)
{
    const QString provider
        = parser.isSet(kProvider) ? parser.value(kProvider).trimmed().toLower() : QStringLiteral("builtin");
    if (provider == QLatin1String("builtin"))
        return {};
    if (provider != QLatin1String("openai") && provider != QLatin1String("azure"))
        return failed(QStringLiteral("--provider must be builtin, openai or azure, got \"%1\"").arg(provider.left(40)));

    llm::LlmConfig config;
    config.kind = provider == QLatin1String("azure") ? llm::LlmConfig::Kind::Azure : llm::LlmConfig::Kind::OpenAI;
    if (parser.isSet(kBaseUrl)) {
        const QUrl url = QUrl::fromUserInput(parser.value(kBaseUrl).trimmed());
        if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
            || url.host().isEmpty())
            return failed(QStringLiteral("--base-url must be an http(s) URL"));
        if (!url.userInfo().isEmpty())
            return failed(QStringLiteral("--base-url must not carry credentials; use --api-key-file"));
        config.baseUrl = url;
    } else if (config.kind == llm::LlmConfig::Kind::Azure) {
        return failed(QStringLiteral(
            "--provider azure needs --base-url https://RESOURCE.openai.azure.com/openai/deployments/DEPLOYMENT"));
    }
    if (parser.isSet(kModel))
        config.model = parser.value(kModel).trimmed();
    else if (config.kind == llm::LlmConfig::Kind::Azure)
        config.model = config.baseUrl.path().section(QLatin1Char('/'), -1, -1, QString::SectionSkipEmpty);
    if (config.model.isEmpty())
        return failed(QStringLiteral("--model must not be empty"));
    config.organization = parser.value(kOrganization).trimmed();
    config.project = parser.value(kProject).trimmed();
    if (parser.isSet(kAzureVersion))
        config.azureApiVersion = parser.value(kAzureVersion).trimmed();
    config.stream = !parser.isSet(kNoStream);
    if (parser.isSet(kTimeout)) {
        bool ok = false;
        const int seconds = parser.value(kTimeout).toInt(&ok);
        if (!ok || seconds < 1 || seconds > 3600)
            return failed(QStringLiteral("--llm-timeout must be a number of seconds between 1 and 3600"));
        config.totalTimeoutMs = seconds * 1000;
    }
    if (parser.isSet(kIdleTimeout)) {
        bool ok = false;
        const double seconds = parser.value(kIdleTimeout).toDouble(&ok);
        if (!ok || !(seconds >= 0.1 && seconds <= 3600))
            return failed(QStringLiteral("--llm-idle-timeout must be a number of seconds between 0.1 and 3600"));
        config.idleTimeoutMs = static_cast<int>(seconds * 1000);
    }
    if (parser.isSet(kPriceTable)) {
        QString error;
        auto table = llm::PriceTable::fromFile(parser.value(kPriceTable), &error);
        if (!table)
            return failed(error);
        config.prices = *table;
    }

    if (parser.isSet(kKeyFile)) {
        QString error;
        auto key = llm::readApiKeyFile(parser.value(kKeyFile), &error);
        if (!key)
            return failed(error);
        config.apiKey = *key;
    } else {
        const QStringList variables = config.kind == llm::LlmConfig::Kind::Azure
            ? QStringList { QStringLiteral("AZURE_OPENAI_API_KEY"), QStringLiteral("OPENAI_API_KEY") }
            : QStringList { QStringLiteral("OPENAI_API_KEY") };
        for (const QString &variable : variables) {
            if (config.apiKey.isEmpty())
                config.apiKey = environment.value(variable).trimmed();
        }
    }
    const bool local = config.baseUrl.host() == QLatin1String("localhost")
        || config.baseUrl.host() == QLatin1String("127.0.0.1") || config.baseUrl.host() == QLatin1String("::1");
    // Local servers (Ollama, llama.cpp) usually need no key; the hosted services always do.
    if (config.apiKey.isEmpty() && !local)
        return failed(QStringLiteral("--provider %1 needs an API key: set %2 or pass --api-key-file FILE")
                          .arg(provider,
                              config.kind == llm::LlmConfig::Kind::Azure ? QStringLiteral("AZURE_OPENAI_API_KEY")
                                                                         : QStringLiteral("OPENAI_API_KEY")));

    LlmSetup setup;
    setup.description = QStringLiteral("%1 %2 at %3").arg(provider, config.model, config.endpointForMessages());
    setup.provider = std::make_shared<const llm::OpenAiNarrativeProvider>(std::move(config));
    return setup;
}

std::optional<QString> applyLlmOptions(
    const QCommandLineParser &parser, AnalysisEngine &engine, const QProcessEnvironment &environment)
{
    LlmSetup setup = llmSetupFromOptions(parser, environment);
    if (!setup.error.isEmpty())
        return setup.error;
    if (setup.provider) {
        const QString name = setup.provider->name();
        engine.registerProvider(std::move(setup.provider));
        engine.setDefaultProvider(name);
        qCInfo(lcLlm) << "narrative provider:" << setup.description;
    }
    return std::nullopt;
}

} // namespace dealscope
