#pragma once

#include <QString>

namespace dealscope::llm {

// What a streamed narrative reply says so far, for partialOutput (SPEC §7): the text of the JSON
// string being written (a summary, a finding's new wording, an observation), decoded, or the last
// one finished; never the raw JSON around it. Reads the partial reply as it is: an unterminated
// string, a cut escape, a prose or ```json prefix before the object. Empty while no prose has been
// written yet (only keys, codes and severities so far).
class NarrativePreview final
{
public:
    // `partialReply`: the assistant's content accumulated over the stream.
    static QString text(const QString &partialReply);
    // The partialOutput line: "Writing narrative (MODEL): …the text's last words" while prose
    // streams, otherwise "Writing narrative (MODEL)… N tokens" (N: the streamed deltas so far).
    static QString line(const QString &model, const QString &partialReply, qint64 tokens, qsizetype maxChars = 160);
};

} // namespace dealscope::llm
