#include "llm/OpenAiNarrativeProvider.h"

#include "analysis/AnalysisContext.h"
#include "analysis/AnalysisError.h"
#include "common/JsonQt.h"
#include "domain/Listing.h"
#include "llm/ChatClient.h"
#include "llm/ChatErrors.h"
#include "llm/JsonExtract.h"
#include "llm/LlmLog.h"
#include "llm/NarrativePreview.h"
#include "llm/NarrativeSchema.h"
#include "llm/PromptLibrary.h"

#include <QElapsedTimer>
#include <QTimer>

namespace dealscope::llm {

using nlohmann::json;

namespace {

constexpr qint64 kProgressIntervalMs = 100; // ≤ 10 partialOutput updates per second

// Request options some OpenAI-compatible servers or models reject; dropped or renamed one at a
// time when a 400 names them, instead of failing the job.
struct RequestTweaks
{
    bool useMaxCompletionTokens = false;
    bool dropMaxTokens = false;
    bool dropTemperature = false;
    bool dropStreamOptions = false;
};

json buildBody(const LlmConfig &config, const json &messages, OpenAiNarrativeProvider::ResponseFormat format,
    const NarrativeSchema &schema, const RequestTweaks &tweaks)
{
    json body = { { "model", config.model.toStdString() }, { "messages", messages } };
    if (!tweaks.dropTemperature)
        body["temperature"] = config.temperature;
    if (!tweaks.dropMaxTokens && config.maxCompletionTokens > 0)
        body[tweaks.useMaxCompletionTokens ? "max_completion_tokens" : "max_tokens"] = config.maxCompletionTokens;
    if (config.stream) {
        body["stream"] = true;
        if (!tweaks.dropStreamOptions)
            body["stream_options"] = { { "include_usage", true } };
    }
    switch (format) {
    case OpenAiNarrativeProvider::ResponseFormat::JsonSchema:
        body["response_format"] = { { "type", "json_schema" },
            { "json_schema",
                { { "name", schema.name().toStdString() }, { "strict", true }, { "schema", schema.wireSchema() } } } };
        break;
    case OpenAiNarrativeProvider::ResponseFormat::JsonObject:
        body["response_format"] = { { "type", "json_object" } };
        break;
    case OpenAiNarrativeProvider::ResponseFormat::PlainText:
        break;
    }
    return body;
}

bool mentions(const ChatOutcome &outcome, QLatin1String what)
{
    return outcome.errorParam.contains(what, Qt::CaseInsensitive) || outcome.message.contains(what, Qt::CaseInsensitive)
        || outcome.errorCode.contains(what, Qt::CaseInsensitive);
}

bool isBadRequest(const ChatOutcome &outcome)
{
    return outcome.status == ChatOutcome::Status::HttpError && (outcome.httpStatus == 400 || outcome.httpStatus == 422);
}

// True when the server rejected the structured-output request itself (vLLM/llama.cpp/Ollama
// versions without json_schema answer 400 naming response_format or json_schema).
bool rejectsResponseFormat(const ChatOutcome &outcome)
{
    return isBadRequest(outcome)
        && (mentions(outcome, QLatin1String("response_format")) || mentions(outcome, QLatin1String("json_schema"))
            || mentions(outcome, QLatin1String("json_object")));
}

bool adjustTweaks(const ChatOutcome &outcome, RequestTweaks &tweaks)
{
    if (!isBadRequest(outcome))
        return false;
    if (mentions(outcome, QLatin1String("stream_options")) && !tweaks.dropStreamOptions)
        return tweaks.dropStreamOptions = true;
    if (mentions(outcome, QLatin1String("max_tokens")) && !tweaks.useMaxCompletionTokens)
        return tweaks.useMaxCompletionTokens = true;
    if (mentions(outcome, QLatin1String("max_completion_tokens")) && !tweaks.dropMaxTokens)
        return tweaks.dropMaxTokens = true;
    if (mentions(outcome, QLatin1String("temperature")) && !tweaks.dropTemperature)
        return tweaks.dropTemperature = true;
    return false;
}

json message(const char *role, const QString &content)
{
    return { { "role", role }, { "content", content.toStdString() } };
}

void applyNarrative(json &result, const json &reply, const NarrativeSchema &schema)
{
    result["summary"] = reply["summary"];
    result["scoreExplanation"] = reply["scoreExplanation"];
    if (!result.contains("findings") || !result["findings"].is_array())
        result["findings"] = json::array();
    for (const auto &rewrite : reply["findingMessages"]) {
        for (auto &finding : result["findings"]) {
            if (finding.is_object() && finding.value("code", json()) == rewrite["code"])
                finding["message"] = rewrite["message"];
        }
    }
    for (const auto &observation : reply["observations"]) {
        result["findings"].push_back({ { "severity", observation["severity"] }, { "code", "narrative_observation" },
            { "message", observation["message"] } });
    }
    json narrative = json::object();
    for (const QString &field : schema.typeSpecificFields())
        narrative[field.toStdString()] = reply[field.toStdString()];
    result["narrative"] = std::move(narrative);
}

} // namespace

OpenAiNarrativeProvider::OpenAiNarrativeProvider(LlmConfig config, QString promptDirectory)
    : m_config(std::move(config))
    , m_promptDirectory(std::move(promptDirectory))
{ }

void OpenAiNarrativeProvider::writeNarrative(AnalysisContext &ctx) const
{
    json &state = ctx.state();
    if (!state.contains("result") || !state["result"].is_object())
        throw AnalysisError(
            AnalysisError::Kind::Permanent, QStringLiteral("the narrative step needs the built-in result"));
    json result = state["result"];

    const NarrativeSchema schema = NarrativeSchema::forType(ctx.type());
    const PromptTemplate prompt = PromptLibrary::load(ctx.type(), m_promptDirectory);
    const QString schemaText = QString::fromStdString(schema.wireSchema().dump(2));
    const QHash<QString, QString> values = {
        { QStringLiteral("listing"),
            QString::fromStdString(listingToJson(ctx.listing()).dump(2, ' ', false, json::error_handler_t::replace)) },
        { QStringLiteral("result"),
            QString::fromStdString(result.dump(2, ' ', false, json::error_handler_t::replace)) },
        { QStringLiteral("schema"), schemaText },
        { QStringLiteral("score"), QString::fromStdString(result.value("score", json()).dump()) },
        { QStringLiteral("analysisType"), analysisTypeName(ctx.type()) },
    };
    json messages = json::array({ message("system", PromptLibrary::render(prompt.system, values)),
        message("user", PromptLibrary::render(prompt.user, values)) });

    const QString model = m_config.model;
    ctx.reportProgress(0.0, QStringLiteral("Asking %1 for the narrative…").arg(model));

    auto format = static_cast<ResponseFormat>(m_formatLevel.load());
    RequestTweaks tweaks;
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    bool haveUsage = false;
    QString answeredModel;
    int repairsLeft = 1;
    int requests = 0;
    double progressBase = 0.0;
    json reply;

    for (;;) {
        if (++requests > 8) // format fallbacks + tweaks + one repair stay far below this
            throw AnalysisError(
                AnalysisError::Kind::Permanent, QStringLiteral("the LLM service kept rejecting the request"));
        QElapsedTimer sinceReport;
        qint64 deltas = 0; // streamed chunks: about one token each on OpenAI
        QString latest; // the content of the last chunk, reported or not
        const auto report = [&] {
            sinceReport.start();
            const double fraction
                = std::min(0.95, progressBase + (0.95 - progressBase) * static_cast<double>(latest.size()) / 2500.0);
            // The decoded text being written, never the JSON around it (SPEC §7).
            ctx.reportProgress(fraction, NarrativePreview::line(model, latest, deltas));
        };
        // A chunk that came within the interval is reported once it is over, unless another came
        // meanwhile: a stream that pauses (the model thinking) shows where it paused. Fires inside
        // ChatClient's event loop, on this thread.
        QTimer trailing;
        trailing.setSingleShot(true);
        trailing.setTimerType(Qt::PreciseTimer);
        QObject::connect(&trailing, &QTimer::timeout, report);
        const auto onProgress = [&](const ChatOutcome &soFar) {
            ++deltas;
            latest = soFar.content;
            if (sinceReport.isValid() && sinceReport.elapsed() < kProgressIntervalMs) {
                if (!trailing.isActive())
                    trailing.start(static_cast<int>(kProgressIntervalMs - sinceReport.elapsed() + 1));
                return;
            }
            trailing.stop();
            report();
        };
        const ChatOutcome outcome = ChatClient::run(
            m_config, buildBody(m_config, messages, format, schema, tweaks), [&ctx] { return ctx.shouldStop(); },
            onProgress);
        trailing.stop();
        if (outcome.promptTokens || outcome.completionTokens) {
            haveUsage = true;
            promptTokens += outcome.promptTokens.value_or(0);
            completionTokens += outcome.completionTokens.value_or(0);
        }
        if (!outcome.model.isEmpty())
            answeredModel = outcome.model;

        if (outcome.status == ChatOutcome::Status::Canceled) {
            ctx.throwIfStopped();
            throw AnalysisError::canceledByUser();
        }
        if (format != ResponseFormat::PlainText && rejectsResponseFormat(outcome)) {
            format = static_cast<ResponseFormat>(static_cast<int>(format) + 1);
            int known = m_formatLevel.load();
            while (known < static_cast<int>(format)
                && !m_formatLevel.compare_exchange_weak(known, static_cast<int>(format))) { }
            qCInfo(lcLlm) << "server rejected the response_format; falling back to level" << static_cast<int>(format);
            continue;
        }
        if (adjustTweaks(outcome, tweaks)) {
            qCInfo(lcLlm) << "server rejected a request option; retrying without it:" << outcome.errorParam;
            continue;
        }
        if (outcome.status != ChatOutcome::Status::Ok)
            throwFailure(outcome, m_config);
        if (!outcome.refusal.trimmed().isEmpty()) {
            throw AnalysisError(AnalysisError::Kind::Permanent,
                m_config.redact(QStringLiteral("the model refused to write the narrative: ")
                    + outcome.refusal.simplified().left(300)));
        }
        if (outcome.finishReason == QLatin1String("content_filter"))
            throw AnalysisError(AnalysisError::Kind::Permanent,
                QStringLiteral("the model's reply was blocked by the service's content filter"));

        QStringList problems;
        std::optional<json> parsed;
        if (format == ResponseFormat::PlainText) {
            parsed = extractJsonObject(outcome.content);
        } else {
            const std::string text = outcome.content.toStdString();
            auto doc = json::parse(text, nullptr, false);
            if (!doc.is_discarded() && doc.is_object())
                parsed = std::move(doc);
            else
                parsed = extractJsonObject(outcome.content); // some servers wrap JSON mode output in a fence
        }
        if (!parsed) {
            problems << (outcome.finishReason == QLatin1String("length")
                    ? QStringLiteral("the reply was cut off at the token limit before the JSON object was complete")
                    : QStringLiteral("the reply is not a JSON object"));
        } else {
            problems = schema.validate(*parsed, result);
        }
        if (problems.isEmpty()) {
            reply = std::move(*parsed);
            break;
        }
        if (repairsLeft-- > 0) {
            qCInfo(lcLlm) << "narrative reply did not validate, asking for a repair:" << problems.first();
            messages.push_back(message("assistant", outcome.content.left(20000)));
            messages.push_back(message("user",
                PromptLibrary::render(PromptLibrary::repairTemplate(m_promptDirectory),
                    { { QStringLiteral("problems"), QStringLiteral("- ") + problems.join(QStringLiteral("\n- ")) },
                        { QStringLiteral("schema"), schemaText } })));
            progressBase = 0.5;
            ctx.reportProgress(progressBase,
                QStringLiteral("The reply of %1 did not match the schema; asking for a corrected one…").arg(model));
            continue;
        }
        const QStringList shown = problems.mid(0, 3);
        throw AnalysisError(AnalysisError::Kind::Permanent,
            m_config.redact(QStringLiteral("the model's reply did not match the %1 schema after one repair request: %2")
                                .arg(schema.name(), shown.join(QStringLiteral("; ")))));
    }

    applyNarrative(result, reply, schema);
    const QString engine = answeredModel.isEmpty() ? model : answeredModel;
    result["engine"] = engine;
    result["provider"] = name();
    result["promptVersion"] = prompt.version;
    json usage = { { "promptTokens", nullptr }, { "completionTokens", nullptr }, { "estimatedCostUsd", nullptr },
        { "requests", requests } };
    if (haveUsage) {
        usage["promptTokens"] = promptTokens;
        usage["completionTokens"] = completionTokens;
        if (const auto cost = m_config.prices.estimateUsd(engine, promptTokens, completionTokens))
            usage["estimatedCostUsd"] = *cost;
        else if (const auto fallback = m_config.prices.estimateUsd(model, promptTokens, completionTokens))
            usage["estimatedCostUsd"] = *fallback;
    }
    result["usage"] = std::move(usage);
    state["result"] = std::move(result);
    ctx.reportProgress(1.0, QStringLiteral("Narrative written by %1").arg(engine));
}

} // namespace dealscope::llm
