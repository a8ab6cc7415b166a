#include "StandInExchange.h"

#include "StandInServer.h"

#include <QDateTime>
#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>

using nlohmann::json;

namespace {
constexpr qsizetype kMaxHeaderBytes = 64 * 1024;
constexpr qsizetype kMaxBodyBytes = 8 * 1024 * 1024;

qint64 now()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QByteArray reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 307:
        return "Temporary Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Payload Too Large";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

QStringList splitPieces(const QString &text, int size)
{
    QStringList pieces;
    for (qsizetype i = 0; i < text.size(); i += size)
        pieces << text.mid(i, size);
    return pieces;
}

std::string str(const QString &s)
{
    return s.toStdString();
}
} // namespace

StandInExchange::StandInExchange(QTcpSocket *socket, StandInServer *server)
    : QObject(server)
    , m_socket(socket)
    , m_server(server)
{
    socket->setParent(this);
    connect(socket, &QTcpSocket::readyRead, this, &StandInExchange::onReadyRead);
    connect(socket, &QTcpSocket::disconnected, this, &StandInExchange::onDisconnected);
    connect(&m_streamTimer, &QTimer::timeout, this, &StandInExchange::streamNext);
}

void StandInExchange::onDisconnected()
{
    m_streamTimer.stop();
    if (m_recordIndex >= 0 && !m_finished)
        m_server->update(m_recordIndex, "clientClosedAt", now());
    deleteLater();
}

void StandInExchange::onReadyRead()
{
    if (!m_socket || m_responding) {
        if (m_socket)
            m_socket->readAll();
        return;
    }
    m_buffer += m_socket->readAll();
    if (!m_headersDone) {
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0) {
            if (m_buffer.size() > kMaxHeaderBytes)
                sendError(431, QStringLiteral("Request headers too large"), "invalid_request_error", nullptr, nullptr);
            return;
        }
        const QList<QByteArray> lines = m_buffer.left(end).split('\n');
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        if (requestLine.size() != 3) {
            sendError(400, QStringLiteral("Malformed request line"), "invalid_request_error", nullptr, nullptr);
            return;
        }
        m_method = requestLine[0];
        m_target = requestLine[1];
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon > 0)
                m_headers.insert(line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed());
        }
        m_contentLength = m_headers.value("content-length", "0").toLongLong();
        if (m_contentLength < 0 || m_contentLength > kMaxBodyBytes) {
            sendError(413, QStringLiteral("Request body too large"), "invalid_request_error", nullptr, nullptr);
            return;
        }
        m_buffer.remove(0, end + 4);
        m_headersDone = true;
    }
    if (m_buffer.size() < m_contentLength)
        return;
    m_responding = true;
    handle();
}

void StandInExchange::handle()
{
    const QUrl url(QStringLiteral("http://standin") + QString::fromLatin1(m_target));
    const QString path = url.path();
    if (path == QLatin1String("/_standin/log")) {
        sendJson(200, m_server->log());
        return;
    }
    if (path == QLatin1String("/_standin/alias") && m_method == "POST") {
        const auto body = json::parse(m_buffer.constData(), m_buffer.constData() + m_contentLength, nullptr, false);
        if (body.is_discarded() || !body.is_object() || !body.contains("model") || !body["model"].is_string()
            || !body.contains("scenario") || !body["scenario"].is_string()) {
            sendError(400, QStringLiteral("alias needs {model, scenario}"), "invalid_request_error", nullptr, nullptr);
            return;
        }
        m_server->setAlias(QString::fromStdString(body["model"].get<std::string>()),
            QString::fromStdString(body["scenario"].get<std::string>()));
        sendResponse(204, {});
        return;
    }
    if (path == QLatin1String("/_standin/release") && m_method == "POST") {
        Q_EMIT m_server->released();
        sendResponse(204, {});
        return;
    }
    if (path == QLatin1String("/_standin/reset") && m_method == "POST") {
        m_server->reset();
        sendResponse(204, {});
        return;
    }
    const bool azure = path.startsWith(QLatin1String("/openai/deployments/"));
    if (azure && !QUrlQuery(url).hasQueryItem(QStringLiteral("api-version"))) {
        sendJson(404, { { "error", { { "code", "404" }, { "message", "Resource not found" } } } });
        return;
    }
    // Authentication, as the real services answer it.
    if (azure) {
        if (QString::fromUtf8(m_headers.value("api-key")) != m_server->apiKey()) {
            sendJson(401,
                { { "error",
                    { { "code", "401" },
                        { "message",
                            "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide "
                            "a valid key for an active subscription and use a correct regional API endpoint for your "
                            "resource." } } } });
            return;
        }
    } else if (path.startsWith(QLatin1String("/v1/"))) {
        const QByteArray auth = m_headers.value("authorization");
        if (auth.isEmpty()) {
            sendError(401,
                QStringLiteral("You didn't provide an API key. You need to provide your API key in an Authorization "
                               "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."),
                "invalid_request_error", nullptr, nullptr);
            return;
        }
        const QString given = QString::fromUtf8(auth.mid(7));
        if (!auth.startsWith("Bearer ") || given != m_server->apiKey()) {
            const QString masked = given.left(3) + QStringLiteral("*****") + given.right(4);
            sendError(401,
                QStringLiteral("Incorrect API key provided: %1. You can find your API key at "
                               "https://platform.openai.com/account/api-keys.")
                    .arg(masked),
                "invalid_request_error", nullptr, "invalid_api_key");
            return;
        }
    }
    if (path == QLatin1String("/v1/models") && m_method == "GET") {
        sendJson(200,
            { { "object", "list" },
                { "data",
                    json::array({ { { "id", "ok" }, { "object", "model" }, { "created", 1700000000 },
                        { "owned_by", "standin" } } }) } });
        return;
    }
    const bool chat
        = path == QLatin1String("/v1/chat/completions") || (azure && path.endsWith(QLatin1String("/chat/completions")));
    if (!chat) {
        sendError(404, QStringLiteral("Invalid URL (%1 %2)").arg(QString::fromLatin1(m_method), path),
            "invalid_request_error", nullptr, nullptr);
        return;
    }
    if (m_method != "POST") {
        sendError(405, QStringLiteral("Method not allowed"), "invalid_request_error", nullptr, nullptr);
        return;
    }
    m_body = json::parse(m_buffer.constData(), m_buffer.constData() + m_contentLength, nullptr, false);
    if (m_body.is_discarded() || !m_body.is_object()) {
        sendError(400,
            QStringLiteral("We could not parse the JSON body of your request. (HINT: This likely means you aren't "
                           "using your HTTP library correctly.)"),
            "invalid_request_error", nullptr, nullptr);
        return;
    }
    if (!m_body.contains("messages") || !m_body["messages"].is_array() || m_body["messages"].empty()) {
        sendError(400, QStringLiteral("Missing required parameter: 'messages'."), "invalid_request_error", "messages",
            "missing_required_parameter");
        return;
    }
    QString model;
    if (azure)
        model = path.section(QLatin1Char('/'), 3, 3);
    else if (m_body.contains("model") && m_body["model"].is_string())
        model = QString::fromStdString(m_body["model"].get<std::string>());
    if (model.isEmpty()) {
        sendError(400, QStringLiteral("you must provide a model parameter"), "invalid_request_error", nullptr, nullptr);
        return;
    }
    handleChat(model, azure);
}

void StandInExchange::handleChat(const QString &requestedModel, bool azure)
{
    const QString model = m_server->resolve(requestedModel);
    m_model = model;
    const QString scenario = model.section(QLatin1Char('~'), 0, 0);
    const int n = m_server->nextRequestNumber(model);
    const bool stream = m_body.value("stream", false);
    m_includeUsage = stream && m_body.contains("stream_options") && m_body["stream_options"].is_object()
        && m_body["stream_options"].value("include_usage", false);
    const std::string format = m_body.contains("response_format") && m_body["response_format"].is_object()
        ? m_body["response_format"].value("type", std::string("?"))
        : std::string("none");
    m_recordIndex = m_server->record({ { "model", str(model) }, { "requestedModel", str(requestedModel) },
        { "scenario", str(scenario) }, { "n", n }, { "azure", azure }, { "stream", stream },
        { "includeUsage", m_includeUsage }, { "responseFormat", format }, { "messages", m_body["messages"].size() },
        { "organization", m_headers.value("openai-organization").toStdString() },
        { "project", m_headers.value("openai-project").toStdString() }, { "receivedAt", now() } });

    auto succeed = [&](bool valid, int intervalMs = 5) {
        const QString content = narrativeJson(valid);
        if (stream)
            startStream(splitPieces(content, 12), {}, intervalMs, false);
        else
            sendCompletion(content, {});
    };

    if (scenario == QLatin1String("ok")) {
        succeed(true);
    } else if (scenario == QLatin1String("slow")) {
        succeed(true, 50);
    } else if (scenario == QLatin1String("rate-limit-once")) {
        if (n == 1)
            sendError(429,
                QStringLiteral("Rate limit reached for gpt-4o-mini in organization org-standin on requests per min "
                               "(RPM): Limit 3, Used 3, Requested 1. Please try again in 1s."),
                "requests", "null", "rate_limit_exceeded",
                { { "Retry-After", "1" }, { "x-ratelimit-limit-requests", "3" },
                    { "x-ratelimit-remaining-requests", "0" }, { "x-ratelimit-reset-requests", "1s" },
                    { "x-ratelimit-reset-tokens", "20ms" } });
        else
            succeed(true);
    } else if (scenario == QLatin1String("hold")) {
        // The model's latency: nothing at all until the test releases it, then a normal reply.
        m_holding = true;
        m_server->update(m_recordIndex, "heldAt", now());
        connect(m_server, &StandInServer::released, this, [this, stream] {
            if (!m_holding)
                return;
            m_holding = false;
            const QString content = narrativeJson(true);
            if (stream)
                startStream(splitPieces(content, 12), {}, 5, false);
            else
                sendCompletion(content, {});
        });
    } else if (scenario == QLatin1String("hold-mid")) {
        // Streams until the middle of the first prose value ("Stand-in …"), silent until released.
        const QString content = narrativeJson(true);
        const qsizetype prose = content.indexOf(QLatin1String("Stand-in"));
        m_holdAfter = static_cast<int>((prose + 24) / 12 + 1);
        connect(m_server, &StandInServer::released, this, [this] {
            if (!m_holding)
                return;
            m_holding = false;
            m_streamTimer.start();
        });
        startStream(splitPieces(content, 12), {}, 5, false);
    } else if (scenario == QLatin1String("server-error")) {
        sendError(500, QStringLiteral("The server had an error while processing your request. Sorry about that!"),
            "server_error", nullptr, nullptr);
    } else if (scenario == QLatin1String("overloaded")) {
        sendError(503, QStringLiteral("The engine is currently overloaded, please try again later."), "server_error",
            nullptr, nullptr, { { "x-ratelimit-reset-requests", "6m0s" } });
    } else if (scenario == QLatin1String("no-json-schema")) {
        if (format == "json_schema")
            sendError(400,
                QStringLiteral(
                    "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model."),
                "invalid_request_error", "response_format", nullptr);
        else
            succeed(true);
    } else if (scenario == QLatin1String("plain-text-only")) {
        if (format != "none") {
            sendError(400, QStringLiteral("response_format is not supported by this server"), "invalid_request_error",
                "response_format", nullptr);
        } else {
            const QString content = QStringLiteral("Here is the narrative you asked for:\n```json\n")
                + narrativeJson(true) + QStringLiteral("\n```\nLet me know if you need anything else {like this}.");
            if (stream)
                startStream(splitPieces(content, 12), {}, 5, false);
            else
                sendCompletion(content, {});
        }
    } else if (scenario == QLatin1String("invalid-then-repair")) {
        succeed(m_body["messages"].size() > 2);
    } else if (scenario == QLatin1String("always-invalid")) {
        succeed(false);
    } else if (scenario == QLatin1String("stall")) {
        if (stream)
            startStream(splitPieces(narrativeJson(true), 12), {}, 5, true);
        // non-streaming: never answer
    } else if (scenario == QLatin1String("refusal")) {
        const QString refusal = QStringLiteral("I'm sorry, but I can't help with that request.");
        if (stream)
            startStream({}, splitPieces(refusal, 10), 5, false);
        else
            sendCompletion({}, refusal);
    } else if (scenario == QLatin1String("unauthorized")) {
        // A hostile/buggy proxy echoing the whole key: the client must still never show it.
        sendError(401,
            QStringLiteral("Incorrect API key provided: %1.")
                .arg(QString::fromUtf8(m_headers.value("authorization").mid(7) + m_headers.value("api-key"))),
            "invalid_request_error", nullptr, "invalid_api_key");
    } else if (scenario == QLatin1String("not-found")) {
        sendError(404, QStringLiteral("The model `%1` does not exist or you do not have access to it.").arg(model),
            "invalid_request_error", nullptr, "model_not_found");
    } else if (scenario == QLatin1String("insufficient-quota")) {
        sendError(429, QStringLiteral("You exceeded your current quota, please check your plan and billing details."),
            "insufficient_quota", nullptr, "insufficient_quota");
    } else if (scenario == QLatin1String("truncated")) {
        m_truncateAfter = 3;
        startStream(splitPieces(narrativeJson(true), 12), {}, 5, false);
    } else if (scenario == QLatin1String("bad-chunk") || scenario == QLatin1String("huge-line")) {
        // Hostile streams: a chunk that is not JSON, or one endless line; the connection stays open.
        m_socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
        m_server->update(m_recordIndex, "status", 200);
        if (scenario == QLatin1String("bad-chunk"))
            m_socket->write("data: {\"choices\": [oops\n\n");
        else
            m_socket->write("data: \"" + QByteArray(6 * 1024 * 1024, 'x'));
    } else if (scenario == QLatin1String("redirect")) {
        sendResponse(307, {},
            { { "Location",
                "http://127.0.0.1:" + QByteArray::number(m_socket->localPort()) + "/v1/chat/completions" } });
    } else if (scenario == QLatin1String("garbage")) {
        sendResponse(200, "<html>not json</html>", {}, "text/html");
    } else {
        sendError(404, QStringLiteral("The model `%1` does not exist or you do not have access to it.").arg(model),
            "invalid_request_error", nullptr, "model_not_found");
    }
}

QString StandInExchange::narrativeJson(bool valid) const
{
    if (!valid)
        return QStringLiteral("Sure! Here is my analysis: {\"summary\": \"Too short\", \"extra\": 1}");
    // Read the analysis type and the computed result from the prompt, as a model would.
    QString type;
    json result;
    for (const auto &message : m_body["messages"]) {
        if (!message.is_object() || message.value("role", std::string()) != "user" || !message["content"].is_string())
            continue;
        const QString text = QString::fromStdString(message["content"].get<std::string>());
        const auto match = QRegularExpression(QStringLiteral("Analysis type: (\\w+)")).match(text);
        if (match.hasMatch() && type.isEmpty())
            type = match.captured(1);
        const qsizetype at = text.indexOf(QLatin1String("Computed result (JSON):\n"));
        if (at >= 0 && result.is_null()) {
            auto parsed = json::parse(text.mid(at + 24).toStdString(), nullptr, false);
            if (!parsed.is_discarded())
                result = parsed;
        }
    }
    json findingMessages = json::array();
    if (result.is_object() && result.contains("findings") && result["findings"].is_array()) {
        for (const auto &finding : result["findings"]) {
            if (finding.is_object() && finding.contains("code") && finding["code"].is_string())
                findingMessages.push_back({ { "code", finding["code"] },
                    { "message", "Stand-in wording: " + finding.value("message", std::string()) } });
        }
    }
    const std::string score
        = result.is_object() && result.contains("score") ? result["score"].dump() : std::string("unknown");
    json reply = {
        { "summary", "Stand-in narrative of a " + str(type) + " for the listing, written from the computed figures." },
        { "scoreExplanation", "The computed score of " + score + " reflects the engine's metrics and findings." },
        { "findingMessages", findingMessages },
        { "observations",
            json::array({ { { "severity", "info" },
                { "message", "The stand-in model noticed nothing beyond the computed findings." } } }) },
    };
    if (type == QLatin1String("business_analysis"))
        reply["keyQuestions"] = { "Can the seller document the stated cash flow with tax returns?" };
    else if (type == QLatin1String("valuation"))
        reply["valuationNarrative"] = "The stand-in explains the computed valuation range without adding numbers.";
    else if (type == QLatin1String("risk_assessment"))
        reply["mitigations"] = { "Verify the financial statements with an accountant." };
    else if (type == QLatin1String("market_intelligence"))
        reply["marketPosition"] = "The stand-in places the listing within its sector using the computed percentiles.";
    return QString::fromStdString(reply.dump());
}

qint64 StandInExchange::promptTokens() const
{
    qint64 chars = 0;
    for (const auto &message : m_body["messages"]) {
        if (message.is_object() && message.contains("content") && message["content"].is_string())
            chars += static_cast<qint64>(message["content"].get<std::string>().size());
    }
    return chars / 4 + 1;
}

void StandInExchange::sendResponse(int status, const QByteArray &body,
    const QList<QPair<QByteArray, QByteArray>> &headers, const QByteArray &contentType)
{
    if (!m_socket)
        return;
    m_responding = true;
    QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason(status) + "\r\n";
    if (status == 307)
        head += "Content-Length: 0\r\n";
    else if (status != 204)
        head += "Content-Type: " + contentType + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    head += "x-request-id: req_standin\r\nopenai-processing-ms: 1\r\nConnection: close\r\n";
    for (const auto &[name, value] : headers)
        head += name + ": " + value + "\r\n";
    m_socket->write(head + "\r\n" + body);
    m_finished = true;
    if (m_recordIndex >= 0) {
        m_server->update(m_recordIndex, "status", status);
        m_server->update(m_recordIndex, "finishedAt", now());
    }
    m_socket->disconnectFromHost();
}

void StandInExchange::sendJson(int status, const json &body, const QList<QPair<QByteArray, QByteArray>> &headers)
{
    sendResponse(status, QByteArray::fromStdString(body.dump()), headers);
}

void StandInExchange::sendError(int status, const QString &message, const char *type, const char *param,
    const char *code, const QList<QPair<QByteArray, QByteArray>> &headers)
{
    auto orNull = [](const char *s) -> json { return s && qstrcmp(s, "null") != 0 ? json(s) : json(nullptr); };
    sendJson(status,
        { { "error",
            { { "message", str(message) }, { "type", orNull(type) }, { "param", orNull(param) },
                { "code", orNull(code) } } } },
        headers);
}

void StandInExchange::sendCompletion(const QString &content, const QString &refusal)
{
    const qint64 completion = content.size() / 4 + refusal.size() / 4 + 1;
    json message = { { "role", "assistant" }, { "content", content.isNull() ? json(nullptr) : json(str(content)) },
        { "refusal", refusal.isEmpty() ? json(nullptr) : json(str(refusal)) } };
    sendJson(200,
        { { "id", "chatcmpl-standin" }, { "object", "chat.completion" }, { "created", now() / 1000 },
            { "model", str(m_model) }, { "system_fingerprint", "fp_standin" },
            { "choices",
                json::array({ { { "index", 0 }, { "message", message }, { "logprobs", nullptr },
                    { "finish_reason", "stop" } } }) },
            { "usage",
                { { "prompt_tokens", promptTokens() }, { "completion_tokens", completion },
                    { "total_tokens", promptTokens() + completion } } } });
}

json StandInExchange::chunk(const json &delta, const json &finishReason) const
{
    json c = { { "id", "chatcmpl-standin" }, { "object", "chat.completion.chunk" }, { "created", now() / 1000 },
        { "model", str(m_model) }, { "system_fingerprint", "fp_standin" },
        { "choices",
            json::array({ { { "index", 0 }, { "delta", delta }, { "logprobs", nullptr },
                { "finish_reason", finishReason } } }) } };
    if (m_includeUsage)
        c["usage"] = nullptr;
    return c;
}

void StandInExchange::writeEvent(const json &payload)
{
    if (m_socket)
        m_socket->write("data: " + QByteArray::fromStdString(payload.dump()) + "\n\n");
}

void StandInExchange::startStream(
    const QStringList &contentPieces, const QStringList &refusalPieces, int intervalMs, bool stallAfterFirst)
{
    if (!m_socket)
        return;
    m_responding = true;
    m_socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\n"
                    "x-request-id: req_standin\r\nConnection: close\r\n\r\n");
    m_server->update(m_recordIndex, "status", 200);
    json first = { { "role", "assistant" }, { "content", refusalPieces.isEmpty() ? json("") : json(nullptr) } };
    if (!refusalPieces.isEmpty())
        first["refusal"] = "";
    writeEvent(chunk(first, nullptr));
    m_pieces = contentPieces;
    m_refusalPieces = refusalPieces;
    m_stall = stallAfterFirst;
    m_streamTimer.start(intervalMs);
}

void StandInExchange::streamNext()
{
    if (!m_socket)
        return;
    const int total = static_cast<int>(m_pieces.size() + m_refusalPieces.size());
    if (m_next < total) {
        const bool refusal = m_next >= m_pieces.size();
        const QString piece = refusal ? m_refusalPieces[m_next - m_pieces.size()] : m_pieces[m_next];
        m_completionChars += piece.size();
        writeEvent(chunk({ { refusal ? "refusal" : "content", str(piece) } }, nullptr));
        ++m_next;
        if (m_next == m_truncateAfter) {
            m_streamTimer.stop();
            m_server->update(m_recordIndex, "truncatedAt", now());
            m_finished = true;
            m_socket->disconnectFromHost();
            return;
        }
        if (m_next == m_holdAfter) {
            m_streamTimer.stop();
            m_holding = true;
            m_server->update(m_recordIndex, "heldAt", now());
            return;
        }
        if (m_stall) {
            m_streamTimer.stop(); // keep the connection open and silent
            m_server->update(m_recordIndex, "stalledAt", now());
        }
        return;
    }
    m_streamTimer.stop();
    writeEvent(chunk(json::object(), "stop"));
    if (m_includeUsage) {
        const qint64 completion = m_completionChars / 4 + 1;
        writeEvent({ { "id", "chatcmpl-standin" }, { "object", "chat.completion.chunk" }, { "created", now() / 1000 },
            { "model", str(m_model) }, { "system_fingerprint", "fp_standin" }, { "choices", json::array() },
            { "usage",
                { { "prompt_tokens", promptTokens() }, { "completion_tokens", completion },
                    { "total_tokens", promptTokens() + completion } } } });
    }
    m_socket->write("data: [DONE]\n\n");
    m_finished = true;
    m_server->update(m_recordIndex, "finishedAt", now());
    m_socket->disconnectFromHost();
}
