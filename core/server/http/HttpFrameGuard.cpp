#include "server/http/HttpFrameGuard.h"

#include <cstring>
#include <limits>

namespace dealscope::server {

namespace {

// tchar of RFC 9110 §5.6.2: what a method and a field name are made of.
bool isTchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (const char c : s) {
        if (!isTchar(c))
            return false;
    }
    return true;
}

// Optional whitespace (SP, HTAB) around a field value; not the wider set trimmed() removes.
QByteArrayView trimOws(QByteArrayView s)
{
    while (!s.isEmpty() && (s.front() == ' ' || s.front() == '\t'))
        s = s.sliced(1);
    while (!s.isEmpty() && (s.back() == ' ' || s.back() == '\t'))
        s.chop(1);
    return s;
}

bool hasToken(QByteArrayView list, QByteArrayView token)
{
    qsizetype from = 0;
    while (from <= list.size()) {
        qsizetype comma = list.indexOf(',', from);
        if (comma < 0)
            comma = list.size();
        if (trimOws(list.sliced(from, comma - from)).compare(token, Qt::CaseInsensitive) == 0)
            return true;
        from = comma + 1;
    }
    return false;
}

} // namespace

HttpFrameGuard::Verdict HttpFrameGuard::refuse(Verdict verdict, const QString &problem)
{
    m_verdict = verdict;
    m_problem = problem;
    m_partial.clear();
    return verdict;
}

HttpFrameGuard::Verdict HttpFrameGuard::feed(const char *data, qsizetype size)
{
    qsizetype i = 0;
    while (m_verdict == Verdict::Ok && i < size) {
        if (m_inBody) {
            const qint64 take = std::min<qint64>(m_bodyRemaining, size - i);
            m_bodyRemaining -= take;
            i += take;
            if (m_bodyRemaining == 0)
                m_inBody = false;
            continue;
        }
        if (!m_inHeader) {
            // Empty lines between requests are ignored (RFC 9112 §2.2), as QtHttpServer does.
            if (data[i] == '\r' || data[i] == '\n') {
                ++i;
                continue;
            }
            m_inHeader = true;
            m_firstLine = true;
            m_headerBytes = 0;
            m_head = RequestHead {};
            m_haveLength = m_chunked = m_keepAlive = m_connectionUpgrade = m_upgradeWebSocket = false;
        }
        const char *start = data + i;
        const qsizetype avail = size - i;
        const void *found = std::memchr(start, '\n', size_t(avail));
        if (!found) {
            if (m_headerBytes + m_partial.size() + avail > m_maxHeaderBytes)
                return refuse(
                    Verdict::HeadersTooLarge, QStringLiteral("request headers exceed %1 bytes").arg(m_maxHeaderBytes));
            m_partial.append(start, avail);
            return m_verdict;
        }
        const qsizetype lineLength = static_cast<const char *>(found) - start; // without the LF
        m_headerBytes += m_partial.size() + lineLength + 1;
        i += lineLength + 1;
        if (m_headerBytes > m_maxHeaderBytes)
            return refuse(
                Verdict::HeadersTooLarge, QStringLiteral("request headers exceed %1 bytes").arg(m_maxHeaderBytes));
        if (m_partial.isEmpty()) {
            line(QByteArrayView(start, lineLength + 1));
        } else {
            m_partial.append(start, lineLength + 1);
            const QByteArray whole = std::exchange(m_partial, QByteArray());
            line(whole);
            m_partial.reserve(whole.capacity()); // keeps the room for the next split line
        }
    }
    return m_verdict;
}

// `text` ends in its LF.
HttpFrameGuard::Verdict HttpFrameGuard::line(QByteArrayView text)
{
    if (text.size() < 2 || text[text.size() - 2] != '\r')
        return refuse(Verdict::BadRequest, QStringLiteral("a line of the request ends in a bare LF (CRLF expected)"));
    const QByteArrayView content = text.first(text.size() - 2);
    if (content.contains('\r'))
        return refuse(Verdict::BadRequest, QStringLiteral("a bare CR in the request header"));
    if (m_firstLine) {
        m_firstLine = false;
        return requestLine(content);
    }
    if (content.isEmpty())
        return headerComplete();
    return fieldLine(content);
}

HttpFrameGuard::Verdict HttpFrameGuard::requestLine(QByteArrayView text)
{
    // method SP request-target SP HTTP-version (RFC 9112 §3), single spaces.
    const qsizetype sp1 = text.indexOf(' ');
    const qsizetype sp2 = sp1 > 0 ? text.indexOf(' ', sp1 + 1) : -1;
    if (sp1 <= 0 || sp2 <= sp1 + 1 || !isToken(text.first(sp1)))
        return refuse(Verdict::BadRequest, QStringLiteral("malformed request line"));
    for (const char c : text.sliced(sp1 + 1, sp2 - sp1 - 1)) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
            return refuse(Verdict::BadRequest, QStringLiteral("malformed request target"));
    }
    const QByteArrayView version = text.sliced(sp2 + 1);
    if (version == "HTTP/1.0")
        m_head.http10 = true;
    else if (version != "HTTP/1.1")
        return refuse(Verdict::BadRequest, QStringLiteral("only HTTP/1.1 and HTTP/1.0 are spoken here"));
    m_head.head = text.first(sp1) == "HEAD";
    return Verdict::Ok;
}

HttpFrameGuard::Verdict HttpFrameGuard::fieldLine(QByteArrayView text)
{
    if (text.front() == ' ' || text.front() == '\t')
        return refuse(
            Verdict::BadRequest, QStringLiteral("a header line starts with whitespace (obs-fold is not accepted)"));
    const qsizetype colon = text.indexOf(':');
    if (colon < 0)
        return refuse(Verdict::BadRequest, QStringLiteral("a header line without a colon"));
    const QByteArrayView name = text.first(colon);
    if (!isToken(name))
        return refuse(Verdict::BadRequest,
            QStringLiteral("a header field name that is not a token (whitespace before the colon?)"));
    const QByteArrayView value = trimOws(text.sliced(colon + 1));
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f)
            return refuse(Verdict::BadRequest, QStringLiteral("a control character in a header value"));
    }
    // Only the few fields that decide the framing and the connection matter here.
    switch (name.size()) {
    case 14:
        if (name.compare("content-length", Qt::CaseInsensitive) == 0) {
            // Digits only (no sign, no spaces inside), no overflow, the same in every copy.
            if (value.isEmpty())
                return refuse(Verdict::BadRequest, QStringLiteral("an empty Content-Length"));
            qint64 v = 0;
            for (const char c : value) {
                if (c < '0' || c > '9' || v > (std::numeric_limits<qint64>::max() - (c - '0')) / 10)
                    return refuse(Verdict::BadRequest, QStringLiteral("a Content-Length that is not a number"));
                v = v * 10 + (c - '0');
            }
            if (m_haveLength && v != m_head.contentLength)
                return refuse(Verdict::BadRequest, QStringLiteral("two different Content-Length values"));
            m_head.contentLength = v;
            m_haveLength = true;
        }
        break;
    case 17:
        if (name.compare("transfer-encoding", Qt::CaseInsensitive) == 0)
            m_chunked = true;
        break;
    case 10:
        if (name.compare("connection", Qt::CaseInsensitive) == 0) {
            m_head.close = m_head.close || hasToken(value, "close");
            m_keepAlive = m_keepAlive || hasToken(value, "keep-alive");
            // What QtHttpServer takes for an upgrade: the word anywhere in the field.
            m_connectionUpgrade = m_connectionUpgrade || value.toByteArray().toLower().contains("upgrade");
        }
        break;
    case 7:
        if (name.compare("upgrade", Qt::CaseInsensitive) == 0)
            m_upgradeWebSocket = m_upgradeWebSocket || hasToken(value, "websocket");
        break;
    case 6:
        if (name.compare("expect", Qt::CaseInsensitive) == 0)
            m_head.expectContinue = value.compare("100-continue", Qt::CaseInsensitive) == 0;
        break;
    default:
        break;
    }
    return Verdict::Ok;
}

HttpFrameGuard::Verdict HttpFrameGuard::headerComplete()
{
    m_inHeader = false;
    if (m_chunked)
        return refuse(Verdict::LengthRequired,
            QStringLiteral("request bodies need a Content-Length (chunked uploads are not accepted)"));
    if (m_connectionUpgrade && m_upgradeWebSocket)
        return refuse(Verdict::UpgradeRefused, QStringLiteral("WebSocket upgrades are not accepted here"));
    if (m_head.contentLength > m_maxBodyBytes)
        return refuse(Verdict::BodyTooLarge, QStringLiteral("request body exceeds %1 bytes").arg(m_maxBodyBytes));
    if (m_head.http10 && !m_keepAlive)
        m_head.close = true;
    m_head.expectContinue = m_head.expectContinue && m_head.contentLength > 0;
    m_passed.append(m_head);
    ++m_passedCount;
    m_bodyRemaining = m_head.contentLength;
    m_inBody = m_bodyRemaining > 0;
    return Verdict::Ok;
}

} // namespace dealscope::server
