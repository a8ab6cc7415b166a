#pragma once

#include <QString>

#include <optional>

namespace dealscope::llm {

// What one Chat Completions request ended with: the reply text or why there is none.
struct ChatOutcome final
{
    enum class Status {
        Ok,
        HttpError, // non-2xx answer; httpStatus + the server's error object
        StreamError, // an {"error": …} event inside a 200 stream
        NetworkError, // refused, reset, DNS, TLS …
        Canceled, // aborted because the job must stop
        ConnectTimeout,
        IdleTimeout, // streaming went silent
        TotalTimeout,
        ProtocolError, // a 2xx answer we cannot understand
    };

    Status status = Status::Ok;
    int httpStatus = 0;
    QString message; // server error.message / network error text (NOT yet redacted)
    QString errorType;
    QString errorCode;
    QString errorParam;
    std::optional<qint64> retryAfterMs;

    QString content; // assistant text (accumulated over the stream)
    QString refusal; // message.refusal / delta.refusal
    QString finishReason;
    QString model; // what the server says answered
    std::optional<qint64> promptTokens;
    std::optional<qint64> completionTokens;
    bool streamed = false;
};

} // namespace dealscope::llm
