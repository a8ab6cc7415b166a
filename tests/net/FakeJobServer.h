#pragma once

// A scripted HTTP/1.1 server on a loopback port for the client's fault tests: it answers what the
// test's handler returns (any bytes, or a dropped connection), so the client can be shown servers
// the real dealscope-server never is: the original web app's API without batch status, lookup or
// long-poll; malformed, empty, huge or hostile answers; 429/503 with Retry-After; dead sockets.

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrl>
#include <QUrlQuery>

#include <functional>

namespace remotetest {

struct FakeRequest
{
    QByteArray method;
    QString path;
    QUrlQuery query;
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QByteArray body;
    qint64 atMs = 0; // since the server started
};

// What to answer: `raw` bytes as they are (a full HTTP response), or drop the connection.
struct FakeAnswer
{
    QByteArray raw;
    bool drop = false;

    static FakeAnswer json(int status, const QByteArray &body, const QList<QByteArray> &extraHeaders = {})
    {
        QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Type: application/json\r\n"
            + "Content-Length: " + QByteArray::number(body.size()) + "\r\nConnection: close\r\n";
        for (const QByteArray &h : extraHeaders)
            head += h + "\r\n";
        return { head + "\r\n" + body, false };
    }
    static FakeAnswer dropped() { return { {}, true }; }
};

class FakeJobServer : public QObject
{
public:
    using Handler = std::function<FakeAnswer(const FakeRequest &request)>;

    explicit FakeJobServer(Handler handler)
        : m_handler(std::move(handler))
    {
        m_clock.start();
        m_server.listen(QHostAddress::LocalHost, 0);
        QObject::connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                QObject::connect(s, &QTcpSocket::readyRead, this, [this, s] { onData(s); });
                QObject::connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }
    QUrl url(const QString &scheme = QStringLiteral("http")) const
    {
        return QUrl(QStringLiteral("%1://127.0.0.1:%2").arg(scheme).arg(m_server.serverPort()));
    }
    QList<FakeRequest> requests;
    int tlsHellos = 0;
    void setHandler(Handler handler) { m_handler = std::move(handler); }

private:
    void onData(QTcpSocket *s)
    {
        QByteArray &buffer = m_buffers[s];
        buffer += s->readAll();
        if (buffer.startsWith('\x16')) {
            // A TLS ClientHello on this plain port: answer as a plain HTTP server would.
            ++tlsHellos;
            s->write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            s->disconnectFromHost();
            m_buffers.remove(s);
            return;
        }
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        FakeRequest r;
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
        r.method = first.value(0);
        const QUrl target(QString::fromLatin1(first.value(1)));
        r.path = target.path();
        r.query = QUrlQuery(target);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon > 0)
                r.headers.insert(lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
        }
        const qsizetype length = r.headers.value("content-length").toLongLong();
        if (buffer.size() < end + 4 + length)
            return;
        r.body = buffer.mid(end + 4, length);
        r.atMs = m_clock.elapsed();
        m_buffers.remove(s);
        requests.append(r);
        const FakeAnswer answer = m_handler(r);
        if (answer.drop) {
            s->abort();
            return;
        }
        s->write(answer.raw);
        s->disconnectFromHost();
    }

    QTcpServer m_server;
    Handler m_handler;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QElapsedTimer m_clock;
};

} // namespace remotetest
