#include "analysis/OverviewSteps.h"

#include "analysis/AnalysisContext.h"
#include "analysis/ResultJson.h"
#include "common/JsonQt.h"

namespace dealscope {

using json = nlohmann::json;

PipelineStep OverviewSteps::overview()
{
    return { { QStringLiteral("overview"), QStringLiteral("Weighing strengths and concerns…"), 2.0 },
        [](AnalysisContext &ctx) {
            json &s = ctx.state();
            const AnalysisParams &p = ctx.params();
            const json &m = ResultJson::slot(s, "metrics");
            const json &b = ResultJson::slot(s, "benchmark");
            const auto price = ResultJson::num(m, "askingPrice");
            const auto dscr = ResultJson::num(m, "dscr");

            // Member by member: nlohmann's initializer lists copy a two-element array per member.
            json financing = json::object();
            financing.emplace("downPayment",
                ResultJson::money(price ? std::optional<double>(*price * p.downPaymentPct) : std::nullopt));
            financing.emplace("loanAmount", ResultJson::money(ResultJson::num(m, "loanAmount")));
            financing.emplace("interestRate", p.interestRate);
            financing.emplace("termYears", p.termYears);
            financing.emplace("ownerSalary", p.ownerSalary);
            financing.emplace("annualDebtService", ResultJson::money(ResultJson::num(m, "annualDebtService")));
            financing.emplace("dscr", ResultJson::ratio(dscr));
            financing.emplace("targetDscr", p.targetDscr);
            financing.emplace("meetsTarget", dscr ? json(*dscr >= p.targetDscr) : json(nullptr));
            financing.emplace("maxPriceAtTargetDscr", ResultJson::money(ResultJson::num(m, "maxPriceAtTargetDscr")));

            json strengths = json::array();
            if (dscr && *dscr >= p.targetDscr)
                strengths.push_back(ResultJson::text(QStringLiteral("Cash flow covers the debt service ")
                    + ResultJson::formatRatio(*dscr) + QStringLiteral(" times (target ")
                    + ResultJson::formatRatio(p.targetDscr) + QStringLiteral(").")));
            const auto sde = ResultJson::num(m, "sdeMultiple");
            const auto benchSde = ResultJson::num(b, "sdeMultiple");
            if (sde && benchSde && *sde <= *benchSde)
                strengths.push_back(ResultJson::text(QStringLiteral("Priced at or below the benchmark SDE multiple (")
                    + ResultJson::formatMultiple(*sde) + QStringLiteral(" vs ") + ResultJson::formatMultiple(*benchSde)
                    + QStringLiteral(").")));
            if (const auto mg = ResultJson::num(m, "cashFlowMargin"); mg && *mg >= 0.20 && *mg <= 1.0)
                strengths.push_back(ResultJson::text(QStringLiteral("Healthy cash-flow margin of ")
                    + ResultJson::formatPercent(*mg) + QLatin1Char('.')));
            if (const auto age = ResultJson::num(m, "businessAgeYears"); age && *age >= 10)
                strengths.push_back(ResultJson::text(
                    QStringLiteral("Established ") + QString::number(qint64(*age)) + QStringLiteral(" years ago.")));
            if (const auto pb = ResultJson::num(m, "paybackYears"); pb && *pb <= 3.0)
                strengths.push_back(ResultJson::text(QStringLiteral("Pays back its price in ")
                    + ResultJson::formatRatio(*pb) + QStringLiteral(" years of cash flow.")));

            json concerns = json::array();
            for (const json &f : ResultJson::slot(s, "findings")) {
                if (ResultJson::stringIs(f, "severity", "warning") || ResultJson::stringIs(f, "severity", "critical"))
                    concerns.push_back(f["message"]);
            }
            ResultJson::slot(s, "typeResult")["financing"] = std::move(financing);
            ResultJson::slot(s, "typeResult")["strengths"] = std::move(strengths);
            ResultJson::slot(s, "typeResult")["concerns"] = std::move(concerns);
        } };
}

} // namespace dealscope
