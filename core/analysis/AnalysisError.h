#pragma once

#include <QString>

#include <optional>
#include <stdexcept>

namespace dealscope {

// Thrown by analysis steps and the engine. The runner decides from `kind` whether to retry.
class AnalysisError final : public std::runtime_error
{
public:
    enum class Kind {
        Transient, // network, HTTP 429/5xx, worker crash: retried with backoff
        Permanent, // bad input, unknown listing, HTTP 4xx: fails at once
        Canceled, // cooperative cancellation observed
        TimedOut, // per-attempt deadline passed
    };

    AnalysisError(Kind kind, const QString &message, std::optional<qint64> retryAfterMs = std::nullopt);

    // The cancellation every backend reports: error "canceled by user" (SPEC §3).
    static AnalysisError canceledByUser();
    // A job's error text once its user canceled it, the same on every backend.
    static QString canceledByUserText() { return QStringLiteral("canceled by user"); }

    Kind kind() const { return m_kind; }
    QString message() const { return m_message; }
    std::optional<qint64> retryAfterMs() const { return m_retryAfterMs; }

private:
    Kind m_kind;
    QString m_message;
    std::optional<qint64> m_retryAfterMs;
};

} // namespace dealscope
