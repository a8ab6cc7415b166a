#include "server/http/HttpFrameGuard.h"

#include <QByteArrayView>

#include <limits>

namespace dealscope::server {

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
        // Blank lines between requests are allowed (RFC 9112 §2.2) and not part of a header.
        if (m_header.isEmpty() && (data[i] == '\r' || data[i] == '\n')) {
            ++i;
            continue;
        }
        const char *start = data + i;
        const qsizetype avail = size - i;
        if (m_header.isEmpty()) {
            // The usual case: the whole header block is in this chunk, read where it lies.
            const QByteArrayView chunk(start, std::min<qsizetype>(avail, m_maxHeaderBytes + 4));
            const qsizetype end = chunk.indexOf("\r\n\r\n");
            if (end >= 0) {
                if (end + 4 > m_maxHeaderBytes) {
                    m_verdict = Verdict::HeadersTooLarge;
                    break;
                }
                i += end + 4;
                m_verdict = headerComplete(QByteArrayView(start, end + 4));
                continue;
            }
        }
        // Look for the end of the header block, also across the previous chunk's tail.
        const qsizetype before = m_header.size();
        const qsizetype room = m_maxHeaderBytes + 4 - before;
        const qsizetype take = std::min<qsizetype>(avail, std::max<qsizetype>(room, 0));
        m_header.append(start, take);
        const qsizetype from = std::max<qsizetype>(0, before - 3);
        const qsizetype end = m_header.indexOf("\r\n\r\n", from);
        if (end < 0) {
            if (m_header.size() > m_maxHeaderBytes)
                m_verdict = Verdict::HeadersTooLarge;
            i += take;
            continue;
        }
        const qsizetype headerLen = end + 4;
        if (headerLen > m_maxHeaderBytes) {
            m_verdict = Verdict::HeadersTooLarge;
            break;
        }
        i += headerLen - before;
        m_verdict = headerComplete(QByteArrayView(m_header.constData(), headerLen));
        m_header.resize(0); // keeps the capacity for the next header split across reads
    }
    return m_verdict;
}

// Reads views into the header block; this runs for every request, and the allocating version
// (a QByteArray per line, name and value) was a visible share of the event loop's time.
HttpFrameGuard::Verdict HttpFrameGuard::headerComplete(QByteArrayView header)
{
    qint64 contentLength = 0;
    bool haveLength = false;
    qsizetype lineStart = header.indexOf('\n'); // the request line carries no header
    while (lineStart >= 0 && lineStart < header.size()) {
        ++lineStart;
        qsizetype lineEnd = header.indexOf('\n', lineStart);
        if (lineEnd < 0)
            lineEnd = header.size();
        const QByteArrayView line = header.sliced(lineStart, lineEnd - lineStart).trimmed();
        lineStart = lineEnd;
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArrayView name = line.first(colon).trimmed();
        const QByteArrayView value = line.sliced(colon + 1).trimmed();
        if (name.compare("content-length", Qt::CaseInsensitive) == 0) {
            // Digits only (no sign, no spaces inside), and no overflow.
            if (value.isEmpty())
                return Verdict::BadRequest;
            qint64 v = 0;
            for (const char c : value) {
                if (c < '0' || c > '9' || v > (std::numeric_limits<qint64>::max() - (c - '0')) / 10)
                    return Verdict::BadRequest;
                v = v * 10 + (c - '0');
            }
            if (haveLength && v != contentLength)
                return Verdict::BadRequest;
            contentLength = v;
            haveLength = true;
        } else if (name.compare("transfer-encoding", Qt::CaseInsensitive) == 0) {
            return Verdict::LengthRequired;
        }
    }
    if (contentLength > m_maxBodyBytes)
        return Verdict::BodyTooLarge;
    m_bodyRemaining = contentLength;
    m_inBody = contentLength > 0;
    return Verdict::Ok;
}

} // namespace dealscope::server
