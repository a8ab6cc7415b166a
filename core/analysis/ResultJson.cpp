#include "analysis/ResultJson.h"

#include "analysis/FinancialMath.h"
#include "common/JsonQt.h"

#include <QLocale>

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
    return r == 0.0 ? 0.0 : r;   // no "-0.0" in the output
}

json ResultJson::integer(std::optional<qint64> v)
{
    if (!v)
        return nullptr;
    return *v;
}

const json &ResultJson::member(const json &object, const char *key)
{
    static const json null;
    if (!object.is_object())
        return null;
    const auto it = object.find(key);
    return it == object.end() ? null : *it;
}

std::optional<double> ResultJson::num(const json &object, const char *key)
{
    if (!object.is_object())
        return std::nullopt;
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number())
        return std::nullopt;
    const double d = it->get<double>();
    if (!std::isfinite(d))
        return std::nullopt;
    return d;
}

std::optional<qint64> ResultJson::whole(const json &object, const char *key)
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
    return json{{"severity", severity}, {"code", code}, {"message", message}};
}

QString ResultJson::formatMoney(double v)
{
    static const QLocale us(QLocale::English, QLocale::UnitedStates);
    const qint64 r = FinancialMath::roundMoney(v);
    if (r < 0)
        return QStringLiteral("-$") + us.toString(qlonglong(-r));
    return QStringLiteral("$") + us.toString(qlonglong(r));
}

QString ResultJson::formatMultiple(double v)
{
    return QString::number(v, 'f', 2) + QStringLiteral("×");
}

QString ResultJson::formatPercent(double fraction, int decimals)
{
    return QString::number(fraction * 100.0, 'f', decimals) + QStringLiteral(" %");
}

QString ResultJson::formatRatio(double v)
{
    return QString::number(v, 'f', 2);
}

QString ResultJson::formatOrdinal(double v)
{
    const qint64 n = FinancialMath::roundMoney(v);
    const qint64 lastTwo = (n < 0 ? -n : n) % 100;
    const qint64 last = lastTwo % 10;
    const char *suffix = (lastTwo >= 11 && lastTwo <= 13) ? "th" : last == 1 ? "st" : last == 2 ? "nd" : last == 3 ? "rd" : "th";
    return QString::number(n) + QLatin1String(suffix);
}

} // namespace dealscope
