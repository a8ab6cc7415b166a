#include "server/http/HttpConnection.h"

#include "server/ServerLog.h"
#include "server/http/GuardedTcpServer.h"
#include "server/http/HttpReply.h"

#include <QTcpSocket>
#include <QUuid>

#include <sys/socket.h>

namespace dealscope::server {

namespace {
// How long a refused client may still read the answer while its upload is drained.
constexpr int kDrainMs = 2000;
} // namespace

HttpConnection::HttpConnection(QTcpSocket *socket, const Limits &limits, GuardedTcpServer *server)
    : QObject(socket)
    , m_socket(socket)
    , m_server(server)
    , m_limits(limits)
    , m_frame(limits.maxHeaderBytes, limits.maxBodyBytes)
{
    m_clock.start();
    connect(socket, &QTcpSocket::readyRead, this, &HttpConnection::inspect);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &HttpConnection::timedOut);
    rearm();
}

HttpConnection *HttpConnection::of(QTcpSocket *socket)
{
    return socket ? socket->findChild<HttpConnection *>(QString(), Qt::FindDirectChildrenOnly) : nullptr;
}

void HttpConnection::attachAfterHttpServer()
{
    if (m_attached)
        return;
    m_attached = true;
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::afterHttpServer);
}

void HttpConnection::inspect()
{
    if (m_cutOff) {
        m_socket->readAll(); // drain: the answer is out, the rest of the upload is discarded
        return;
    }
    // QtHttpServer reads one request per readyRead and signals again for what is left: only
    // the bytes after those already seen are new.
    const qint64 available = m_socket->bytesAvailable();
    const qint64 fresh = available - m_seenUnread;
    if (fresh <= 0 || m_refusal)
        return;
    const QByteArray buffered = m_socket->peek(available);
    const qint64 now = nowMs();
    const bool wasInRequest = m_frame.inRequest();
    const quint64 passedBefore = m_frame.passedCount();
    const auto verdict = m_frame.feed(buffered.constData() + (buffered.size() - fresh), qsizetype(fresh));
    m_seenUnread = available;
    m_lastByteMs = m_lastActivityMs = now;
    const quint64 passed = m_frame.passedCount() - passedBefore;
    // The request being received began in this read unless it is the one that was under way.
    if (m_frame.inRequest() && (!wasInRequest || (passed > 0 && (m_frame.inHeaderBlock() || passed > 1))))
        m_requestStartMs = now;
    while (m_frame.hasRequest())
        m_heads.append(m_frame.takeRequest());
    if (passed > 0 && m_frame.inBody()) {
        const quint64 seq = m_frame.passedCount() - 1;
        const auto head = headOf(seq);
        if (head.expectContinue && m_frame.bodyRemaining() == head.contentLength) {
            m_continuePending = true;
            m_continueSeq = seq;
        }
    } else if (m_continuePending && m_frame.bodyRemaining() < headOf(m_continueSeq).contentLength) {
        m_continuePending = false; // the client sends its body without waiting
    }
    switch (verdict) {
    case HttpFrameGuard::Verdict::Ok:
        break;
    case HttpFrameGuard::Verdict::HeadersTooLarge:
        refuse(431, "headers_too_large", m_frame.problem(), m_frame.passedCount());
        break;
    case HttpFrameGuard::Verdict::BodyTooLarge:
        refuse(413, "payload_too_large", m_frame.problem(), m_frame.passedCount());
        break;
    case HttpFrameGuard::Verdict::LengthRequired:
        refuse(411, "length_required", m_frame.problem(), m_frame.passedCount());
        break;
    case HttpFrameGuard::Verdict::UpgradeRefused:
        refuse(400, "upgrade_not_supported", m_frame.problem(), m_frame.passedCount());
        break;
    case HttpFrameGuard::Verdict::BadRequest:
        refuse(
            400, "bad_request", QStringLiteral("malformed request: %1").arg(m_frame.problem()), m_frame.passedCount());
        break;
    }
    maybeContinue();
    rearm();
}

void HttpConnection::afterHttpServer()
{
    if (!m_cutOff)
        m_seenUnread = m_socket->bytesAvailable();
}

quint64 HttpConnection::beginRequest()
{
    const quint64 seq = m_begun++;
    // QtHttpServer handed over the last request before a refused one: it must not read the
    // refused bytes, which are drained now, before it looks at the socket again.
    cutOffIfDue();
    return seq;
}

HttpFrameGuard::RequestHead HttpConnection::headOf(quint64 seq) const
{
    if (seq < m_headsBase || seq - m_headsBase >= quint64(m_heads.size()))
        return {};
    return m_heads.at(qsizetype(seq - m_headsBase));
}

void HttpConnection::refuse(int status, const QByteArray &code, const QString &message, quint64 seq)
{
    if (m_refusal)
        return;
    m_refusal = Refusal { status, code, message, seq };
    m_continuePending = false;
    Q_EMIT m_server->refused(status);
    cutOffIfDue();
}

void HttpConnection::cutOffIfDue()
{
    if (!m_refusal || m_cutOff || m_begun < m_refusal->seq)
        return;
    m_cutOff = true;
    // QtHttpServer's slot goes; this one stays, to drain.
    disconnect(m_socket, &QTcpSocket::readyRead, nullptr, nullptr);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::inspect);
    m_socket->readAll();
    m_seenUnread = 0;
    const QString requestId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QByteArray body = errorBody(m_refusal->code, m_refusal->message, requestId);
    QByteArray bytes = statusLine(m_refusal->status);
    bytes += "Content-Type: application/json\r\nConnection: close\r\nContent-Length: " + QByteArray::number(body.size())
        + "\r\nX-Request-Id: " + requestId.toLatin1() + "\r\n\r\n" + body;
    m_ready[m_refusal->seq] = Answer { bytes, true };
    writeAnswers();
}

void HttpConnection::respond(quint64 seq, const QByteArray &head, const QByteArray &body)
{
    if (m_closing || seq < m_nextOut || m_ready.count(seq))
        return;
    const HttpFrameGuard::RequestHead request = headOf(seq);
    Answer answer;
    answer.close = request.close;
    answer.bytes.reserve(head.size() + body.size() + 24);
    answer.bytes += head;
    if (answer.close)
        answer.bytes += "Connection: close\r\n";
    answer.bytes += "\r\n";
    if (!request.head)
        answer.bytes += body;
    m_ready.emplace(seq, std::move(answer));
    writeAnswers();
}

void HttpConnection::writeAnswers()
{
    while (!m_closing) {
        const auto it = m_ready.find(m_nextOut);
        if (it == m_ready.end())
            break;
        const Answer answer = std::move(it->second);
        m_ready.erase(it);
        if (m_nextOut == m_headsBase && !m_heads.isEmpty()) {
            m_heads.removeFirst();
            ++m_headsBase;
        }
        ++m_nextOut;
        m_lastActivityMs = nowMs();
        if (m_socket->state() != QAbstractSocket::ConnectedState)
            continue;
        m_socket->write(answer.bytes);
        if (!answer.close)
            continue;
        m_closing = true;
        m_ready.clear();
        if (m_cutOff) {
            // Half-close: the client sees the answer and EOF, while the rest of its upload is
            // drained for a moment before the connection goes.
            m_socket->flush();
            ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
            m_timer.start(kDrainMs);
        } else {
            m_socket->disconnectFromHost();
        }
    }
    maybeContinue();
    rearm();
}

void HttpConnection::maybeContinue()
{
    // An interim answer belongs to its request: it waits for the answers before it.
    if (!m_continuePending || m_closing || m_nextOut != m_continueSeq)
        return;
    m_continuePending = false;
    m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
}

bool HttpConnection::isIdle() const
{
    return !m_frame.inRequest() && m_begun == m_nextOut && m_begun == m_frame.passedCount() && !m_refusal && !m_closing;
}

void HttpConnection::evict()
{
    m_closing = true;
    m_timer.stop();
    m_socket->disconnectFromHost();
}

void HttpConnection::rearm()
{
    if (m_closing)
        return;
    qint64 due = -1;
    if (m_frame.inHeaderBlock())
        due = std::min(m_requestStartMs + m_limits.headerTimeoutMs, m_lastByteMs + m_limits.stallTimeoutMs);
    else if (m_frame.inBody())
        due = std::min(m_requestStartMs + m_limits.requestTimeoutMs, m_lastByteMs + m_limits.stallTimeoutMs);
    else if (isIdle())
        due = m_lastActivityMs + m_limits.keepAliveIdleMs;
    if (due < 0) {
        m_timer.stop(); // answers are being made; their handlers bound how long that takes
        return;
    }
    // A later deadline can wait for the timer already set: timedOut() looks again.
    const qint64 remaining = std::max<qint64>(0, due - nowMs());
    if (!m_timer.isActive() || remaining < m_timer.remainingTime())
        m_timer.start(int(remaining));
}

void HttpConnection::timedOut()
{
    if (m_closing) {
        m_socket->abort(); // the drain time of a refused connection is over
        return;
    }
    const qint64 now = nowMs();
    if (m_frame.inHeaderBlock()) {
        if (now >= m_requestStartMs + m_limits.headerTimeoutMs) {
            refuse(408, "request_timeout",
                QStringLiteral("the request header did not arrive within %1 s").arg(m_limits.headerTimeoutMs / 1000),
                m_frame.passedCount());
            return;
        }
        if (now >= m_lastByteMs + m_limits.stallTimeoutMs) {
            refuse(408, "request_timeout", QStringLiteral("the request stalled"), m_frame.passedCount());
            return;
        }
    } else if (m_frame.inBody()) {
        if (now >= m_requestStartMs + m_limits.requestTimeoutMs || now >= m_lastByteMs + m_limits.stallTimeoutMs) {
            // The request whose body is missing passed the guard and is QtHttpServer's to read.
            refuse(408, "request_timeout", QStringLiteral("the request body did not arrive in time"),
                m_frame.passedCount() - 1);
            return;
        }
    } else if (isIdle() && now >= m_lastActivityMs + m_limits.keepAliveIdleMs) {
        evict();
        return;
    }
    rearm();
}

} // namespace dealscope::server
