#pragma once

#include <QTcpServer>

#include <atomic>

namespace dealscope::server {

// The listening socket handed to QAbstractHttpServer::bind(). Every accepted socket gets a
// guard that sees each byte before QtHttpServer does: headers over `maxHeaderBytes` answer 431,
// a declared body over `maxBodyBytes` answers 413 at once, before any of it is buffered; the
// connection is then half-closed and drained so the client still reads the answer. Connections
// beyond `maxConnections` are answered 503 and closed.
class GuardedTcpServer final : public QTcpServer
{
    Q_OBJECT
public:
    struct Limits
    {
        qsizetype maxHeaderBytes = 16 * 1024;
        qint64 maxBodyBytes = 64 * 1024;
        int maxConnections = 1024;
        int idleTimeoutMs = 120'000;
    };

    explicit GuardedTcpServer(Limits limits, QObject *parent = nullptr);

    int openConnections() const { return m_open; }
    quint64 rejectedCount() const { return m_rejected; }

    // Writes a complete error answer on a raw socket and half-closes it (also used by the guard).
    static void refuse(class QTcpSocket *socket, int status, const QByteArray &code, const QString &message);

Q_SIGNALS:
    void refused(int status);

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    Limits m_limits;
    int m_open = 0;
    quint64 m_rejected = 0;
};

} // namespace dealscope::server
