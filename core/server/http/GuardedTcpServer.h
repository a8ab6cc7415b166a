#pragma once

#include "server/http/HttpConnection.h"

#include <QHash>
#include <QHostAddress>
#include <QPointer>
#include <QTcpServer>

namespace dealscope::server {

// The listening socket handed to QAbstractHttpServer::bind(). Every accepted socket gets an
// HttpConnection that sees each byte before QtHttpServer does and writes the answers in order.
// The number of connections is capped in all and per client address; when the server is full,
// the connection idle the longest makes room for a new one, so idle keep-alive connections
// cannot lock clients out. Otherwise a connection beyond a cap is answered 503 and closed.
class GuardedTcpServer final : public QTcpServer
{
    Q_OBJECT
public:
    struct Limits
    {
        HttpConnection::Limits connection;
        int maxConnections = 1024;
        int maxConnectionsPerPeer = 256; // 0: no cap
    };

    explicit GuardedTcpServer(Limits limits, QObject *parent = nullptr);

    int openConnections() const { return int(m_connections.size()); }
    quint64 rejectedCount() const { return m_rejected; }

    // Call right after QAbstractHttpServer::bind(this): from then on each connection also counts
    // what QtHttpServer reads (its slot must come after QtHttpServer's own).
    void attachAfterHttpServer();

    // Writes a complete error answer on a raw socket and half-closes it.
    static void refuse(class QTcpSocket *socket, int status, const QByteArray &code, const QString &message);

Q_SIGNALS:
    void refused(int status);

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    void reject(QTcpSocket *socket, const QString &message);
    bool evictIdlest();
    void forget(HttpConnection *connection);

    Limits m_limits;
    QHash<HttpConnection *, QHostAddress> m_connections; // counted ones, with their peer
    QHash<QHostAddress, int> m_perPeer;
    QList<QPointer<HttpConnection>> m_unattached;
    bool m_attaching = false;
    quint64 m_rejected = 0;
};

} // namespace dealscope::server
