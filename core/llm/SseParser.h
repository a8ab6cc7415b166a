#pragma once

#include <QByteArray>
#include <QList>

namespace dealscope::llm {

// Incremental parser for text/event-stream (WHATWG "server-sent events"): bytes arrive in arbitrary
// pieces; complete events come out. Only `data` matters for Chat Completions; `event`, `id`,
// `retry` and comments are ignored. A line longer than the limit is a protocol error (a hostile or
// broken server must not make us buffer without bound).
class SseParser final
{
public:
    explicit SseParser(qsizetype maxLineBytes = 4 * 1024 * 1024)
        : m_maxLine(maxLineBytes)
    { }

    // Appends bytes; returns the data payloads of the events completed by them (multi-line data
    // joined with '\n'). Returns false in `ok` once a line exceeded the limit.
    QList<QByteArray> feed(QByteArrayView bytes, bool *ok = nullptr);
    // The stream ended: an event without its final blank line is still delivered (servers
    // sometimes close right after "data: [DONE]\n").
    QList<QByteArray> finish();

private:
    void processLine(QByteArrayView line, QList<QByteArray> &out);

    QByteArray m_buffer;
    QByteArray m_data;
    bool m_hasData = false;
    bool m_failed = false;
    bool m_skipLf = false;
    qsizetype m_maxLine;
};

} // namespace dealscope::llm
