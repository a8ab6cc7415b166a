#include "server/http/GuardedTcpServer.h"

#include "server/ServerLog.h"
#include "server/http/HttpReply.h"

#include <QTcpSocket>
#include <QTimer>
#include <QUuid>

#include <sys/socket.h>

namespace dealscope::server {

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

void GuardedTcpServer::attachAfterHttpServer()
{
    if (m_attaching)
        return;
    m_attaching = true;
    // Connected after QAbstractHttpServer's own slot, so it runs once QtHttpServer has taken the
    // new sockets and connected to them.
    connect(this, &QTcpServer::pendingConnectionAvailable, this, [this] {
        for (const auto &connection : std::as_const(m_unattached)) {
            if (connection)
                connection->attachAfterHttpServer();
        }
        m_unattached.clear();
    });
}

void GuardedTcpServer::reject(QTcpSocket *socket, const QString &message)
{
    ++m_rejected;
    refuse(socket, 503, "too_many_connections", message);
    Q_EMIT refused(503);
    connect(socket, &QTcpSocket::readyRead, socket, [socket] { socket->readAll(); });
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    QTimer::singleShot(1000, socket, [socket] { socket->abort(); });
}

bool GuardedTcpServer::evictIdlest()
{
    HttpConnection *idlest = nullptr;
    for (auto it = m_connections.cbegin(); it != m_connections.cend(); ++it) {
        if (it.key()->isIdle() && (!idlest || it.key()->idleSinceMs() < idlest->idleSinceMs()))
            idlest = it.key();
    }
    if (!idlest)
        return false;
    forget(idlest); // its slot is free now; the socket goes once it is closed
    idlest->evict();
    return true;
}

void GuardedTcpServer::forget(HttpConnection *connection)
{
    const auto it = m_connections.constFind(connection);
    if (it == m_connections.cend())
        return;
    const QHostAddress peer = it.value();
    m_connections.erase(it);
    if (--m_perPeer[peer] <= 0)
        m_perPeer.remove(peer);
}

void GuardedTcpServer::incomingConnection(qintptr socketDescriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        delete socket;
        return;
    }
    const QHostAddress peer = socket->peerAddress();
    if (m_limits.maxConnectionsPerPeer > 0 && m_perPeer.value(peer) >= m_limits.maxConnectionsPerPeer) {
        reject(socket, QStringLiteral("too many connections from your address"));
        return;
    }
    if (m_connections.size() >= m_limits.maxConnections && !evictIdlest()) {
        reject(socket, QStringLiteral("the server is at its connection limit"));
        return;
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1); // answers are one write each
    // A bounded socket buffer: a legal request (headers + 64 KiB) always fits, anything larger
    // was refused by the guard already, so the buffer never grows with a hostile upload.
    socket->setReadBufferSize(m_limits.connection.maxHeaderBytes + m_limits.connection.maxBodyBytes + 64 * 1024);
    auto *connection = new HttpConnection(socket, m_limits.connection, this);
    m_connections.insert(connection, peer);
    ++m_perPeer[peer];
    connect(connection, &QObject::destroyed, this, [this, connection] { forget(connection); });
    if (m_attaching)
        m_unattached.append(connection);
    addPendingConnection(socket);
}

} // namespace dealscope::server
