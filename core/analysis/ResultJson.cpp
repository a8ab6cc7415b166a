#include "analysis/ResultJson.h"

#include "analysis/FinancialMath.h"
#include "common/JsonQt.h"

#include <cmath>

namespace dealscope {

using json = nlohmann::json;

json ResultJson::number(std::optional<double> v)
{
    if (!v || !std::isfinite(*v))
        return nullptr;
    return *v;
}

json ResultJson::money(std::optional<double> v)
{
    if (!v || !std::isfinite(*v))
        return nullptr;
    return FinancialMath::roundMoney(*v);
}

json ResultJson::ratio(std::optional<double> v, int decimals)
{
    if (!v || !std::isfinite(*v))
        return nullptr;
    const double r = FinancialMath::roundRatio(*v, decimals);
    return r == 0.0 ? 0.0 : r; // no "-0.0" in the output
}

json ResultJson::integer(std::optional<qint64> v)
{
    if (!v)
        return nullptr;
    return *v;
}

const json &ResultJson::member(const json &object, std::string_view key)
{
    static const json null;
    if (!object.is_object())
        return null;
    const auto it = object.find(key);
    return it == object.end() ? null : *it;
}

json &ResultJson::slot(json &object, std::string_view key)
{
    if (object.is_object())
        if (const auto it = object.find(key); it != object.end())
            return *it;
    return object[std::string(key)]; // inserts null (or throws for a non-object) as operator[] does
}

std::optional<double> ResultJson::num(const json &object, std::string_view key)
{
    if (!object.is_object())
        return std::nullopt;
    const auto it = object.find(key);
    return it == object.end() ? std::nullopt : num(*it);
}

std::optional<double> ResultJson::num(const json &value)
{
    if (!value.is_number())
        return std::nullopt;
    const double d = value.get<double>();
    if (!std::isfinite(d))
        return std::nullopt;
    return d;
}

std::optional<qint64> ResultJson::whole(const json &object, std::string_view key)
{
    if (!object.is_object())
        return std::nullopt;
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer())
        return std::nullopt;
    return it->get<qint64>();
}

json ResultJson::finding(const char *severity, const char *code, const QString &message)
{
    // Member by member: nlohmann's initializer-list constructor builds and copies a two-element
    // array per member, which was a visible share of a job's CPU.
    json f = json::object();
    f.emplace("severity", severity);
    f.emplace("code", code);
    f.emplace("message", text(message));
    return f;
}

json ResultJson::text(const QString &s)
{
    return utf8String(s);
}

bool ResultJson::stringIs(const json &object, std::string_view key, std::string_view value)
{
    const json &v = member(object, key);
    return v.is_string() && v.get_ref<const std::string &>() == value;
}

QString ResultJson::formatMoney(double v)
{
    // en_US digit grouping ("1,200,624") by hand: QLocale::toString was a visible share of a
    // job's CPU. tst_resultjson compares this with QLocale(English, UnitedStates).
    const qint64 r = FinancialMath::roundMoney(v);
    quint64 n = r < 0 ? 0 - quint64(r) : quint64(r);
    char buf[32];
    qsizetype pos = sizeof buf;
    int digits = 0;
    do {
        if (digits > 0 && digits % 3 == 0)
            buf[--pos] = ',';
        buf[--pos] = char('0' + n % 10);
        n /= 10;
        ++digits;
    } while (n > 0);
    buf[--pos] = '$';
    if (r < 0)
        buf[--pos] = '-';
    return QString::fromLatin1(buf + pos, qsizetype(sizeof buf) - pos);
}

QString ResultJson::fixed(double v, int decimals)
{
    // QString::number(v, 'f', decimals) goes through QLocale and double-conversion, which was a
    // visible share of a job's CPU (every message formats a few figures). Same digits: the exact
    // binary value rounded half away from zero (double-conversion's FIXED mode), in integers.
    // Anything outside the exact range is left to Qt; tst_resultjson compares the two.
    static constexpr quint64 kPow10[] = { 1, 10, 100, 1000 };
    if (decimals < 0 || decimals > 3 || !std::isfinite(v) || std::fabs(v) >= 1e15)
        return QString::number(v, 'f', decimals);
    int exponent = 0;
    const double mantissa = std::frexp(std::fabs(v), &exponent); // |v| = mantissa × 2^exponent
    const quint64 m = quint64(std::ldexp(mantissa, 53)); // exact: 53 significant bits
    exponent -= 53; // |v| = m × 2^exponent
    const quint64 scale = kPow10[decimals];
    quint64 scaled = 0; // |v| × 10^decimals, rounded half up
    if (exponent >= 0) {
        scaled = (m << exponent) * scale; // |v| < 10^15 < 2^50, so no overflow
    } else if (exponent > -64) {
        const int k = -exponent;
        const quint64 product = m * scale; // < 2^53 × 2^10
        scaled = product >> k;
        if ((product & ((quint64(1) << k) - 1)) >= (quint64(1) << (k - 1)))
            ++scaled;
    } // else |v| × 10^decimals < 2^63 / 2^64: rounds to 0
    char buf[40];
    qsizetype pos = sizeof buf;
    quint64 fraction = scaled % scale;
    for (int i = 0; i < decimals; ++i, fraction /= 10)
        buf[--pos] = char('0' + fraction % 10);
    if (decimals > 0)
        buf[--pos] = '.';
    quint64 whole = scaled / scale;
    do {
        buf[--pos] = char('0' + whole % 10);
        whole /= 10;
    } while (whole > 0);
    if (v < 0) // Qt: "-0.00" for -0.001, but "0.00" for -0.0
        buf[--pos] = '-';
    return QString::fromLatin1(buf + pos, qsizetype(sizeof buf) - pos);
}

QString ResultJson::formatMultiple(double v)
{
    return fixed(v, 2) + QStringLiteral("×");
}

QString ResultJson::formatPercent(double fraction, int decimals)
{
    return fixed(fraction * 100.0, decimals) + QStringLiteral(" %");
}

QString ResultJson::formatRatio(double v)
{
    return fixed(v, 2);
}

QString ResultJson::formatOrdinal(double v)
{
    const qint64 n = FinancialMath::roundMoney(v);
    const qint64 lastTwo = (n < 0 ? -n : n) % 100;
    const qint64 last = lastTwo % 10;
    const char *suffix = (lastTwo >= 11 && lastTwo <= 13) ? "th"
        : last == 1                                       ? "st"
        : last == 2                                       ? "nd"
        : last == 3                                       ? "rd"
                                                          : "th";
    return QString::number(n) + QLatin1String(suffix);
}

} // namespace dealscope
