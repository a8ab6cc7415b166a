#include "llm/ChatExchange.h"

#include "llm/LlmLog.h"
#include "llm/RetryHints.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace dealscope::llm {

using nlohmann::json;

namespace {
constexpr qsizetype kMaxBodyBytes = 8 * 1024 * 1024;
constexpr qsizetype kMaxErrorBodyBytes = 64 * 1024;

QString jsonString(const json &object, const char *key)
{
    if (!object.is_object() || !object.contains(key))
        return {};
    const json &v = object[key];
    if (v.is_string())
        return QString::fromStdString(v.get<std::string>());
    if (v.is_number_integer())
        return QString::number(v.get<qint64>());
    return {};
}

void readUsage(const json &object, ChatOutcome &outcome)
{
    if (!object.contains("usage") || !object["usage"].is_object())
        return;
    const json &usage = object["usage"];
    if (usage.contains("prompt_tokens") && usage["prompt_tokens"].is_number_integer())
        outcome.promptTokens = usage["prompt_tokens"].get<qint64>();
    if (usage.contains("completion_tokens") && usage["completion_tokens"].is_number_integer())
        outcome.completionTokens = usage["completion_tokens"].get<qint64>();
}
} // namespace

ChatExchange::ChatExchange(QNetworkAccessManager *nam, LlmConfig config, json body, QObject *parent)
    : QObject(parent)
    , m_nam(nam)
    , m_config(std::move(config))
    , m_body(std::move(body))
{
    m_streamRequested = m_body.value("stream", false);
    for (QTimer *timer : { &m_connectTimer, &m_idleTimer, &m_totalTimer }) {
        timer->setSingleShot(true);
        timer->setTimerType(Qt::PreciseTimer); // a coarse timer may fire 5 % early
    }
    m_connectTimer.setInterval(m_config.connectTimeoutMs);
    m_idleTimer.setInterval(m_config.idleTimeoutMs);
    m_totalTimer.setInterval(m_config.totalTimeoutMs);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] { abort(ChatOutcome::Status::ConnectTimeout); });
    connect(&m_idleTimer, &QTimer::timeout, this, [this] { abort(ChatOutcome::Status::IdleTimeout); });
    connect(&m_totalTimer, &QTimer::timeout, this, [this] { abort(ChatOutcome::Status::TotalTimeout); });
}

ChatExchange::~ChatExchange()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        delete m_reply.data();
    }
}

void ChatExchange::start()
{
    const QUrl url = m_config.chatCompletionsUrl();
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))) {
        finish(ChatOutcome::Status::ProtocolError, QStringLiteral("invalid LLM base URL"));
        return;
    }
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("Accept", m_streamRequested ? "text/event-stream" : "application/json");
    request.setRawHeader("User-Agent", "dealscope/" DEALSCOPE_VERSION);
    // Never follow redirects: Qt would resend the Authorization/api-key header to wherever the
    // Location points. A moved endpoint is a configuration error the operator should see.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setTransferTimeout(0); // our own timers decide
    m_config.authorize(request);

    const std::string payload = m_body.dump(-1, ' ', false, json::error_handler_t::replace);
    m_reply = m_nam->post(request, QByteArray::fromStdString(payload));
    m_reply->setReadBufferSize(0);
    connect(m_reply, &QNetworkReply::readyRead, this, &ChatExchange::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &ChatExchange::onFinished);
    connect(m_reply, &QNetworkReply::requestSent, this, [this] {
        m_connectTimer.stop();
        if (m_streamRequested)
            m_idleTimer.start();
    });
    m_connectTimer.start();
    m_totalTimer.start();
    qCDebug(lcLlm) << "POST" << url.adjusted(QUrl::RemoveQuery).toString() << "model" << m_config.model << "stream"
                   << m_streamRequested;
}

void ChatExchange::abort(ChatOutcome::Status reason)
{
    if (m_finished)
        return;
    if (!m_abortReason)
        m_abortReason = reason;
    if (m_reply && m_reply->isRunning()) {
        m_reply->abort(); // closes the connection now; finished() arrives synchronously
        return;
    }
    finish(reason);
}

bool ChatExchange::isSse() const
{
    const QByteArray type = m_reply->header(QNetworkRequest::ContentTypeHeader).toByteArray().toLower();
    return type.startsWith("text/event-stream");
}

void ChatExchange::onReadyRead()
{
    if (m_finished || !m_reply)
        return;
    m_connectTimer.stop();
    if (m_streamRequested)
        m_idleTimer.start();
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray bytes = m_reply->readAll();
    if (status >= 200 && status < 300 && isSse()) {
        m_outcome.streamed = true;
        bool ok = true;
        const auto events = m_sse.feed(bytes, &ok);
        if (!ok) {
            abort(ChatOutcome::Status::ProtocolError);
            return;
        }
        for (const QByteArray &event : events) {
            handleEvent(event);
            if (m_finished || m_abortReason)
                return;
        }
        return;
    }
    const qsizetype limit = (status >= 200 && status < 300) ? kMaxBodyBytes : kMaxErrorBodyBytes;
    m_buffer.append(bytes.left(std::max<qsizetype>(0, limit - m_buffer.size())));
    if (m_buffer.size() >= kMaxBodyBytes)
        abort(ChatOutcome::Status::ProtocolError);
}

void ChatExchange::handleEvent(const QByteArray &data)
{
    if (data.trimmed() == "[DONE]") {
        m_done = true;
        return;
    }
    const auto chunk = json::parse(data.constData(), data.constData() + data.size(), nullptr, false);
    if (chunk.is_discarded() || !chunk.is_object()) {
        m_outcome.message = QStringLiteral("malformed stream chunk");
        abort(ChatOutcome::Status::ProtocolError);
        return;
    }
    if (chunk.contains("error") && chunk["error"].is_object()) {
        m_outcome.message = jsonString(chunk["error"], "message");
        m_outcome.errorType = jsonString(chunk["error"], "type");
        m_outcome.errorCode = jsonString(chunk["error"], "code");
        abort(ChatOutcome::Status::StreamError);
        return;
    }
    if (const QString model = jsonString(chunk, "model"); !model.isEmpty())
        m_outcome.model = model;
    readUsage(chunk, m_outcome);
    bool grew = false;
    if (chunk.contains("choices") && chunk["choices"].is_array() && !chunk["choices"].empty()) {
        const json &choice = chunk["choices"][0];
        if (choice.is_object()) {
            if (choice.contains("delta") && choice["delta"].is_object()) {
                const QString content = jsonString(choice["delta"], "content");
                const QString refusal = jsonString(choice["delta"], "refusal");
                m_outcome.content += content;
                m_outcome.refusal += refusal;
                grew = !content.isEmpty() || !refusal.isEmpty();
            }
            if (const QString reason = jsonString(choice, "finish_reason"); !reason.isEmpty())
                m_outcome.finishReason = reason;
        }
    }
    if (m_outcome.content.size() > kMaxBodyBytes) {
        abort(ChatOutcome::Status::ProtocolError);
        return;
    }
    if (grew)
        Q_EMIT progressed();
}

void ChatExchange::parseErrorBody(const QByteArray &body)
{
    const auto doc = json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
    if (!doc.is_discarded() && doc.is_object() && doc.contains("error")) {
        const json &error = doc["error"];
        if (error.is_object()) {
            m_outcome.message = jsonString(error, "message");
            m_outcome.errorType = jsonString(error, "type");
            m_outcome.errorCode = jsonString(error, "code");
            m_outcome.errorParam = jsonString(error, "param");
        } else if (error.is_string()) { // Ollama / llama.cpp style {"error": "…"}
            m_outcome.message = QString::fromStdString(error.get<std::string>());
        }
    }
    if (m_outcome.message.isEmpty())
        m_outcome.message = QString::fromUtf8(body.left(300)).simplified();
}

void ChatExchange::parseCompletion(const QByteArray &body)
{
    const auto doc = json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("choices") || !doc["choices"].is_array()
        || doc["choices"].empty() || !doc["choices"][0].is_object()) {
        finish(ChatOutcome::Status::ProtocolError, QStringLiteral("the reply is not a chat completion"));
        return;
    }
    const json &choice = doc["choices"][0];
    if (choice.contains("message") && choice["message"].is_object()) {
        m_outcome.content = jsonString(choice["message"], "content");
        m_outcome.refusal = jsonString(choice["message"], "refusal");
    }
    m_outcome.finishReason = jsonString(choice, "finish_reason");
    m_outcome.model = jsonString(doc, "model");
    readUsage(doc, m_outcome);
    finish(ChatOutcome::Status::Ok);
}

void ChatExchange::onFinished()
{
    if (m_finished || !m_reply)
        return;
    if (m_abortReason) {
        finish(*m_abortReason, m_outcome.message);
        return;
    }
    const QVariant statusAttr = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    m_outcome.httpStatus = statusAttr.toInt();
    if (statusAttr.isValid() && (m_outcome.httpStatus < 200 || m_outcome.httpStatus >= 300)) {
        m_buffer.append(m_reply->readAll().left(kMaxErrorBodyBytes));
        parseErrorBody(m_buffer);
        m_outcome.retryAfterMs = retryDelayFromHeaders(m_reply->rawHeaderPairs());
        finish(ChatOutcome::Status::HttpError, m_outcome.message);
        return;
    }
    if (m_reply->error() != QNetworkReply::NoError) {
        finish(ChatOutcome::Status::NetworkError, m_reply->errorString());
        return;
    }
    if (m_outcome.streamed || isSse()) {
        onReadyRead();
        if (m_finished)
            return;
        for (const QByteArray &event : m_sse.finish()) {
            handleEvent(event);
            if (m_finished)
                return;
        }
        if (!m_done && m_outcome.finishReason.isEmpty()) {
            finish(ChatOutcome::Status::NetworkError, QStringLiteral("the stream ended before it was complete"));
            return;
        }
        finish(ChatOutcome::Status::Ok);
        return;
    }
    m_buffer.append(m_reply->readAll().left(std::max<qsizetype>(0, kMaxBodyBytes - m_buffer.size())));
    parseCompletion(m_buffer);
}

void ChatExchange::finish(ChatOutcome::Status status, const QString &message)
{
    if (m_finished)
        return;
    m_finished = true;
    m_connectTimer.stop();
    m_idleTimer.stop();
    m_totalTimer.stop();
    m_outcome.status = status;
    if (!message.isEmpty())
        m_outcome.message = message;
    Q_EMIT finished();
}

} // namespace dealscope::llm
