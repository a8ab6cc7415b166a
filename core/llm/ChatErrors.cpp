#include "llm/ChatErrors.h"

#include "analysis/AnalysisError.h"

namespace dealscope::llm {

using Status = ChatOutcome::Status;

namespace {
QString seconds(int ms)
{
    return ms % 1000 == 0 ? QString::number(ms / 1000) : QString::number(ms / 1000.0, 'f', 1);
}

QString serverSays(const ChatOutcome &outcome, const LlmConfig &config)
{
    QString message = outcome.message.simplified().left(400);
    if (message.isEmpty())
        return {};
    return QStringLiteral(": ") + config.redact(message);
}
} // namespace

AnalysisError::Kind failureKind(const ChatOutcome &outcome)
{
    switch (outcome.status) {
    case Status::Ok:
    case Status::ProtocolError:
        return AnalysisError::Kind::Permanent;
    case Status::Canceled:
        return AnalysisError::Kind::Canceled;
    case Status::StreamError:
    case Status::NetworkError:
    case Status::ConnectTimeout:
    case Status::IdleTimeout:
    case Status::TotalTimeout:
        return AnalysisError::Kind::Transient;
    case Status::HttpError:
        break;
    }
    const int code = outcome.httpStatus;
    if (code == 429)
        return outcome.errorCode == QLatin1String("insufficient_quota") ? AnalysisError::Kind::Permanent
                                                                        : AnalysisError::Kind::Transient;
    if (code == 408 || code == 409 || code >= 500)
        return AnalysisError::Kind::Transient;
    return AnalysisError::Kind::Permanent;
}

QString describeFailure(const ChatOutcome &outcome, const LlmConfig &config)
{
    const QString endpoint = config.endpointForMessages();
    QString text;
    switch (outcome.status) {
    case Status::Ok:
        return {};
    case Status::Canceled:
        return AnalysisError::canceledByUserText();
    case Status::ConnectTimeout:
        text = QStringLiteral("could not connect to the LLM service at %1 within %2 s")
                   .arg(endpoint, seconds(config.connectTimeoutMs));
        break;
    case Status::IdleTimeout:
        text = QStringLiteral("the LLM stream stalled: no data from %1 for %2 s")
                   .arg(endpoint, seconds(config.idleTimeoutMs));
        break;
    case Status::TotalTimeout:
        text = QStringLiteral("the LLM request to %1 took longer than %2 s")
                   .arg(endpoint, seconds(config.totalTimeoutMs));
        break;
    case Status::NetworkError:
        text = (outcome.httpStatus >= 200 && outcome.httpStatus < 300
                       ? QStringLiteral("the connection to the LLM service at %1 broke off").arg(endpoint)
                       : QStringLiteral("cannot reach the LLM service at %1").arg(endpoint))
            + serverSays(outcome, config);
        break;
    case Status::ProtocolError:
        text = QStringLiteral("the LLM service at %1 sent a reply that is not a chat completion").arg(endpoint)
            + serverSays(outcome, config);
        break;
    case Status::StreamError:
        text = QStringLiteral("the LLM service reported an error during the stream") + serverSays(outcome, config);
        break;
    case Status::HttpError: {
        const int code = outcome.httpStatus;
        const QString http = QStringLiteral("HTTP %1").arg(code);
        if (code == 401)
            text = QStringLiteral("the LLM service at %1 rejected the API key (%2); check OPENAI_API_KEY, "
                                  "--api-key-file or the key in Settings")
                       .arg(endpoint, http);
        else if (code == 403)
            text = QStringLiteral("the LLM service at %1 denied access (%2)").arg(endpoint, http);
        else if (code == 404)
            text = QStringLiteral("the model \"%1\" or the endpoint %2 was not found (%3)")
                       .arg(config.model, endpoint, http);
        else if (code == 429 && outcome.errorCode == QLatin1String("insufficient_quota"))
            text = QStringLiteral("the LLM account has no quota left (%1 insufficient_quota)").arg(http);
        else if (code == 429)
            text = QStringLiteral("the LLM service is rate limiting requests (%1)").arg(http);
        else if (code == 400 || code == 422)
            text = QStringLiteral("the LLM service rejected the request (%1%2)")
                       .arg(http,
                           outcome.errorParam.isEmpty() ? QString()
                                                        : QStringLiteral(", parameter ") + outcome.errorParam);
        else if (code >= 500)
            text = QStringLiteral("the LLM service failed (%1)").arg(http);
        else if (code >= 300 && code < 400)
            text = QStringLiteral("the LLM service at %1 redirects (%2); set the base URL to the final address")
                       .arg(endpoint, http);
        else
            text = QStringLiteral("the LLM service answered %1").arg(http);
        text += serverSays(outcome, config);
        break;
    }
    }
    return config.redact(text);
}

void throwFailure(const ChatOutcome &outcome, const LlmConfig &config)
{
    const auto kind = failureKind(outcome);
    throw AnalysisError(kind, describeFailure(outcome, config),
        kind == AnalysisError::Kind::Transient ? outcome.retryAfterMs : std::nullopt);
}

} // namespace dealscope::llm
