#include "server/http/GuardedTcpServer.h"

#include "server/ServerLog.h"
#include "server/http/HttpFrameGuard.h"
#include "server/http/HttpReply.h"

#include <QTcpSocket>
#include <QTimer>
#include <QUuid>

#include <sys/socket.h>

namespace dealscope::server {

namespace {

// Lives as a child of its socket. Its readyRead slot is connected before QtHttpServer's, so it
// inspects (peeks) the new bytes first and can cut the connection off before they are parsed.
class SocketGuard final : public QObject
{
public:
    SocketGuard(QTcpSocket *socket, const GuardedTcpServer::Limits &limits, GuardedTcpServer *server)
        : QObject(socket)
        , m_socket(socket)
        , m_frame(limits.maxHeaderBytes, limits.maxBodyBytes)
        , m_server(server)
    {
        connect(socket, &QTcpSocket::readyRead, this, &SocketGuard::inspect);
        m_idle.setSingleShot(true);
        m_idle.setInterval(limits.idleTimeoutMs);
        connect(&m_idle, &QTimer::timeout, this, [this] { m_socket->abort(); });
        m_idle.start();
    }

private:
    void inspect()
    {
        if (m_refused) {
            m_socket->readAll(); // drain: the answer is out, the rest of the upload is discarded
            return;
        }
        m_idle.start();
        const QByteArray fresh = m_socket->peek(m_socket->bytesAvailable());
        const auto verdict = m_frame.feed(fresh.constData(), fresh.size());
        if (verdict == HttpFrameGuard::Verdict::Ok)
            return;
        m_refused = true;
        // Keep QtHttpServer from ever parsing these bytes: drop its readyRead slot for this socket.
        disconnect(m_socket, &QTcpSocket::readyRead, nullptr, nullptr);
        connect(m_socket, &QTcpSocket::readyRead, this, &SocketGuard::inspect);
        m_socket->readAll();
        switch (verdict) {
        case HttpFrameGuard::Verdict::HeadersTooLarge:
            GuardedTcpServer::refuse(m_socket, 431, "headers_too_large",
                QStringLiteral("request headers exceed %1 bytes").arg(m_frame.maxHeaderBytes()));
            Q_EMIT m_server->refused(431);
            break;
        case HttpFrameGuard::Verdict::BodyTooLarge:
            GuardedTcpServer::refuse(m_socket, 413, "payload_too_large",
                QStringLiteral("request body exceeds %1 bytes").arg(m_frame.maxBodyBytes()));
            Q_EMIT m_server->refused(413);
            break;
        case HttpFrameGuard::Verdict::LengthRequired:
            GuardedTcpServer::refuse(m_socket, 411, "length_required",
                QStringLiteral("request bodies need a Content-Length (chunked uploads are not accepted)"));
            Q_EMIT m_server->refused(411);
            break;
        default:
            GuardedTcpServer::refuse(m_socket, 400, "bad_request", QStringLiteral("malformed request framing"));
            Q_EMIT m_server->refused(400);
            break;
        }
        // Give the client time to read the answer while it is still sending, then close.
        m_idle.setInterval(2000);
        m_idle.start();
    }

    QTcpSocket *m_socket;
    HttpFrameGuard m_frame;
    GuardedTcpServer *m_server;
    QTimer m_idle;
    bool m_refused = false;
};

} // namespace

GuardedTcpServer::GuardedTcpServer(Limits limits, QObject *parent)
    : QTcpServer(parent)
    , m_limits(limits)
{ }

void GuardedTcpServer::refuse(QTcpSocket *socket, int status, const QByteArray &code, const QString &message)
{
    const QString requestId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QByteArray body = errorBody(code, message, requestId);
    QByteArray out = statusLine(status);
    out += "Content-Type: application/json\r\nConnection: close\r\nContent-Length: " + QByteArray::number(body.size())
        + "\r\nX-Request-Id: " + requestId.toLatin1() + "\r\n";
    if (status == 503)
        out += "Retry-After: 1\r\n";
    out += "\r\n" + body;
    socket->write(out);
    socket->flush();
    // Half-close: the client sees our answer and EOF, while its remaining upload is drained.
    ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
}

void GuardedTcpServer::incomingConnection(qintptr socketDescriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        delete socket;
        return;
    }
    if (m_open >= m_limits.maxConnections) {
        ++m_rejected;
        refuse(socket, 503, "too_many_connections", QStringLiteral("the server is at its connection limit"));
        connect(socket, &QTcpSocket::readyRead, socket, [socket] { socket->readAll(); });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        QTimer::singleShot(1000, socket, [socket] { socket->abort(); });
        return;
    }
    ++m_open;
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1); // answers are one write each
    connect(socket, &QObject::destroyed, this, [this] { --m_open; });
    // A bounded socket buffer: a legal request (headers + 64 KiB) always fits, anything larger
    // was refused by the guard already, so the buffer never grows with a hostile upload.
    socket->setReadBufferSize(m_limits.maxHeaderBytes + m_limits.maxBodyBytes + 64 * 1024);
    new SocketGuard(socket, m_limits, this);
    addPendingConnection(socket);
}

} // namespace dealscope::server
