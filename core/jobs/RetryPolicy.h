#pragma once

#include <QtGlobal>

#include <functional>
#include <optional>

namespace dealscope {

// Exponential backoff with jitter for transient failures (SPEC §3). The delay before attempt
// n + 1 is base × 2^(n − 1), capped at maxDelay, scaled by a random factor in [1 − jitter, 1 + jitter];
// a server's Retry-After is a floor, never shortened by the jitter or the cap.
class RetryPolicy final
{
public:
    struct Options
    {
        int maxAttempts = 3;
        qint64 baseDelayMs = 1000;
        qint64 maxDelayMs = 30000;
        double jitter = 0.2;
    };

    RetryPolicy() = default;
    explicit RetryPolicy(Options options);

    int maxAttempts() const { return m_options.maxAttempts; }
    // Whether a transient failure of `failedAttempt` (1-based) gets another attempt.
    bool shouldRetry(int failedAttempt) const { return failedAttempt < m_options.maxAttempts; }
    // Milliseconds to wait after `failedAttempt` failed. `random01` is for tests; defaults to
    // QRandomGenerator::global().
    qint64 delayMs(int failedAttempt, std::optional<qint64> retryAfterMs = std::nullopt,
        const std::function<double()> &random01 = {}) const;

private:
    Options m_options;
};

} // namespace dealscope
