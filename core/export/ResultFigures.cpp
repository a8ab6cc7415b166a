#include "export/ResultFigures.h"

#include "storage/ResultsLibrary.h"

#include <cmath>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ResultFigures {

const QStringList &metricKeys()
{
    static const QStringList keys = {
        u"askingPrice"_s,
        u"grossRevenue"_s,
        u"cashFlow"_s,
        u"ebitda"_s,
        u"sdeMultiple"_s,
        u"revenueMultiple"_s,
        u"cashFlowMargin"_s,
        u"loanAmount"_s,
        u"annualDebtService"_s,
        u"dscr"_s,
        u"maxPriceAtTargetDscr"_s,
        u"paybackYears"_s,
        u"businessAgeYears"_s,
    };
    return keys;
}

std::optional<double> number(const nlohmann::json &object, const char *key)
{
    if (!object.is_object())
        return std::nullopt;
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number())
        return std::nullopt;
    const double v = it->get<double>();
    return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

std::optional<double> metric(const nlohmann::json &result, const QString &key)
{
    if (!result.is_object())
        return std::nullopt;
    const auto metrics = result.find("metrics");
    if (metrics == result.end())
        return std::nullopt;
    return number(*metrics, key.toStdString().c_str());
}

std::optional<double> score(const nlohmann::json &result)
{
    return number(result, "score");
}

std::optional<double> askingPremium(const nlohmann::json &result)
{
    if (const auto premium = number(result, "askingPremium"))
        return premium;
    const auto multiple = metric(result, u"sdeMultiple"_s);
    const auto benchmark = result.is_object() && result.contains("benchmark")
        ? number(result["benchmark"], "sdeMultiple")
        : std::nullopt;
    if (!multiple || !benchmark || *benchmark <= 0)
        return std::nullopt;
    return *multiple / *benchmark - 1.0;
}

Range valuationRange(const nlohmann::json &result)
{
    Range r;
    if (!result.is_object() || !result.contains("blendedRange"))
        return r;
    const nlohmann::json &range = result["blendedRange"];
    r.low = number(range, "low");
    r.mid = number(range, "mid");
    r.high = number(range, "high");
    return r;
}

QString text(const nlohmann::json &object, const char *key)
{
    if (!object.is_object())
        return {};
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? QString::fromStdString(it->get<std::string>()) : QString();
}

const nlohmann::json &resultOf(const StoredResult &stored)
{
    static const nlohmann::json empty = nlohmann::json::object();
    if (!stored.job.is_object())
        return empty;
    const auto it = stored.job.find("result");
    return it != stored.job.end() && it->is_object() ? *it : empty;
}

QString titleOf(const StoredResult &stored)
{
    if (const QString t = text(stored.listing, "title"); !t.isEmpty())
        return t;
    return stored.listingTitle.isEmpty() ? stored.listingId : stored.listingTitle;
}

} // namespace dealscope::ResultFigures
