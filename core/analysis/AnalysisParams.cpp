#include "analysis/AnalysisParams.h"

#include "common/JsonQt.h"

#include <cmath>
#include <limits>

namespace dealscope {

namespace {

using json = nlohmann::json;

// The start of `v` as JSON, for an error message: at most about `limit` bytes and three levels
// (deeper ones read [...] and {...}). A value from a client is never serialised whole: dump()
// recurses once per nesting level, and costs as much as the value is long.
void preview(const json &v, std::string &out, std::size_t limit, int depth)
{
    if (out.size() > limit)
        return;
    const auto dumped = [](const json &scalar) { return scalar.dump(-1, ' ', false, json::error_handler_t::replace); };
    switch (v.type()) {
    case json::value_t::array: {
        if (depth >= 3) {
            out += "[...]";
            return;
        }
        out += '[';
        bool first = true;
        for (const json &element : v) {
            if (out.size() > limit)
                return;
            if (!first)
                out += ',';
            first = false;
            preview(element, out, limit, depth + 1);
        }
        out += ']';
        return;
    }
    case json::value_t::object: {
        if (depth >= 3) {
            out += "{...}";
            return;
        }
        out += '{';
        bool first = true;
        for (auto it = v.begin(); it != v.end(); ++it) {
            if (out.size() > limit)
                return;
            if (!first)
                out += ',';
            first = false;
            out += dumped(json(it.key().substr(0, limit)));
            out += ':';
            preview(it.value(), out, limit, depth + 1);
        }
        out += '}';
        return;
    }
    case json::value_t::string:
        out += dumped(json(v.get_ref<const std::string &>().substr(0, limit)));
        return;
    default: // a number, a boolean or null: short by nature
        out += dumped(v);
        return;
    }
}

QString describe(const json &v)
{
    constexpr std::size_t kShown = 60;
    std::string text;
    preview(v, text, kShown, 0);
    // A multi-byte character cut by the limit reads U+FFFD.
    QString s = QString::fromUtf8(text.data(), qsizetype(text.size()));
    if (s.size() > qsizetype(kShown))
        s = s.left(qsizetype(kShown) - 3) + QStringLiteral("...");
    return s;
}

QString typeName(const json &v)
{
    return QString::fromLatin1(v.type_name());
}

// A JSON number as double; booleans are not numbers here even though nlohmann can convert them.
std::optional<double> asNumber(const json &v)
{
    if (!v.is_number())
        return std::nullopt;
    const double d = v.get<double>();
    if (!std::isfinite(d))
        return std::nullopt;
    return d;
}

// Integral JSON numbers, also written as 10.0 (some clients only have doubles).
std::optional<qint64> asInteger(const json &v, qint64 lo, qint64 hi)
{
    if (v.is_number_integer()) {
        const auto i = v.get<qint64>();
        if (i < lo || i > hi)
            return std::nullopt;
        return i;
    }
    if (v.is_number_unsigned()) {
        const auto u = v.get<quint64>();
        if (u > quint64(hi))
            return std::nullopt;
        const auto i = qint64(u);
        if (i < lo)
            return std::nullopt;
        return i;
    }
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (!std::isfinite(d) || d != std::floor(d) || d < double(lo) || d > double(hi))
            return std::nullopt;
        return qint64(d);
    }
    return std::nullopt;
}

constexpr qint64 kMaxSalary = 1'000'000'000'000LL; // far above any real salary, keeps arithmetic exact

} // namespace

nlohmann::json AnalysisParams::toJson() const
{
    // Member by member: nlohmann's initializer lists copy a two-element array per member (this
    // runs for every job).
    json j = json::object();
    j.emplace("downPaymentPct", downPaymentPct);
    j.emplace("interestRate", interestRate);
    j.emplace("termYears", termYears);
    j.emplace("ownerSalary", ownerSalary);
    j.emplace("targetDscr", targetDscr);
    if (!provider.isEmpty())
        j["provider"] = provider;
    return j;
}

std::variant<AnalysisParams, ParamsError> parseAnalysisParams(const nlohmann::json &params)
{
    AnalysisParams p;
    if (params.is_null())
        return p;
    if (!params.is_object())
        return ParamsError { QStringLiteral("params"),
            QStringLiteral("params must be an object, got %1").arg(typeName(params)) };

    for (auto it = params.begin(); it != params.end(); ++it) {
        const QString key = QString::fromStdString(it.key());
        const json &v = it.value();
        auto numberError = [&](const QString &expect) {
            return ParamsError { key, QStringLiteral("%1 must be %2, got %3").arg(key, expect, describe(v)) };
        };

        if (key == QLatin1String("downPaymentPct")) {
            const auto d = asNumber(v);
            if (!d || *d < 0 || *d >= 1)
                return numberError(QStringLiteral("a number from 0 up to (not including) 1"));
            p.downPaymentPct = *d;
        } else if (key == QLatin1String("interestRate")) {
            const auto d = asNumber(v);
            if (!d || *d < 0 || *d > 1)
                return numberError(QStringLiteral("an annual rate between 0 and 1 (0.105 = 10.5 %)"));
            p.interestRate = *d;
        } else if (key == QLatin1String("termYears")) {
            const auto i = asInteger(v, 1, 40);
            if (!i)
                return numberError(QStringLiteral("a whole number of years between 1 and 40"));
            p.termYears = int(*i);
        } else if (key == QLatin1String("ownerSalary")) {
            const auto i = asInteger(v, 0, kMaxSalary);
            if (!i)
                return numberError(QStringLiteral("a whole, non-negative amount (at most 10^12)"));
            p.ownerSalary = *i;
        } else if (key == QLatin1String("targetDscr")) {
            const auto d = asNumber(v);
            if (!d || *d <= 0 || *d > 10)
                return numberError(QStringLiteral("a number greater than 0 and at most 10"));
            p.targetDscr = *d;
        } else if (key == QLatin1String("provider")) {
            if (!v.is_string())
                return ParamsError { key, QStringLiteral("provider must be a string, got %1").arg(typeName(v)) };
            p.provider = qstr(v).trimmed();
            if (p.provider.size() > 64)
                return ParamsError { key, QStringLiteral("provider name is too long") };
        } else {
            QString shown = key;
            if (shown.size() > 40)
                shown = shown.left(37) + QStringLiteral("...");
            return ParamsError { shown,
                QStringLiteral("unknown parameter %1 (allowed: downPaymentPct, interestRate, "
                               "termYears, ownerSalary, targetDscr, provider)")
                    .arg(shown) };
        }
    }
    return p;
}

} // namespace dealscope
