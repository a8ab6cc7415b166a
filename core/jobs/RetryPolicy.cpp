#include "jobs/RetryPolicy.h"

#include <QRandomGenerator>

#include <algorithm>
#include <cmath>

namespace dealscope {

RetryPolicy::RetryPolicy(Options options)
    : m_options(options)
{
    m_options.maxAttempts = std::max(1, m_options.maxAttempts);
    m_options.baseDelayMs = std::max<qint64>(0, m_options.baseDelayMs);
    m_options.maxDelayMs = std::max(m_options.baseDelayMs, m_options.maxDelayMs);
    m_options.jitter = std::clamp(m_options.jitter, 0.0, 1.0);
}

qint64 RetryPolicy::delayMs(
    int failedAttempt, std::optional<qint64> retryAfterMs, const std::function<double()> &random01) const
{
    const int exponent = std::clamp(failedAttempt - 1, 0, 40);
    const double backoff
        = std::min(double(m_options.maxDelayMs), double(m_options.baseDelayMs) * std::pow(2.0, exponent));
    const double r = std::clamp(random01 ? random01() : QRandomGenerator::global()->generateDouble(), 0.0, 1.0);
    const double factor = 1.0 + m_options.jitter * (2.0 * r - 1.0);
    qint64 delay = std::llround(backoff * factor);
    if (retryAfterMs && *retryAfterMs > delay)
        delay = *retryAfterMs;
    return std::max<qint64>(0, delay);
}

} // namespace dealscope
