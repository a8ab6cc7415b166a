#include "common/CsvReader.h"

#include "common/Utf8.h"

#include <algorithm>
#include <cstring>

namespace dealscope {

CsvReader::CsvReader(QByteArrayView data, char delimiter)
    : m_data(data)
    , m_delimiter(delimiter)
{
    if (m_data.size() >= 3 && m_data.startsWith(QByteArrayView("\xEF\xBB\xBF", 3)))
        m_pos = 3;
}

char CsvReader::sniffDelimiter(QByteArrayView data)
{
    int commas = 0, tabs = 0, semicolons = 0;
    bool quoted = false;
    for (qsizetype i = 0; i < data.size() && i < 65536; ++i) {
        const char c = data[i];
        if (c == '"')
            quoted = !quoted;
        else if (!quoted && (c == '\n' || c == '\r'))
            break;
        else if (!quoted && c == ',')
            ++commas;
        else if (!quoted && c == '\t')
            ++tabs;
        else if (!quoted && c == ';')
            ++semicolons;
    }
    if (commas == 0 && tabs > 0)
        return '\t';
    if (commas == 0 && semicolons > 0)
        return ';';
    return ',';
}

bool CsvReader::atEnd() const
{
    return m_pos >= m_data.size();
}

void CsvReader::skipBlankLines()
{
    const qsizetype n = m_data.size();
    while (m_pos < n) {
        const char c = m_data[m_pos];
        if (c == '\n') {
            ++m_pos;
            ++m_line;
        } else if (c == '\r') {
            ++m_pos;
            if (m_pos < n && m_data[m_pos] == '\n')
                ++m_pos;
            ++m_line;
        } else {
            break;
        }
    }
}

QString CsvReader::decode(const char *begin, qsizetype size, CsvRecord &record)
{
    if (size == 0)
        return QString();
    bool ascii = true;
    bool nul = false;
    for (qsizetype i = 0; i < size; ++i) {
        const auto c = static_cast<unsigned char>(begin[i]);
        if (c >= 0x80)
            ascii = false;
        else if (c == 0)
            nul = true;
    }
    if (ascii && !nul)
        return QString::fromLatin1(begin, size);
    QByteArray cleaned;
    if (nul) {
        record.hadNul = true;
        cleaned.reserve(size);
        for (qsizetype i = 0; i < size; ++i)
            if (begin[i] != '\0')
                cleaned.append(begin[i]);
        begin = cleaned.constData();
        size = cleaned.size();
    }
    if (!ascii && !isValidUtf8(begin, size))
        record.invalidUtf8 = true;
    return QString::fromUtf8(begin, size);
}

bool CsvReader::next(CsvRecord &record)
{
    skipBlankLines();
    const qsizetype n = m_data.size();
    if (m_pos >= n)
        return false;

    record.fields.clear();
    record.line = m_line;
    record.unterminatedQuote = record.strayQuote = record.invalidUtf8 = record.hadNul = false;
    const char *data = m_data.data();
    const char delim = m_delimiter;

    for (;;) {
        if (m_pos < n && data[m_pos] == '"') {
            ++m_pos;
            m_scratch.clear();
            for (;;) {
                const void *hit = std::memchr(data + m_pos, '"', static_cast<size_t>(n - m_pos));
                const qsizetype q = hit ? static_cast<const char *>(hit) - data : n;
                m_line += std::count(data + m_pos, data + q, '\n');
                m_scratch.append(data + m_pos, q - m_pos);
                if (!hit) {
                    m_pos = n;
                    record.unterminatedQuote = true;
                    break;
                }
                m_pos = q + 1;
                if (m_pos < n && data[m_pos] == '"') {
                    m_scratch.append('"');
                    ++m_pos;
                    continue;
                }
                break;
            }
            // Text after the closing quote is not RFC 4180; keep it rather than lose data.
            const qsizetype start = m_pos;
            while (m_pos < n && data[m_pos] != delim && data[m_pos] != '\n' && data[m_pos] != '\r')
                ++m_pos;
            if (m_pos > start) {
                record.strayQuote = true;
                m_scratch.append(data + start, m_pos - start);
            }
            record.fields.append(decode(m_scratch.constData(), m_scratch.size(), record));
        } else {
            const qsizetype start = m_pos;
            while (m_pos < n && data[m_pos] != delim && data[m_pos] != '\n' && data[m_pos] != '\r')
                ++m_pos;
            if (std::memchr(data + start, '"', static_cast<size_t>(m_pos - start)))
                record.strayQuote = true;
            record.fields.append(decode(data + start, m_pos - start, record));
        }

        if (m_pos >= n)
            return true;
        const char c = data[m_pos];
        if (c == delim) {
            ++m_pos;
            continue;
        }
        // End of record.
        ++m_pos;
        if (c == '\r' && m_pos < n && data[m_pos] == '\n')
            ++m_pos;
        ++m_line;
        return true;
    }
}

} // namespace dealscope
