#include "llm/RetryHints.h"

#include <QLocale>

#include <algorithm>
#include <cmath>

namespace dealscope::llm {

namespace {
constexpr qint64 kMaxDelayMs = 15 * 60 * 1000;

std::optional<qint64> clampMs(double ms)
{
    if (!std::isfinite(ms) || ms < 0)
        return std::nullopt;
    return static_cast<qint64>(std::min<double>(std::ceil(ms), kMaxDelayMs));
}

std::optional<double> parseNonNegativeNumber(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 32)
        return std::nullopt;
    for (char c : text) {
        if (!((c >= '0' && c <= '9') || c == '.'))
            return std::nullopt;
    }
    bool ok = false;
    const double v = QByteArray(text.data(), text.size()).toDouble(&ok);
    if (!ok || !std::isfinite(v))
        return std::nullopt;
    return v;
}
} // namespace

std::optional<qint64> parseResetDuration(const QByteArray &raw)
{
    const QByteArray text = raw.trimmed();
    if (text.isEmpty() || text.size() > 64)
        return std::nullopt;
    double totalMs = 0;
    qsizetype i = 0;
    int units = 0;
    while (i < text.size()) {
        const qsizetype start = i;
        while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.'))
            ++i;
        const auto number = parseNonNegativeNumber(QByteArrayView(text).sliced(start, i - start));
        if (!number)
            return std::nullopt;
        const qsizetype unitStart = i;
        while (i < text.size() && ((text[i] >= 'a' && text[i] <= 'z') || text[i] == '\xc2' || text[i] == '\xb5'))
            ++i;
        const QByteArray unit = text.mid(unitStart, i - unitStart);
        double factor = 0;
        if (unit == "h")
            factor = 3600.0 * 1000;
        else if (unit == "m")
            factor = 60.0 * 1000;
        else if (unit == "s")
            factor = 1000;
        else if (unit == "ms")
            factor = 1;
        else if (unit == "us" || unit == "\xc2\xb5s")
            factor = 0.001;
        else if (unit == "ns")
            factor = 0.000001;
        else
            return std::nullopt;
        totalMs += *number * factor;
        ++units;
    }
    if (units == 0)
        return std::nullopt;
    return clampMs(totalMs);
}

std::optional<qint64> parseRetryAfter(const QByteArray &raw, const QDateTime &now)
{
    const QByteArray text = raw.trimmed();
    if (const auto seconds = parseNonNegativeNumber(text))
        return clampMs(*seconds * 1000);
    if (text.size() > 64)
        return std::nullopt;
    // IMF-fixdate, e.g. "Wed, 21 Oct 2015 07:28:00 GMT"
    const QDateTime when
        = QLocale::c().toDateTime(QString::fromLatin1(text), QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"));
    if (!when.isValid())
        return std::nullopt;
    QDateTime utc = when;
    utc.setTimeSpec(Qt::UTC); // the string is GMT, parsed as local time
    return clampMs(std::max<qint64>(0, now.msecsTo(utc)));
}

std::optional<qint64> retryDelayFromHeaders(const QList<QPair<QByteArray, QByteArray>> &headers, const QDateTime &now)
{
    auto header = [&](const char *name) -> std::optional<QByteArray> {
        for (const auto &[key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return std::nullopt;
    };
    if (const auto ms = header("retry-after-ms")) {
        if (const auto v = parseNonNegativeNumber(ms->trimmed()))
            return clampMs(*v);
    }
    if (const auto ra = header("retry-after")) {
        if (const auto v = parseRetryAfter(*ra, now))
            return v;
    }
    std::optional<qint64> best;
    for (const char *name : { "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens" }) {
        if (const auto value = header(name)) {
            if (const auto v = parseResetDuration(*value))
                best = std::max(best.value_or(0), *v);
        }
    }
    return best;
}

} // namespace dealscope::llm
