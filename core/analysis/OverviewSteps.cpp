#include "analysis/OverviewSteps.h"

#include "analysis/AnalysisContext.h"
#include "analysis/ResultJson.h"
#include "common/JsonQt.h"

namespace dealscope {

using json = nlohmann::json;

PipelineStep OverviewSteps::overview()
{
    return {{QStringLiteral("overview"), QStringLiteral("Weighing strengths and concerns…"), 2.0}, [](AnalysisContext &ctx) {
                json &s = ctx.state();
                const AnalysisParams &p = ctx.params();
                const json &m = s["metrics"];
                const json &b = s["benchmark"];
                const auto price = ResultJson::num(m, "askingPrice");
                const auto dscr = ResultJson::num(m, "dscr");

                json financing{
                    {"downPayment", ResultJson::money(price ? std::optional<double>(*price * p.downPaymentPct) : std::nullopt)},
                    {"loanAmount", ResultJson::money(ResultJson::num(m, "loanAmount"))},
                    {"interestRate", p.interestRate},
                    {"termYears", p.termYears},
                    {"ownerSalary", p.ownerSalary},
                    {"annualDebtService", ResultJson::money(ResultJson::num(m, "annualDebtService"))},
                    {"dscr", ResultJson::ratio(dscr)},
                    {"targetDscr", p.targetDscr},
                    {"meetsTarget", dscr ? json(*dscr >= p.targetDscr) : json(nullptr)},
                    {"maxPriceAtTargetDscr", ResultJson::money(ResultJson::num(m, "maxPriceAtTargetDscr"))},
                };

                json strengths = json::array();
                if (dscr && *dscr >= p.targetDscr)
                    strengths.push_back(QStringLiteral("Cash flow covers the debt service %1 times (target %2).")
                                            .arg(ResultJson::formatRatio(*dscr), ResultJson::formatRatio(p.targetDscr)));
                const auto sde = ResultJson::num(m, "sdeMultiple");
                const auto benchSde = ResultJson::num(b, "sdeMultiple");
                if (sde && benchSde && *sde <= *benchSde)
                    strengths.push_back(QStringLiteral("Priced at or below the benchmark SDE multiple (%1 vs %2).")
                                            .arg(ResultJson::formatMultiple(*sde), ResultJson::formatMultiple(*benchSde)));
                if (const auto mg = ResultJson::num(m, "cashFlowMargin"); mg && *mg >= 0.20 && *mg <= 1.0)
                    strengths.push_back(QStringLiteral("Healthy cash-flow margin of %1.").arg(ResultJson::formatPercent(*mg)));
                if (const auto age = ResultJson::num(m, "businessAgeYears"); age && *age >= 10)
                    strengths.push_back(QStringLiteral("Established %1 years ago.").arg(qint64(*age)));
                if (const auto pb = ResultJson::num(m, "paybackYears"); pb && *pb <= 3.0)
                    strengths.push_back(QStringLiteral("Pays back its price in %1 years of cash flow.").arg(ResultJson::formatRatio(*pb)));

                json concerns = json::array();
                for (const json &f : s["findings"]) {
                    const std::string sev = f.value("severity", std::string());
                    if (sev == "warning" || sev == "critical")
                        concerns.push_back(f["message"]);
                }
                s["typeResult"]["financing"] = std::move(financing);
                s["typeResult"]["strengths"] = std::move(strengths);
                s["typeResult"]["concerns"] = std::move(concerns);
            }};
}

} // namespace dealscope
