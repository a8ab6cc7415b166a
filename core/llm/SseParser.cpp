#include "llm/SseParser.h"

namespace dealscope::llm {

QList<QByteArray> SseParser::feed(QByteArrayView bytes, bool *ok)
{
    QList<QByteArray> out;
    if (m_failed) {
        if (ok)
            *ok = false;
        return out;
    }
    for (char c : bytes) {
        if (m_skipLf) {
            m_skipLf = false;
            if (c == '\n')
                continue;
        }
        if (c == '\r' || c == '\n') {
            processLine(m_buffer, out);
            m_buffer.clear();
            m_skipLf = (c == '\r');
            continue;
        }
        if (m_buffer.size() >= m_maxLine || m_data.size() >= m_maxLine) {
            m_failed = true;
            m_buffer.clear();
            m_data.clear();
            break;
        }
        m_buffer.append(c);
    }
    if (ok)
        *ok = !m_failed;
    return out;
}

QList<QByteArray> SseParser::finish()
{
    QList<QByteArray> out;
    if (m_failed)
        return out;
    if (!m_buffer.isEmpty()) {
        processLine(m_buffer, out);
        m_buffer.clear();
    }
    processLine({}, out);
    return out;
}

void SseParser::processLine(QByteArrayView line, QList<QByteArray> &out)
{
    if (line.isEmpty()) {
        if (m_hasData)
            out.append(m_data);
        m_data.clear();
        m_hasData = false;
        return;
    }
    if (line.front() == ':')
        return; // comment / keep-alive
    const qsizetype colon = line.indexOf(':');
    QByteArrayView field = colon < 0 ? line : line.first(colon);
    QByteArrayView value = colon < 0 ? QByteArrayView() : line.sliced(colon + 1);
    if (!value.isEmpty() && value.front() == ' ')
        value = value.sliced(1);
    if (field == "data") {
        if (m_hasData)
            m_data.append('\n');
        m_data.append(value.data(), value.size());
        m_hasData = true;
    }
}

} // namespace dealscope::llm
