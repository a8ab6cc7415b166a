#include "server/http/HttpFrameGuard.h"

#include <QList>

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
        m_header.truncate(headerLen);
        m_verdict = headerComplete();
        m_header.clear();
    }
    return m_verdict;
}

HttpFrameGuard::Verdict HttpFrameGuard::headerComplete()
{
    qint64 contentLength = 0;
    bool haveLength = false;
    const QList<QByteArray> lines = m_header.split('\n');
    for (qsizetype n = 1; n < lines.size(); ++n) {
        const QByteArray line = lines[n].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "content-length") {
            bool ok = false;
            const qint64 v = value.toLongLong(&ok);
            if (!ok || v < 0 || (haveLength && v != contentLength))
                return Verdict::BadRequest;
            for (char c : value) {
                if (c < '0' || c > '9')
                    return Verdict::BadRequest;
            }
            contentLength = v;
            haveLength = true;
        } else if (name == "transfer-encoding") {
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
