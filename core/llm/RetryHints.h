#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QPair>

#include <optional>

namespace dealscope::llm {

// Parses a Go-style duration as sent in x-ratelimit-reset-requests / -tokens ("1s", "6m0s",
// "20ms", "1h2m3.5s", "0.5s"). Returns milliseconds, nullopt for anything else.
std::optional<qint64> parseResetDuration(const QByteArray &text);

// Parses Retry-After: delta-seconds ("2", "1.5") or an HTTP-date relative to `now`.
std::optional<qint64> parseRetryAfter(const QByteArray &text, const QDateTime &now = QDateTime::currentDateTimeUtc());

// How long to wait before retrying, from the headers of a throttled/failed reply:
// retry-after-ms, then Retry-After, then the larger of x-ratelimit-reset-requests/-tokens.
// Capped at 15 minutes so a hostile header cannot park a job for days.
std::optional<qint64> retryDelayFromHeaders(
    const QList<QPair<QByteArray, QByteArray>> &headers, const QDateTime &now = QDateTime::currentDateTimeUtc());

} // namespace dealscope::llm
