#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

namespace dealscope::server {

// Follows the request framing of one HTTP/1.1 connection byte by byte, before QtHttpServer sees
// the bytes, so that oversized headers and bodies are refused without ever being buffered
// (QtHttpServer 6.4 buffers any body whole) and so that every byte QtHttpServer parses was framed
// the same way here. Where QtHttpServer is lenient and would frame a request differently, the
// guard refuses instead of guessing (RFC 9112): lines end in CRLF (a bare LF or CR is 400), a
// header line starting with whitespace (obs-fold), whitespace before the colon or a field name
// that is not a token is 400, a body is Content-Length bytes (chunked uploads are 411), and a
// WebSocket upgrade (which QtHttpServer would answer on its own) is refused.
class HttpFrameGuard final
{
public:
    enum class Verdict { Ok, HeadersTooLarge, BodyTooLarge, LengthRequired, BadRequest, UpgradeRefused };

    // What the guard read in the header block of a request it let through.
    struct RequestHead final
    {
        bool head = false; // HEAD: the answer carries no body
        bool http10 = false; // HTTP/1.0: the connection closes unless it asked for keep-alive
        bool close = false; // Connection: close (or HTTP/1.0 without keep-alive)
        bool expectContinue = false; // Expect: 100-continue with a body to come
        qint64 contentLength = 0;
    };

    HttpFrameGuard(qsizetype maxHeaderBytes, qint64 maxBodyBytes)
        : m_maxHeaderBytes(maxHeaderBytes)
        , m_maxBodyBytes(maxBodyBytes)
    { }

    // Feeds the next bytes of the stream (each byte exactly once). Once a verdict other than Ok is
    // returned the connection must be answered and closed; further calls keep returning that
    // verdict and read nothing.
    Verdict feed(const char *data, qsizetype size);

    // Why a verdict other than Ok was given, for the error message.
    const QString &problem() const { return m_problem; }

    // The requests whose header block passed, oldest first, until taken.
    bool hasRequest() const { return !m_passed.isEmpty(); }
    RequestHead takeRequest() { return m_passed.takeFirst(); }
    // How many requests passed in all.
    quint64 passedCount() const { return m_passedCount; }

    // A request has begun and not yet been received whole (its header block, or its body).
    bool inRequest() const { return m_inHeader || m_inBody; }
    bool inHeaderBlock() const { return m_inHeader; }
    // The last request that passed still has body bytes to come.
    bool inBody() const { return m_inBody; }
    qint64 bodyRemaining() const { return m_inBody ? m_bodyRemaining : 0; }

    qsizetype maxHeaderBytes() const { return m_maxHeaderBytes; }
    qint64 maxBodyBytes() const { return m_maxBodyBytes; }

private:
    Verdict refuse(Verdict verdict, const QString &problem);
    // One line of the header block without its CRLF; empty ends the block.
    Verdict line(QByteArrayView line);
    Verdict requestLine(QByteArrayView line);
    Verdict fieldLine(QByteArrayView line);
    Verdict headerComplete();

    qsizetype m_maxHeaderBytes;
    qint64 m_maxBodyBytes;
    Verdict m_verdict = Verdict::Ok;
    QString m_problem;

    bool m_inBody = false;
    qint64 m_bodyRemaining = 0;

    bool m_inHeader = false;
    qsizetype m_headerBytes = 0; // of the current header block, lines read whole
    QByteArray m_partial; // the start of a line split across reads
    bool m_firstLine = true;
    // What the current header block said so far.
    RequestHead m_head;
    bool m_haveLength = false;
    bool m_chunked = false;
    bool m_keepAlive = false;
    bool m_connectionUpgrade = false;
    bool m_upgradeWebSocket = false;

    QList<RequestHead> m_passed;
    quint64 m_passedCount = 0;
};

} // namespace dealscope::server
