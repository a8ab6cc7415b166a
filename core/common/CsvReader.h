#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

namespace dealscope {

// One CSV record and what went wrong while reading it (the reader itself never fails).
struct CsvRecord final
{
    QList<QString> fields;
    qsizetype line = 0; // 1-based physical line where the record starts
    bool unterminatedQuote = false; // a quoted field ran to the end of the input
    bool strayQuote = false; // text between a closing quote and the next delimiter
    bool invalidUtf8 = false; // invalid bytes were replaced with U+FFFD
    bool hadNul = false; // NUL bytes were removed
};

// RFC 4180 reader over an in-memory buffer: quoted fields with embedded delimiters, quotes ("")
// and line breaks, CRLF / LF / CR line ends, a leading UTF-8 BOM. Lenient where the RFC is not
// (stray quotes are kept as text and flagged) so that one malformed record never stops a file.
// Blank lines between records are skipped. The buffer must outlive the reader.
class CsvReader final
{
public:
    explicit CsvReader(QByteArrayView data, char delimiter = ',');

    // Reads the next record into `record`; false at the end of the input.
    bool next(CsvRecord &record);
    bool atEnd() const;
    // 1-based physical line of the read position (one past the last line consumed).
    qsizetype currentLine() const { return m_line; }

    // Guesses the delimiter from the first line: ',' unless the line has tabs or semicolons
    // and no commas outside quotes.
    static char sniffDelimiter(QByteArrayView data);

private:
    QString decode(const char *begin, qsizetype size, CsvRecord &record);
    void skipBlankLines();

    QByteArrayView m_data;
    qsizetype m_pos = 0;
    qsizetype m_line = 1;
    char m_delimiter;
    QByteArray m_scratch;
};

} // namespace dealscope
