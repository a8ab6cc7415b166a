#include "server/http/Exchange.h"

#include "jobs/JobJson.h"
#include "server/ServerLog.h"
#include "server/http/HttpConnection.h"
#include "server/http/Metrics.h"

#include <QTcpSocket>
#include <QUuid>

namespace dealscope::server {

namespace {
QString requestIdFrom(const QByteArray &given)
{
    bool ok = !given.isEmpty() && given.size() <= 128;
    for (char c : given) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':'))
            ok = false;
    }
    return ok ? QString::fromLatin1(given) : QUuid::createUuid().toString(QUuid::WithoutBraces);
}
} // namespace

bool etagMatches(const QByteArray &ifNoneMatch, const QByteArray &etag)
{
    return !ifNoneMatch.isEmpty() && (ifNoneMatch == etag || ifNoneMatch == "W/" + etag || ifNoneMatch == "*");
}

Exchange::Exchange(const QHttpServerRequest &request, QTcpSocket *socket, Metrics *metrics)
    : m_method(request.method())
    , m_url(request.url())
    , m_headers(request.headers())
    , m_body(request.body())
    , m_peer(request.remoteAddress())
    , m_socket(socket)
    , m_metrics(metrics)
{
    m_timer.start();
    m_requestId = requestIdFrom(header("x-request-id"));
    m_connection = HttpConnection::of(socket);
    if (m_connection)
        m_seq = m_connection->beginRequest();
    else // a socket without the guard (not from GuardedTcpServer): answered as it comes
        m_close = header("connection").compare("close", Qt::CaseInsensitive) == 0;
}

Exchange::~Exchange()
{
    if (m_answered || !m_connection || !connected()) // a client gone needs no answer
        return;
    qCWarning(lcServer) << "request" << m_requestId << "on" << m_route << "got no answer";
    sendError(500, "internal_error", QStringLiteral("internal error (request %1)").arg(m_requestId));
}

QByteArray Exchange::header(QByteArrayView name) const
{
    for (const auto &h : m_headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

bool Exchange::connected() const
{
    return m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
}

void Exchange::send(int status, const QByteArray &body, const HeaderPairs &headers, const QByteArray &contentType)
{
    if (m_answered)
        return;
    m_answered = true;
    if (m_metrics)
        m_metrics->countRequest(m_route, status, double(m_timer.nsecsElapsed()) / 1e9);
    if (!connected())
        return;
    QByteArray head = statusLine(status);
    head.reserve(256);
    if (status != 304)
        head += "Content-Type: " + contentType + "\r\n";
    head += "Content-Length: " + QByteArray::number(status == 304 ? 0 : body.size()) + "\r\n";
    head += "X-Request-Id: " + m_requestId.toLatin1() + "\r\n";
    for (const auto &h : headers)
        head += h.first + ": " + h.second + "\r\n";
    const QByteArray &content = status == 304 ? QByteArray() : body;
    if (m_connection) {
        m_connection->respond(m_seq, head, content);
        return;
    }
    if (m_close)
        head += "Connection: close\r\n";
    m_socket->write(head + "\r\n" + content);
    if (m_close)
        m_socket->disconnectFromHost();
}

void Exchange::sendError(int status, const QByteArray &code, const QString &message, const HeaderPairs &headers)
{
    send(status, errorBody(code, message, m_requestId), headers);
}

void Exchange::sendStoreUnavailable()
{
    sendError(503, "store_unavailable", QStringLiteral("the job store cannot be reached; retry shortly"),
        { { "Retry-After", "1" } });
}

void Exchange::sendWire(int status, const QByteArray &wire)
{
    send(status, wire, { { "ETag", jsonEtag(wire) }, { "Cache-Control", "no-store" } });
}

void Exchange::sendJob(int status, const Job &job)
{
    sendWire(status, serializeJob(job, JobJsonScope::Wire));
}

void Exchange::sendNotModified(const QByteArray &etag)
{
    send(304, {}, { { "ETag", etag }, { "Cache-Control", "no-store" } });
}

} // namespace dealscope::server
