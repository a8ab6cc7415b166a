#include "analysis/CommonSteps.h"

#include "analysis/AnalysisContext.h"
#include "analysis/FinancialMath.h"
#include "analysis/ResultJson.h"
#include "benchmarks/BenchmarkTable.h"
#include "common/JsonQt.h"
#include "domain/ListingCatalog.h"

namespace dealscope {

using json = nlohmann::json;

namespace {

json optMoney(std::optional<qint64> v)
{
    return v ? json(*v) : json(nullptr);
}

std::optional<qint64> inputMoney(const json &state, const char *key)
{
    return ResultJson::whole(ResultJson::member(state, "inputs"), key);
}

void addMissing(json &state, const char *input)
{
    json &missing = state["missingInputs"];
    for (const auto &m : missing)
        if (m == input)
            return;
    missing.push_back(input);
}

void addFinding(json &state, json finding)
{
    state["findings"].push_back(std::move(finding));
}

// The narrative of a result, built only from computed figures.
QString summaryText(const json &s, AnalysisType type)
{
    const json &m = s["metrics"];
    const json &b = s["benchmark"];
    const json &in = s["inputs"];
    const json &p = s["params"];
    QStringList parts;

    const QString title = QString::fromStdString(in.value("title", std::string()));
    const auto price = ResultJson::num(m, "askingPrice");
    const auto cf = ResultJson::num(m, "cashFlow");
    // Titles of scraped listings can be whole paragraphs; the summary quotes a readable head.
    QString head = title.isEmpty() ? QStringLiteral("This business")
                   : title.size() > 120 ? title.left(117).trimmed() + QStringLiteral("…")
                                        : title;
    if (price && cf)
        head += QStringLiteral(" asks %1 for %2 of cash flow").arg(ResultJson::formatMoney(*price), ResultJson::formatMoney(*cf));
    else if (price)
        head += QStringLiteral(" asks %1; its cash flow is not disclosed").arg(ResultJson::formatMoney(*price));
    else
        head += QStringLiteral(" does not disclose its asking price");
    if (const auto sde = ResultJson::num(m, "sdeMultiple")) {
        head += QStringLiteral(" (SDE multiple %1").arg(ResultJson::formatMultiple(*sde));
        if (const auto bs = ResultJson::num(b, "sdeMultiple"))
            head += QStringLiteral(" vs %1 for %2").arg(ResultJson::formatMultiple(*bs),
                                                      qstr(b.value("level", json("all"))) == QLatin1String("industry")
                                                          ? qstr(b.value("industry", json("")))
                                                          : qstr(b.value("sector", json(""))));
        head += QLatin1Char(')');
    }
    parts << head + QLatin1Char('.');

    if (const auto ads = ResultJson::num(m, "annualDebtService")) {
        QString fin = QStringLiteral("With %1 down at %2 over %3 years the debt service is %4 a year")
                          .arg(ResultJson::formatPercent(p.value("downPaymentPct", 0.1), 0),
                               ResultJson::formatPercent(p.value("interestRate", 0.105), 1))
                          .arg(p.value("termYears", 10))
                          .arg(ResultJson::formatMoney(*ads));
        if (const auto dscr = ResultJson::num(m, "dscr"))
            fin += QStringLiteral(", DSCR %1 against a target of %2")
                       .arg(ResultJson::formatRatio(*dscr), ResultJson::formatRatio(p.value("targetDscr", 1.25)));
        parts << fin + QLatin1Char('.');
    }
    if (const auto maxP = ResultJson::num(m, "maxPriceAtTargetDscr"))
        parts << QStringLiteral("The most a buyer could pay at the target DSCR is %1.").arg(ResultJson::formatMoney(*maxP));

    const json &t = ResultJson::member(s, "typeResult");
    switch (type) {
    case AnalysisType::Valuation:
        if (t.contains("blendedRange") && t["blendedRange"].is_object()) {
            const json &r = t["blendedRange"];
            QString v = QStringLiteral("Benchmark value %1 – %2 (mid %3)")
                            .arg(ResultJson::formatMoney(r["low"].get<double>()),
                                 ResultJson::formatMoney(r["high"].get<double>()),
                                 ResultJson::formatMoney(r["mid"].get<double>()));
            if (const auto prem = ResultJson::num(t, "askingPremium"))
                v += *prem >= 0 ? QStringLiteral("; the asking price is %1 above mid").arg(ResultJson::formatPercent(*prem))
                                : QStringLiteral("; the asking price is %1 below mid").arg(ResultJson::formatPercent(-*prem));
            parts << v + QLatin1Char('.');
        } else {
            parts << QStringLiteral("No benchmark value could be computed from the disclosed figures.");
        }
        break;
    case AnalysisType::RiskAssessment: {
        const json &flags = ResultJson::member(t, "redFlags");
        const QString level = qstr(t.value("riskLevel", json("unknown")));
        if (flags.empty()) {
            parts << QStringLiteral("Risk level %1: no red flags.").arg(level);
        } else {
            // The most serious flag first: criticals precede warnings in what a reader should see.
            const json *top = &flags[0];
            for (const json &f : flags)
                if (f["severity"] == "critical") {
                    top = &f;
                    break;
                }
            parts << QStringLiteral("Risk level %1 with %2 red flag%3; the most serious: %4")
                         .arg(level)
                         .arg(flags.size())
                         .arg(flags.size() == 1 ? QString() : QStringLiteral("s"))
                         .arg(qstr((*top)["message"]));
        }
        break;
    }
    case AnalysisType::MarketIntelligence: {
        const json &sec = ResultJson::member(t, "sector");
        const QString name = sec.is_object() ? qstr(sec.value("name", json(""))) : QString();
        if (name.isEmpty()) {
            parts << QStringLiteral("Its sector could not be determined, so it is not ranked against other listings.");
        } else {
            QString mk = QStringLiteral("Sector %1%2").arg(name, sec.is_object() && sec.value("inferred", false) ? QStringLiteral(" (inferred from the listing text)")
                                                                                           : QString());
            const json &pc = ResultJson::member(t, "percentiles");
            QStringList ranks;
            auto rankOf = [&](const char *key, const QString &what) {
                if (!pc.contains(key) || !pc[key].is_object())
                    return;
                if (const auto pr = ResultJson::num(pc[key], "percentile"))
                    ranks << QStringLiteral("its %1 at the %2 percentile (of %3)")
                                 .arg(what, ResultJson::formatOrdinal(*pr))
                                 .arg(pc[key].value("sampleSize", 0));
            };
            rankOf("askingPrice", QStringLiteral("price"));
            rankOf("sdeMultiple", QStringLiteral("SDE multiple"));
            rankOf("cashFlowMargin", QStringLiteral("cash-flow margin"));
            if (!ranks.isEmpty())
                mk += QStringLiteral("; among the loaded listings of that sector ") + ranks.join(QStringLiteral(", "));
            parts << mk + QLatin1Char('.');
        }
        break;
    }
    case AnalysisType::BusinessAnalysis: {
        auto joined = [](const json &list) {
            QStringList items;
            for (const json &i : list)
                items << qstr(i);
            return items.join(QLatin1Char(' '));
        };
        const json &strengths = ResultJson::member(t, "strengths");
        const json &concerns = ResultJson::member(t, "concerns");
        if (!strengths.empty())
            parts << QStringLiteral("Strengths: ") + joined(strengths);
        if (!concerns.empty())
            parts << QStringLiteral("Concerns: ") + joined(concerns);
        if (strengths.empty() && concerns.empty())
            parts << QStringLiteral("The disclosed figures show no particular strength or concern.");
        break;
    }
    }
    parts << QStringLiteral("Score %1/100.").arg(s.value("score", 0));
    return parts.join(QLatin1Char(' '));
}

} // namespace

PipelineStep CommonSteps::loadInputs()
{
    return {{QStringLiteral("load_inputs"), QStringLiteral("Loading listing inputs…"), 1.0}, [](AnalysisContext &ctx) {
                json &s = ctx.state();
                const Listing &l = ctx.listing();
                s["asOfYear"] = ctx.currentYear();
                s["params"] = ctx.params().toJson();
                s["missingInputs"] = json::array();
                s["findings"] = json::array();
                s["typeResult"] = json::object();

                json in;
                in["listingId"] = l.id;
                in["title"] = l.title;
                in["industry"] = l.industry;
                in["industryInferred"] = l.industryInferred;
                in["askingPrice"] = optMoney(l.askingPrice);
                in["cashFlow"] = optMoney(l.cashFlow);
                in["grossRevenue"] = optMoney(l.grossRevenue);
                in["ebitda"] = optMoney(l.ebitda);
                in["yearEstablished"] = l.yearEstablished ? json(*l.yearEstablished) : json(nullptr);

                if (!l.askingPrice) {
                    addMissing(s, "askingPrice");
                    addFinding(s, ResultJson::finding("warning", "missing_asking_price",
                        QStringLiteral("The asking price is not disclosed: multiples, financing, DSCR and payback cannot be computed.")));
                } else if (*l.askingPrice <= 0) {
                    // A price of 0 is a placeholder in listing data, not a real price; using it would
                    // produce a zero loan and meaningless ratios.
                    in["askingPrice"] = nullptr;
                    addMissing(s, "askingPrice");
                    addFinding(s, ResultJson::finding("warning", "invalid_asking_price",
                        QStringLiteral("The asking price (%1) is not positive and was treated as unknown.")
                            .arg(ResultJson::formatMoney(double(*l.askingPrice)))));
                }
                if (!l.cashFlow) {
                    addMissing(s, "cashFlow");
                    addFinding(s, ResultJson::finding("critical", "missing_cash_flow",
                        QStringLiteral("Cash flow (SDE) is not disclosed: the SDE multiple, DSCR, payback and the maximum "
                                       "financeable price cannot be computed.")));
                }
                if (!l.grossRevenue) {
                    addMissing(s, "grossRevenue");
                    addFinding(s, ResultJson::finding("warning", "missing_revenue",
                        QStringLiteral("Gross revenue is not disclosed: the revenue multiple and cash-flow margin cannot be computed.")));
                } else if (*l.grossRevenue <= 0) {
                    in["grossRevenue"] = nullptr;
                    addMissing(s, "grossRevenue");
                    addFinding(s, ResultJson::finding("warning", "invalid_revenue",
                        QStringLiteral("Gross revenue (%1) is not positive and was treated as unknown.")
                            .arg(ResultJson::formatMoney(double(*l.grossRevenue)))));
                }
                const int year = s["asOfYear"].get<int>();
                if (!l.yearEstablished) {
                    addMissing(s, "yearEstablished");
                    addFinding(s, ResultJson::finding("info", "missing_year_established",
                        QStringLiteral("The year established is not disclosed: the business age is unknown.")));
                } else if (!FinancialMath::businessAgeYears(l.yearEstablished, year)) {
                    in["yearEstablished"] = nullptr;
                    addMissing(s, "yearEstablished");
                    addFinding(s, ResultJson::finding("warning", "invalid_year_established",
                        QStringLiteral("The year established (%1) is implausible for %2 and was treated as unknown.")
                            .arg(*l.yearEstablished).arg(year)));
                }
                s["inputs"] = std::move(in);
                s["metrics"] = json{{"askingPrice", s["inputs"]["askingPrice"]},
                                    {"cashFlow", s["inputs"]["cashFlow"]},
                                    {"grossRevenue", s["inputs"]["grossRevenue"]},
                                    {"ebitda", s["inputs"]["ebitda"]}};
            }};
}

PipelineStep CommonSteps::multiples()
{
    return {{QStringLiteral("sde_multiple"), QStringLiteral("Computing SDE multiple…"), 2.0}, [](AnalysisContext &ctx) {
                json &s = ctx.state();
                const auto price = inputMoney(s, "askingPrice");
                const auto cf = inputMoney(s, "cashFlow");
                const auto rev = inputMoney(s, "grossRevenue");
                json &m = s["metrics"];
                m["sdeMultiple"] = ResultJson::number(FinancialMath::sdeMultiple(price, cf));
                m["revenueMultiple"] = ResultJson::number(FinancialMath::revenueMultiple(price, rev));
                m["cashFlowMargin"] = ResultJson::number(FinancialMath::cashFlowMargin(cf, rev));
            }};
}

PipelineStep CommonSteps::debtService()
{
    return {{QStringLiteral("debt_service"), QStringLiteral("Computing debt service and DSCR…"), 2.0}, [](AnalysisContext &ctx) {
                json &s = ctx.state();
                const AnalysisParams &p = ctx.params();
                const auto price = inputMoney(s, "askingPrice");
                const auto cf = inputMoney(s, "cashFlow");
                json &m = s["metrics"];
                const auto loan = FinancialMath::loanAmount(price, p.downPaymentPct);
                const auto ads = FinancialMath::annualDebtService(loan, p.interestRate, p.termYears);
                m["loanAmount"] = ResultJson::number(loan);
                m["annualDebtService"] = ResultJson::number(ads);
                m["dscr"] = ResultJson::number(FinancialMath::dscr(cf, p.ownerSalary, ads));
                m["maxPriceAtTargetDscr"] = ResultJson::number(FinancialMath::maxPriceAtTargetDscr(
                    cf, p.ownerSalary, p.downPaymentPct, p.interestRate, p.termYears, p.targetDscr));
                m["paybackYears"] = ResultJson::number(FinancialMath::paybackYears(price, cf, p.ownerSalary));
                const auto year = s["inputs"]["yearEstablished"];
                const auto age = FinancialMath::businessAgeYears(
                    year.is_number_integer() ? std::optional<int>(year.get<int>()) : std::nullopt, s["asOfYear"].get<int>());
                m["businessAgeYears"] = age ? json(*age) : json(nullptr);
            }};
}

PipelineStep CommonSteps::benchmarks()
{
    return {{QStringLiteral("benchmarks"), QStringLiteral("Looking up sector benchmarks…"), 1.0}, [](AnalysisContext &ctx) {
                const BenchmarkMatch &b = ctx.catalog().benchmarkOf(ctx.listing());
                json &s = ctx.state();
                s["benchmark"] = json{
                    {"level", b.level},
                    {"sector", b.sector},
                    {"industry", b.industry},
                    {"sdeMultiple", ResultJson::number(b.sdeMultiple)},
                    {"revenueMultiple", ResultJson::number(b.revenueMultiple)},
                    {"medianSalePrice", b.medianSalePrice ? json(*b.medianSalePrice) : json(nullptr)},
                    {"source", b.source},
                };
            }};
}

PipelineStep CommonSteps::findings()
{
    return {{QStringLiteral("findings"), QStringLiteral("Reviewing findings…"), 1.0}, [](AnalysisContext &ctx) {
                json &s = ctx.state();
                const AnalysisParams &p = ctx.params();
                const json &m = s["metrics"];
                const json &b = s["benchmark"];
                const auto cf = ResultJson::num(m, "cashFlow");

                if (p.ownerSalary == 0)
                    addFinding(s, ResultJson::finding("info", "no_owner_salary",
                        QStringLiteral("DSCR and payback assume the buyer draws no salary (ownerSalary 0); set ownerSalary "
                                       "to what running the business would cost to see a stricter view.")));

                if (cf && *cf <= 0) {
                    addFinding(s, ResultJson::finding("critical", "nonpositive_cash_flow",
                        QStringLiteral("The business reports a cash flow of %1: it cannot service debt and has no payback.")
                            .arg(ResultJson::formatMoney(*cf))));
                } else if (cf && *cf - double(p.ownerSalary) <= 0) {
                    addFinding(s, ResultJson::finding("critical", "no_cash_flow_after_salary",
                        QStringLiteral("Cash flow of %1 does not exceed the owner salary of %2: DSCR is not positive and "
                                       "payback and the maximum price are unknown.")
                            .arg(ResultJson::formatMoney(*cf), ResultJson::formatMoney(double(p.ownerSalary)))));
                }

                if (const auto dscr = ResultJson::num(m, "dscr")) {
                    if (*dscr < p.targetDscr) {
                        const bool belowOne = *dscr < 1.0;
                        addFinding(s, ResultJson::finding(belowOne ? "critical" : "warning", "dscr_below_target",
                            QStringLiteral("DSCR %1 at the asking price is below the target %2%3.")
                                .arg(ResultJson::formatRatio(*dscr), ResultJson::formatRatio(p.targetDscr),
                                     belowOne ? QStringLiteral(": cash flow does not cover the debt service") : QString())));
                    } else {
                        addFinding(s, ResultJson::finding("info", "dscr_meets_target",
                            QStringLiteral("DSCR %1 at the asking price meets the target %2.")
                                .arg(ResultJson::formatRatio(*dscr), ResultJson::formatRatio(p.targetDscr))));
                    }
                }

                const auto sde = ResultJson::num(m, "sdeMultiple");
                const auto benchSde = ResultJson::num(b, "sdeMultiple");
                if (sde && benchSde && *benchSde > 0) {
                    const double r = *sde / *benchSde;
                    if (r > 1.5)
                        addFinding(s, ResultJson::finding("warning", "sde_multiple_above_sector",
                            QStringLiteral("The SDE multiple %1 is more than 1.5× the benchmark %2.")
                                .arg(ResultJson::formatMultiple(*sde), ResultJson::formatMultiple(*benchSde))));
                    else if (r < 0.75)
                        addFinding(s, ResultJson::finding("info", "sde_multiple_below_sector",
                            QStringLiteral("The SDE multiple %1 is well below the benchmark %2: check why the price is low.")
                                .arg(ResultJson::formatMultiple(*sde), ResultJson::formatMultiple(*benchSde))));
                    else
                        addFinding(s, ResultJson::finding("info", "sde_multiple_in_range",
                            QStringLiteral("The SDE multiple %1 is in line with the benchmark %2.")
                                .arg(ResultJson::formatMultiple(*sde), ResultJson::formatMultiple(*benchSde))));
                }
                const auto revMult = ResultJson::num(m, "revenueMultiple");
                const auto benchRev = ResultJson::num(b, "revenueMultiple");
                if (revMult && benchRev && *benchRev > 0 && *revMult > 1.5 * *benchRev)
                    addFinding(s, ResultJson::finding("warning", "revenue_multiple_above_sector",
                        QStringLiteral("The revenue multiple %1 is more than 1.5× the benchmark %2.")
                            .arg(ResultJson::formatMultiple(*revMult), ResultJson::formatMultiple(*benchRev))));

                if (const auto margin = ResultJson::num(m, "cashFlowMargin")) {
                    if (*margin > 1.0)
                        addFinding(s, ResultJson::finding("warning", "cash_flow_exceeds_revenue",
                            QStringLiteral("Cash flow is larger than gross revenue (margin %1): the figures are inconsistent.")
                                .arg(ResultJson::formatPercent(*margin))));
                    else if (*margin < 0.10)
                        addFinding(s, ResultJson::finding("warning", "low_margin",
                            QStringLiteral("The cash-flow margin of %1 is below 10 %.").arg(ResultJson::formatPercent(*margin))));
                }

                if (const auto age = ResultJson::num(m, "businessAgeYears"); age && *age < 3)
                    addFinding(s, ResultJson::finding("warning", "young_business",
                        QStringLiteral("The business is %1 year(s) old: younger than 3 years, with little track record.")
                            .arg(qint64(*age))));

                if (b.value("level", std::string()) == "all")
                    addFinding(s, ResultJson::finding("info", "no_sector_benchmark",
                        QStringLiteral("No sector or industry matched this listing; it is compared with all-sector figures.")));
            }};
}

PipelineStep CommonSteps::summary()
{
    return {{QStringLiteral("summary"), QStringLiteral("Writing summary…"), 1.0}, [](AnalysisContext &ctx) {
                json &s = ctx.state();
                const json &m = s["metrics"];
                json metrics{
                    {"askingPrice", m["askingPrice"]},
                    {"cashFlow", m["cashFlow"]},
                    {"grossRevenue", m["grossRevenue"]},
                    {"ebitda", m["ebitda"]},
                    {"sdeMultiple", ResultJson::ratio(ResultJson::num(m, "sdeMultiple"))},
                    {"revenueMultiple", ResultJson::ratio(ResultJson::num(m, "revenueMultiple"))},
                    {"cashFlowMargin", ResultJson::ratio(ResultJson::num(m, "cashFlowMargin"))},
                    {"loanAmount", ResultJson::money(ResultJson::num(m, "loanAmount"))},
                    {"annualDebtService", ResultJson::money(ResultJson::num(m, "annualDebtService"))},
                    {"dscr", ResultJson::ratio(ResultJson::num(m, "dscr"))},
                    {"maxPriceAtTargetDscr", ResultJson::money(ResultJson::num(m, "maxPriceAtTargetDscr"))},
                    {"paybackYears", ResultJson::ratio(ResultJson::num(m, "paybackYears"))},
                    {"businessAgeYears", m["businessAgeYears"]},
                };
                json benchmark = s["benchmark"];
                benchmark["sdeMultiple"] = ResultJson::ratio(ResultJson::num(benchmark, "sdeMultiple"));
                benchmark["revenueMultiple"] = ResultJson::ratio(ResultJson::num(benchmark, "revenueMultiple"));
                const QString text = summaryText(s, ctx.type());

                // The last step: later steps (an LLM narrative) read only state["result"], so the
                // parts the result shares with the state are moved into it, not deep-copied (a
                // copy of the findings and the type result was a sizeable share of a job's CPU).
                json result = json::object();
                result["engine"] = "builtin";
                result["analysisType"] = analysisTypeName(ctx.type());
                result["listingId"] = s["inputs"]["listingId"];
                result["asOfYear"] = s["asOfYear"];
                result["params"] = std::move(s["params"]);
                result["metrics"] = std::move(metrics);
                result["benchmark"] = std::move(benchmark);
                result["findings"] = std::move(s["findings"]);
                result["score"] = s.value("score", 0);
                result["scoreExplanation"] = s.value("scoreExplanation", std::string());
                result["summary"] = text;
                result["missingInputs"] = std::move(s["missingInputs"]);
                for (auto it = s["typeResult"].begin(); it != s["typeResult"].end(); ++it)
                    result[it.key()] = std::move(it.value());
                s.erase("typeResult");
                s["result"] = std::move(result);
            }};
}

} // namespace dealscope
