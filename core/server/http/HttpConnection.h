#pragma once

#include "server/http/HttpFrameGuard.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <map>
#include <optional>

class QTcpSocket;

namespace dealscope::server {

class GuardedTcpServer;

// One client connection, in front of and around QtHttpServer (a child of its socket):
// - every byte passes the frame guard before QtHttpServer parses it, exactly once: QtHttpServer
//   reads one request per readyRead and leaves the rest in the socket's buffer for the next one,
//   so the bytes already checked are counted (read after QtHttpServer's slot) instead of peeked
//   again;
// - answers leave in request order (RFC 9112 §9.3.2) whichever finishes first; a refusal by
//   the guard (413, 431, 400, …) is the answer of the request it refused, after the answers of
//   the requests before it, and then the connection closes;
// - a header block must arrive within 10 s, a half-received request may not stall for more
//   than a few seconds nor take longer than 30 s in all, an idle keep-alive connection closes
//   after 2 minutes (or sooner, when the server needs its slot for a new one);
// - Expect: 100-continue is answered 100 when the request's turn comes, HEAD gets no body,
//   Connection: close and HTTP/1.0 close after their answer.
class HttpConnection final : public QObject
{
    Q_OBJECT
public:
    struct Limits
    {
        qsizetype maxHeaderBytes = 16 * 1024;
        qint64 maxBodyBytes = 64 * 1024;
        int headerTimeoutMs = 10'000; // from a request's first byte to the end of its header block
        int stallTimeoutMs = 5'000; // no byte while a request is half-received
        int requestTimeoutMs = 30'000; // from a request's first byte to its last
        int keepAliveIdleMs = 120'000; // nothing to read or answer
    };

    HttpConnection(QTcpSocket *socket, const Limits &limits, GuardedTcpServer *server);

    // The connection of `socket`, if it has one.
    static HttpConnection *of(QTcpSocket *socket);

    // Starts counting what QtHttpServer reads: called once QtHttpServer has connected to the
    // socket, so that this slot runs after its own.
    void attachAfterHttpServer();

    // QtHttpServer hands over its next request: its place in the answer order.
    quint64 beginRequest();
    // The answer of request `seq`: `head` is its status line and header fields (each ending in
    // CRLF, not the empty line). Written once every earlier answer is out.
    void respond(quint64 seq, const QByteArray &head, const QByteArray &body);

    // Nothing half-received, nothing being answered: the connection may be closed to make room.
    bool isIdle() const;
    qint64 idleSinceMs() const { return m_lastActivityMs; }
    // Closes an idle connection (the server needs its slot).
    void evict();

private:
    struct Answer
    {
        QByteArray bytes;
        bool close = false;
    };
    struct Refusal
    {
        int status = 0;
        QByteArray code;
        QString message;
        quint64 seq = 0; // the request it answers
    };

    void inspect(); // before QtHttpServer's readyRead slot
    void afterHttpServer(); // after it
    void refuse(int status, const QByteArray &code, const QString &message, quint64 seq);
    // Once every request before the refused one has reached the API: QtHttpServer reads no more,
    // and the refusal takes its place in the answer order.
    void cutOffIfDue();
    void writeAnswers();
    void maybeContinue();
    void rearm();
    void timedOut();
    qint64 nowMs() const { return m_clock.elapsed(); }
    HttpFrameGuard::RequestHead headOf(quint64 seq) const;

    QTcpSocket *m_socket;
    GuardedTcpServer *m_server;
    Limits m_limits;
    HttpFrameGuard m_frame;
    QElapsedTimer m_clock;
    QTimer m_timer;

    qint64 m_seenUnread = 0; // bytes in the socket's buffer the guard has already read
    bool m_attached = false;
    // What the guard read of each request that passed it, from request m_headsBase on.
    QList<HttpFrameGuard::RequestHead> m_heads;
    quint64 m_headsBase = 0;
    quint64 m_begun = 0; // requests QtHttpServer handed over
    quint64 m_nextOut = 0; // the request whose answer is written next
    std::map<quint64, Answer> m_ready; // answers waiting for earlier ones

    std::optional<Refusal> m_refusal;
    bool m_cutOff = false; // QtHttpServer no longer reads this socket
    bool m_closing = false; // the last answer is out; nothing more is written

    qint64 m_lastActivityMs = 0;
    qint64 m_requestStartMs = 0; // first byte of the request being received
    qint64 m_lastByteMs = 0;
    // Expect: 100-continue of request m_continueSeq, until its body starts or it is answered.
    bool m_continuePending = false;
    quint64 m_continueSeq = 0;
};

} // namespace dealscope::server
