#include "analysis/ValuationSteps.h"

#include "analysis/AnalysisContext.h"
#include "analysis/FinancialMath.h"
#include "analysis/ResultJson.h"
#include "common/JsonQt.h"

#include <algorithm>
#include <cmath>

namespace dealscope {

using json = nlohmann::json;

PipelineStep ValuationSteps::methods()
{
    return { { QStringLiteral("valuation_methods"), QStringLiteral("Applying SDE and revenue valuation methods…"),
                 2.0 },
        [](AnalysisContext &ctx) {
            json &s = ctx.state();
            const json &m = ResultJson::slot(s, "metrics");
            const json &b = ResultJson::slot(s, "benchmark");
            json &t = ResultJson::slot(s, "typeResult");
            const auto cf = ResultJson::num(m, "cashFlow");
            const auto rev = ResultJson::num(m, "grossRevenue");
            const auto price = ResultJson::num(m, "askingPrice");
            const auto benchSde = ResultJson::num(b, "sdeMultiple");
            const auto benchRev = ResultJson::num(b, "revenueMultiple");

            std::optional<double> sdeValue;
            if (cf && *cf > 0 && benchSde && *benchSde > 0)
                sdeValue = *benchSde * *cf;
            std::optional<double> revValue;
            if (rev && *rev > 0 && benchRev && *benchRev > 0)
                revValue = *benchRev * *rev;
            t["sdeMethodValue"] = ResultJson::money(sdeValue);
            t["revenueMethodValue"] = ResultJson::money(revValue);

            std::optional<double> mid;
            if (sdeValue && revValue)
                mid = kSdeWeight * *sdeValue + (1.0 - kSdeWeight) * *revValue;
            else if (sdeValue)
                mid = sdeValue;
            else if (revValue)
                mid = revValue;

            if (!mid) {
                t["blendedRange"] = nullptr;
                t["askingPremium"] = nullptr;
                ResultJson::slot(s, "findings")
                    .push_back(ResultJson::finding("warning", "valuation_not_possible",
                        QStringLiteral("Neither a positive cash flow nor a revenue with a benchmark multiple is known: "
                                       "no benchmark value can be computed.")));
                return;
            }
            const double lo = std::min(sdeValue.value_or(*mid), revValue.value_or(*mid)) * 0.9;
            const double hi = std::max(sdeValue.value_or(*mid), revValue.value_or(*mid)) * 1.1;
            // Member by member: nlohmann's initializer lists copy a two-element array per member.
            json range = json::object();
            range.emplace("low", ResultJson::money(lo));
            range.emplace("mid", ResultJson::money(*mid));
            range.emplace("high", ResultJson::money(hi));
            t["blendedRange"] = std::move(range);
            // mid > 0: both method values are products of positive numbers.
            std::optional<double> premium;
            if (price)
                premium = (*price - *mid) / *mid;
            t["askingPremium"] = ResultJson::ratio(premium);
            if (premium && price) {
                if (*price > hi)
                    ResultJson::slot(s, "findings")
                        .push_back(ResultJson::finding("warning", "asking_above_value_range",
                            QStringLiteral("The asking price ") + ResultJson::formatMoney(*price)
                                + QStringLiteral(" is above the benchmark value range (") + ResultJson::formatMoney(lo)
                                + QStringLiteral(" – ") + ResultJson::formatMoney(hi) + QStringLiteral("), ")
                                + ResultJson::formatPercent(*premium) + QStringLiteral(" over mid.")));
                else if (*price < lo)
                    ResultJson::slot(s, "findings")
                        .push_back(ResultJson::finding("info", "asking_below_value_range",
                            QStringLiteral("The asking price ") + ResultJson::formatMoney(*price)
                                + QStringLiteral(" is below the benchmark value range (") + ResultJson::formatMoney(lo)
                                + QStringLiteral(" – ") + ResultJson::formatMoney(hi) + QStringLiteral(").")));
                else
                    ResultJson::slot(s, "findings")
                        .push_back(ResultJson::finding("info", "asking_within_value_range",
                            QStringLiteral("The asking price ") + ResultJson::formatMoney(*price)
                                + QStringLiteral(" is within the benchmark value range (") + ResultJson::formatMoney(lo)
                                + QStringLiteral(" – ") + ResultJson::formatMoney(hi) + QStringLiteral(").")));
            }
        } };
}

PipelineStep ValuationSteps::sensitivity()
{
    return { { QStringLiteral("sensitivity"), QStringLiteral("Computing the financing sensitivity grid…"), 2.0 },
        [](AnalysisContext &ctx) {
            json &s = ctx.state();
            const AnalysisParams &p = ctx.params();
            const json &in = ResultJson::slot(s, "inputs");
            const auto price = ResultJson::whole(in, "askingPrice");
            const auto cf = ResultJson::whole(in, "cashFlow");

            QList<double> rates;
            for (int step = -2; step <= 2; ++step) {
                // Rounded to basis points so 0.105 − 0.02 prints as 0.085, not 0.08499999…
                const double r = FinancialMath::roundRatio(p.interestRate + 0.01 * step, 4);
                if (r >= 0 && r <= 1 && !rates.contains(r))
                    rates << r;
            }
            QList<double> downs { 0.10, 0.20, 0.30 };
            if (!downs.contains(p.downPaymentPct))
                downs << p.downPaymentPct;
            std::sort(downs.begin(), downs.end());

            json grid = json::array();
            for (const double r : rates) {
                json row = json::array();
                for (const double d : downs) {
                    const auto ads
                        = FinancialMath::annualDebtService(FinancialMath::loanAmount(price, d), r, p.termYears);
                    row.push_back(ResultJson::ratio(FinancialMath::dscr(cf, p.ownerSalary, ads)));
                }
                grid.push_back(std::move(row));
            }
            json rateJson = json::array();
            for (const double r : rates)
                rateJson.push_back(ResultJson::ratio(r));
            json downJson = json::array();
            for (const double d : downs)
                downJson.push_back(ResultJson::ratio(d));
            json sensitivity = json::object();
            sensitivity.emplace("interestRates", std::move(rateJson));
            sensitivity.emplace("downPaymentPcts", std::move(downJson));
            sensitivity.emplace("termYears", p.termYears);
            sensitivity.emplace("ownerSalary", p.ownerSalary);
            sensitivity.emplace("dscr", std::move(grid)); // dscr[rateIndex][downPaymentIndex], null where unknown
            ResultJson::slot(s, "typeResult")["sensitivity"] = std::move(sensitivity);
        } };
}

} // namespace dealscope
