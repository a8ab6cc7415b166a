#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace dealscope::server {

// Follows the request framing of one HTTP/1.1 connection byte by byte, before QtHttpServer sees
// the bytes, so oversized headers and bodies are refused without ever being buffered
// (QtHttpServer 6.4 buffers any body whole). Knows just enough HTTP for that: the header block
// ends at CRLFCRLF, the body is Content-Length bytes; chunked uploads are refused (411).
class HttpFrameGuard final
{
public:
    enum class Verdict { Ok, HeadersTooLarge, BodyTooLarge, LengthRequired, BadRequest };

    HttpFrameGuard(qsizetype maxHeaderBytes, qint64 maxBodyBytes)
        : m_maxHeaderBytes(maxHeaderBytes)
        , m_maxBodyBytes(maxBodyBytes)
    { }

    // Feeds the next bytes of the stream. Once a verdict other than Ok is returned the
    // connection must be answered and closed; further calls keep returning that verdict.
    Verdict feed(const char *data, qsizetype size);

    qsizetype maxHeaderBytes() const { return m_maxHeaderBytes; }
    qint64 maxBodyBytes() const { return m_maxBodyBytes; }

private:
    Verdict headerComplete(QByteArrayView header);

    qsizetype m_maxHeaderBytes;
    qint64 m_maxBodyBytes;
    bool m_inBody = false;
    qint64 m_bodyRemaining = 0;
    QByteArray m_header;
    Verdict m_verdict = Verdict::Ok;
};

} // namespace dealscope::server
