#include "analysis/CommonSteps.h"

#include "analysis/AnalysisContext.h"
#include "analysis/FinancialMath.h"
#include "analysis/ResultJson.h"
#include "benchmarks/BenchmarkTable.h"
#include "common/JsonQt.h"
#include "market/ListingCatalog.h"

#include <algorithm>
#include <iterator>

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
    json &missing = ResultJson::slot(state, "missingInputs");
    for (const auto &m : missing)
        if (m.is_string() && m.get_ref<const std::string &>() == input)
            return;
    missing.push_back(input);
}

void addFinding(json &state, json finding)
{
    ResultJson::slot(state, "findings").push_back(std::move(finding));
}

// The narrative of a result, built only from computed figures. Concatenated rather than
// QString::arg()-ed: arg() parses its pattern on every call, and this runs for every job.
QString summaryText(const json &s, AnalysisType type)
{
    using R = ResultJson;
    const json &m = R::member(s, "metrics");
    const json &b = R::member(s, "benchmark");
    const json &in = R::member(s, "inputs");
    const json &p = R::member(s, "params");
    QString out;
    bool first = true;
    auto part = [&](const QString &text) {
        if (!first)
            out += QLatin1Char(' ');
        first = false;
        out += text;
    };

    const QString title = QString::fromStdString(in.value("title", std::string()));
    const auto price = R::num(m, "askingPrice");
    const auto cf = R::num(m, "cashFlow");
    // Titles of scraped listings can be whole paragraphs; the summary quotes a readable head.
    QString head = title.isEmpty() ? QStringLiteral("This business")
        : title.size() > 120       ? title.left(117).trimmed() + QStringLiteral("…")
                                   : title;
    if (price && cf)
        head += QStringLiteral(" asks ") + R::formatMoney(*price) + QStringLiteral(" for ") + R::formatMoney(*cf)
            + QStringLiteral(" of cash flow");
    else if (price)
        head += QStringLiteral(" asks ") + R::formatMoney(*price) + QStringLiteral("; its cash flow is not disclosed");
    else
        head += QStringLiteral(" does not disclose its asking price");
    if (const auto sde = R::num(m, "sdeMultiple")) {
        head += QStringLiteral(" (SDE multiple ") + R::formatMultiple(*sde);
        if (const auto bs = R::num(b, "sdeMultiple"))
            head += QStringLiteral(" vs ") + R::formatMultiple(*bs) + QStringLiteral(" for ")
                + (qstr(b.value("level", json("all"))) == QLatin1String("industry")
                        ? qstr(b.value("industry", json("")))
                        : qstr(b.value("sector", json(""))));
        head += QLatin1Char(')');
    }
    part(head + QLatin1Char('.'));

    if (const auto ads = R::num(m, "annualDebtService")) {
        QString fin = QStringLiteral("With ") + R::formatPercent(p.value("downPaymentPct", 0.1), 0)
            + QStringLiteral(" down at ") + R::formatPercent(p.value("interestRate", 0.105), 1)
            + QStringLiteral(" over ") + QString::number(p.value("termYears", 10))
            + QStringLiteral(" years the debt service is ") + R::formatMoney(*ads) + QStringLiteral(" a year");
        if (const auto dscr = R::num(m, "dscr"))
            fin += QStringLiteral(", DSCR ") + R::formatRatio(*dscr) + QStringLiteral(" against a target of ")
                + R::formatRatio(p.value("targetDscr", 1.25));
        part(fin + QLatin1Char('.'));
    }
    if (const auto maxP = R::num(m, "maxPriceAtTargetDscr"))
        part(QStringLiteral("The most a buyer could pay at the target DSCR is ") + R::formatMoney(*maxP)
            + QLatin1Char('.'));

    const json &t = R::member(s, "typeResult");
    switch (type) {
    case AnalysisType::Valuation:
        if (t.contains("blendedRange") && t["blendedRange"].is_object()) {
            const json &r = t["blendedRange"];
            QString v = QStringLiteral("Benchmark value ") + R::formatMoney(r["low"].get<double>())
                + QStringLiteral(" – ") + R::formatMoney(r["high"].get<double>()) + QStringLiteral(" (mid ")
                + R::formatMoney(r["mid"].get<double>()) + QLatin1Char(')');
            if (const auto prem = R::num(t, "askingPremium"))
                v += *prem >= 0
                    ? QStringLiteral("; the asking price is ") + R::formatPercent(*prem) + QStringLiteral(" above mid")
                    : QStringLiteral("; the asking price is ") + R::formatPercent(-*prem)
                        + QStringLiteral(" below mid");
            part(v + QLatin1Char('.'));
        } else {
            part(QStringLiteral("No benchmark value could be computed from the disclosed figures."));
        }
        break;
    case AnalysisType::RiskAssessment: {
        const json &flags = R::member(t, "redFlags");
        const QString level = qstr(t.value("riskLevel", json("unknown")));
        if (flags.empty()) {
            part(QStringLiteral("Risk level ") + level + QStringLiteral(": no red flags."));
        } else {
            // The most serious flag first: criticals precede warnings in what a reader should see.
            const json *top = &flags[0];
            for (const json &f : flags)
                if (f["severity"] == "critical") {
                    top = &f;
                    break;
                }
            part(QStringLiteral("Risk level ") + level + QStringLiteral(" with ") + QString::number(flags.size())
                + QStringLiteral(" red flag") + (flags.size() == 1 ? QString() : QStringLiteral("s"))
                + QStringLiteral("; the most serious: ") + qstr((*top)["message"]));
        }
        break;
    }
    case AnalysisType::MarketIntelligence: {
        const json &sec = R::member(t, "sector");
        const QString name = sec.is_object() ? qstr(sec.value("name", json(""))) : QString();
        if (name.isEmpty()) {
            part(QStringLiteral("Its sector could not be determined, so it is not ranked against other listings."));
        } else {
            QString mk = QStringLiteral("Sector ") + name
                + (sec.is_object() && sec.value("inferred", false) ? QStringLiteral(" (inferred from the listing text)")
                                                                   : QString());
            const json &pc = R::member(t, "percentiles");
            QStringList ranks;
            auto rankOf = [&](const char *key, const QString &what) {
                if (!pc.contains(key) || !pc[key].is_object())
                    return;
                if (const auto pr = R::num(pc[key], "percentile"))
                    ranks << QStringLiteral("its ") + what + QStringLiteral(" at the ") + R::formatOrdinal(*pr)
                            + QStringLiteral(" percentile (of ") + QString::number(pc[key].value("sampleSize", 0))
                            + QLatin1Char(')');
            };
            rankOf("askingPrice", QStringLiteral("price"));
            rankOf("sdeMultiple", QStringLiteral("SDE multiple"));
            rankOf("cashFlowMargin", QStringLiteral("cash-flow margin"));
            if (!ranks.isEmpty())
                mk += QStringLiteral("; among the loaded listings of that sector ") + ranks.join(QStringLiteral(", "));
            part(mk + QLatin1Char('.'));
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
        const json &strengths = R::member(t, "strengths");
        const json &concerns = R::member(t, "concerns");
        if (!strengths.empty())
            part(QStringLiteral("Strengths: ") + joined(strengths));
        if (!concerns.empty())
            part(QStringLiteral("Concerns: ") + joined(concerns));
        if (strengths.empty() && concerns.empty())
            part(QStringLiteral("The disclosed figures show no particular strength or concern."));
        break;
    }
    }
    part(QStringLiteral("Score ") + QString::number(s.value("score", 0)) + QStringLiteral("/100."));
    return out;
}

} // namespace

PipelineStep CommonSteps::loadInputs()
{
    return { { QStringLiteral("load_inputs"), QStringLiteral("Loading listing inputs…"), 1.0 },
        [](AnalysisContext &ctx) {
            json &s = ctx.state();
            const Listing &l = ctx.listing();
            s["asOfYear"] = ctx.currentYear();
            s["params"] = ctx.params().toJson();
            s["missingInputs"] = json::array();
            s["findings"] = json::array();
            s["typeResult"] = json::object();

            json in = json::object();
            in["listingId"] = ResultJson::text(l.id);
            in["title"] = ResultJson::text(l.title);
            in["industry"] = ResultJson::text(l.industry);
            in["industryInferred"] = l.industryInferred;
            in["askingPrice"] = optMoney(l.askingPrice);
            in["cashFlow"] = optMoney(l.cashFlow);
            in["grossRevenue"] = optMoney(l.grossRevenue);
            in["ebitda"] = optMoney(l.ebitda);
            in["yearEstablished"] = l.yearEstablished ? json(*l.yearEstablished) : json(nullptr);

            if (!l.askingPrice) {
                addMissing(s, "askingPrice");
                addFinding(s,
                    ResultJson::finding("warning", "missing_asking_price",
                        QStringLiteral("The asking price is not disclosed: multiples, financing, DSCR and payback "
                                       "cannot be computed.")));
            } else if (*l.askingPrice <= 0) {
                // A price of 0 is a placeholder in listing data, not a real price; using it would
                // produce a zero loan and meaningless ratios.
                in["askingPrice"] = nullptr;
                addMissing(s, "askingPrice");
                addFinding(s,
                    ResultJson::finding("warning", "invalid_asking_price",
                        QStringLiteral("The asking price (%1) is not positive and was treated as unknown.")
                            .arg(ResultJson::formatMoney(double(*l.askingPrice)))));
            }
            if (!l.cashFlow) {
                addMissing(s, "cashFlow");
                addFinding(s,
                    ResultJson::finding("critical", "missing_cash_flow",
                        QStringLiteral(
                            "Cash flow (SDE) is not disclosed: the SDE multiple, DSCR, payback and the maximum "
                            "financeable price cannot be computed.")));
            }
            if (!l.grossRevenue) {
                addMissing(s, "grossRevenue");
                addFinding(s,
                    ResultJson::finding("warning", "missing_revenue",
                        QStringLiteral("Gross revenue is not disclosed: the revenue multiple and cash-flow margin "
                                       "cannot be computed.")));
            } else if (*l.grossRevenue <= 0) {
                in["grossRevenue"] = nullptr;
                addMissing(s, "grossRevenue");
                addFinding(s,
                    ResultJson::finding("warning", "invalid_revenue",
                        QStringLiteral("Gross revenue (%1) is not positive and was treated as unknown.")
                            .arg(ResultJson::formatMoney(double(*l.grossRevenue)))));
            }
            const int year = ResultJson::slot(s, "asOfYear").get<int>();
            if (!l.yearEstablished) {
                addMissing(s, "yearEstablished");
                addFinding(s,
                    ResultJson::finding("info", "missing_year_established",
                        QStringLiteral("The year established is not disclosed: the business age is unknown.")));
            } else if (!FinancialMath::businessAgeYears(l.yearEstablished, year)) {
                in["yearEstablished"] = nullptr;
                addMissing(s, "yearEstablished");
                addFinding(s,
                    ResultJson::finding("warning", "invalid_year_established",
                        QStringLiteral("The year established (%1) is implausible for %2 and was treated as unknown.")
                            .arg(*l.yearEstablished)
                            .arg(year)));
            }
            json metrics = json::object();
            for (const char *key : { "askingPrice", "cashFlow", "grossRevenue", "ebitda" })
                metrics.emplace(key, ResultJson::slot(in, key));
            s["inputs"] = std::move(in);
            s["metrics"] = std::move(metrics);
        } };
}

PipelineStep CommonSteps::multiples()
{
    return { { QStringLiteral("sde_multiple"), QStringLiteral("Computing SDE multiple…"), 2.0 },
        [](AnalysisContext &ctx) {
            json &s = ctx.state();
            const auto price = inputMoney(s, "askingPrice");
            const auto cf = inputMoney(s, "cashFlow");
            const auto rev = inputMoney(s, "grossRevenue");
            json &m = ResultJson::slot(s, "metrics");
            m["sdeMultiple"] = ResultJson::number(FinancialMath::sdeMultiple(price, cf));
            m["revenueMultiple"] = ResultJson::number(FinancialMath::revenueMultiple(price, rev));
            m["cashFlowMargin"] = ResultJson::number(FinancialMath::cashFlowMargin(cf, rev));
        } };
}

PipelineStep CommonSteps::debtService()
{
    return { { QStringLiteral("debt_service"), QStringLiteral("Computing debt service and DSCR…"), 2.0 },
        [](AnalysisContext &ctx) {
            json &s = ctx.state();
            const AnalysisParams &p = ctx.params();
            const auto price = inputMoney(s, "askingPrice");
            const auto cf = inputMoney(s, "cashFlow");
            json &m = ResultJson::slot(s, "metrics");
            const auto loan = FinancialMath::loanAmount(price, p.downPaymentPct);
            const auto ads = FinancialMath::annualDebtService(loan, p.interestRate, p.termYears);
            m["loanAmount"] = ResultJson::number(loan);
            m["annualDebtService"] = ResultJson::number(ads);
            m["dscr"] = ResultJson::number(FinancialMath::dscr(cf, p.ownerSalary, ads));
            m["maxPriceAtTargetDscr"] = ResultJson::number(FinancialMath::maxPriceAtTargetDscr(
                cf, p.ownerSalary, p.downPaymentPct, p.interestRate, p.termYears, p.targetDscr));
            m["paybackYears"] = ResultJson::number(FinancialMath::paybackYears(price, cf, p.ownerSalary));
            const json &year = ResultJson::slot(s, "inputs")["yearEstablished"];
            const auto age = FinancialMath::businessAgeYears(
                year.is_number_integer() ? std::optional<int>(year.get<int>()) : std::nullopt,
                ResultJson::slot(s, "asOfYear").get<int>());
            m["businessAgeYears"] = age ? json(*age) : json(nullptr);
        } };
}

PipelineStep CommonSteps::benchmarks()
{
    return { { QStringLiteral("benchmarks"), QStringLiteral("Looking up sector benchmarks…"), 1.0 },
        [](AnalysisContext &ctx) {
            const BenchmarkMatch &b = ctx.catalog().benchmarkOf(ctx.listing());
            json bench = json::object();
            bench.emplace("level", ResultJson::text(b.level));
            bench.emplace("sector", ResultJson::text(b.sector));
            bench.emplace("industry", ResultJson::text(b.industry));
            bench.emplace("sdeMultiple", ResultJson::number(b.sdeMultiple));
            bench.emplace("revenueMultiple", ResultJson::number(b.revenueMultiple));
            bench.emplace("medianSalePrice", b.medianSalePrice ? json(*b.medianSalePrice) : json(nullptr));
            bench.emplace("source", ResultJson::text(b.source));
            ctx.state()["benchmark"] = std::move(bench);
        } };
}

PipelineStep CommonSteps::findings()
{
    return { { QStringLiteral("findings"), QStringLiteral("Reviewing findings…"), 1.0 },
        [](AnalysisContext &ctx) {
            json &s = ctx.state();
            const AnalysisParams &p = ctx.params();
            const json &m = ResultJson::slot(s, "metrics");
            const json &b = ResultJson::slot(s, "benchmark");
            const auto cf = ResultJson::num(m, "cashFlow");

            if (p.ownerSalary == 0)
                addFinding(s,
                    ResultJson::finding("info", "no_owner_salary",
                        QStringLiteral(
                            "DSCR and payback assume the buyer draws no salary (ownerSalary 0); set ownerSalary "
                            "to what running the business would cost to see a stricter view.")));

            if (cf && *cf <= 0) {
                addFinding(s,
                    ResultJson::finding("critical", "nonpositive_cash_flow",
                        QStringLiteral("The business reports a cash flow of ") + ResultJson::formatMoney(*cf)
                            + QStringLiteral(": it cannot service debt and has no payback.")));
            } else if (cf && *cf - double(p.ownerSalary) <= 0) {
                addFinding(s,
                    ResultJson::finding("critical", "no_cash_flow_after_salary",
                        QStringLiteral("Cash flow of ") + ResultJson::formatMoney(*cf)
                            + QStringLiteral(" does not exceed the owner salary of ")
                            + ResultJson::formatMoney(double(p.ownerSalary))
                            + QStringLiteral(": DSCR is not positive and payback and the maximum price are unknown.")));
            }

            if (const auto dscr = ResultJson::num(m, "dscr")) {
                if (*dscr < p.targetDscr) {
                    const bool belowOne = *dscr < 1.0;
                    addFinding(s,
                        ResultJson::finding(belowOne ? "critical" : "warning", "dscr_below_target",
                            QStringLiteral("DSCR ") + ResultJson::formatRatio(*dscr)
                                + QStringLiteral(" at the asking price is below the target ")
                                + ResultJson::formatRatio(p.targetDscr)
                                + (belowOne ? QStringLiteral(": cash flow does not cover the debt service") : QString())
                                + QLatin1Char('.')));
                } else {
                    addFinding(s,
                        ResultJson::finding("info", "dscr_meets_target",
                            QStringLiteral("DSCR ") + ResultJson::formatRatio(*dscr)
                                + QStringLiteral(" at the asking price meets the target ")
                                + ResultJson::formatRatio(p.targetDscr) + QLatin1Char('.')));
                }
            }

            const auto sde = ResultJson::num(m, "sdeMultiple");
            const auto benchSde = ResultJson::num(b, "sdeMultiple");
            if (sde && benchSde && *benchSde > 0) {
                const double r = *sde / *benchSde;
                if (r > 1.5)
                    addFinding(s,
                        ResultJson::finding("warning", "sde_multiple_above_sector",
                            QStringLiteral("The SDE multiple ") + ResultJson::formatMultiple(*sde)
                                + QStringLiteral(" is more than 1.5× the benchmark ")
                                + ResultJson::formatMultiple(*benchSde) + QLatin1Char('.')));
                else if (r < 0.75)
                    addFinding(s,
                        ResultJson::finding("info", "sde_multiple_below_sector",
                            QStringLiteral("The SDE multiple ") + ResultJson::formatMultiple(*sde)
                                + QStringLiteral(" is well below the benchmark ")
                                + ResultJson::formatMultiple(*benchSde)
                                + QStringLiteral(": check why the price is low.")));
                else
                    addFinding(s,
                        ResultJson::finding("info", "sde_multiple_in_range",
                            QStringLiteral("The SDE multiple ") + ResultJson::formatMultiple(*sde)
                                + QStringLiteral(" is in line with the benchmark ")
                                + ResultJson::formatMultiple(*benchSde) + QLatin1Char('.')));
            }
            const auto revMult = ResultJson::num(m, "revenueMultiple");
            const auto benchRev = ResultJson::num(b, "revenueMultiple");
            if (revMult && benchRev && *benchRev > 0 && *revMult > 1.5 * *benchRev)
                addFinding(s,
                    ResultJson::finding("warning", "revenue_multiple_above_sector",
                        QStringLiteral("The revenue multiple ") + ResultJson::formatMultiple(*revMult)
                            + QStringLiteral(" is more than 1.5× the benchmark ")
                            + ResultJson::formatMultiple(*benchRev) + QLatin1Char('.')));

            if (const auto margin = ResultJson::num(m, "cashFlowMargin")) {
                if (*margin > 1.0)
                    addFinding(s,
                        ResultJson::finding("warning", "cash_flow_exceeds_revenue",
                            QStringLiteral("Cash flow is larger than gross revenue (margin ")
                                + ResultJson::formatPercent(*margin)
                                + QStringLiteral("): the figures are inconsistent.")));
                else if (*margin < 0.10)
                    addFinding(s,
                        ResultJson::finding("warning", "low_margin",
                            QStringLiteral("The cash-flow margin of ") + ResultJson::formatPercent(*margin)
                                + QStringLiteral(" is below 10 %.")));
            }

            if (const auto age = ResultJson::num(m, "businessAgeYears"); age && *age < 3)
                addFinding(s,
                    ResultJson::finding("warning", "young_business",
                        QStringLiteral("The business is ") + QString::number(qint64(*age))
                            + QStringLiteral(" year(s) old: younger than 3 years, with little track record.")));

            if (ResultJson::stringIs(b, "level", "all"))
                addFinding(s,
                    ResultJson::finding("info", "no_sector_benchmark",
                        QStringLiteral(
                            "No sector or industry matched this listing; it is compared with all-sector figures.")));
        } };
}

PipelineStep CommonSteps::summary()
{
    return { { QStringLiteral("summary"), QStringLiteral("Writing summary…"), 1.0 }, [](AnalysisContext &ctx) {
                json &s = ctx.state();
                // From the unrounded figures, so before they are rounded and moved below.
                const QString text = summaryText(s, ctx.type());

                // The result's metrics and benchmark are the state's, rounded in place and moved like
                // the parts below: copying them and then freeing the state's cost more than the text.
                json metrics = std::move(ResultJson::slot(s, "metrics"));
                if (!metrics.is_object())
                    metrics = json::object();
                static const char *const kAsIs[]
                    = { "askingPrice", "cashFlow", "grossRevenue", "ebitda", "businessAgeYears" };
                static const char *const kRatios[]
                    = { "sdeMultiple", "revenueMultiple", "cashFlowMargin", "dscr", "paybackYears" };
                static const char *const kMoney[] = { "loanAmount", "annualDebtService", "maxPriceAtTargetDscr" };
                for (const char *key : kAsIs)
                    ResultJson::slot(metrics, key); // null when absent
                for (const char *key : kRatios) {
                    json &v = ResultJson::slot(metrics, key);
                    v = ResultJson::ratio(ResultJson::num(v));
                }
                for (const char *key : kMoney) {
                    json &v = ResultJson::slot(metrics, key);
                    v = ResultJson::money(ResultJson::num(v));
                }
                // Only a checkpoint of another version could hold more than those keys.
                if (metrics.size() != std::size(kAsIs) + std::size(kRatios) + std::size(kMoney)) {
                    auto wanted = [](const std::string &key) {
                        auto among = [&](const auto &keys) {
                            return std::any_of(
                                std::begin(keys), std::end(keys), [&](const char *k) { return key == k; });
                        };
                        return among(kAsIs) || among(kRatios) || among(kMoney);
                    };
                    for (auto it = metrics.begin(); it != metrics.end();)
                        it = wanted(it.key()) ? std::next(it) : metrics.erase(it);
                }
                json benchmark = std::move(ResultJson::slot(s, "benchmark"));
                for (const char *key : { "sdeMultiple", "revenueMultiple" }) {
                    json &v = ResultJson::slot(benchmark, key);
                    v = ResultJson::ratio(ResultJson::num(v));
                }

                // The last step: later steps (an LLM narrative) read only state["result"], so the
                // parts the result shares with the state are moved into it, not deep-copied (a
                // copy of the findings and the type result was a sizeable share of a job's CPU).
                json result = json::object();
                result["engine"] = "builtin";
                result["analysisType"] = ResultJson::text(analysisTypeName(ctx.type()));
                result["listingId"] = ResultJson::slot(s, "inputs")["listingId"];
                result["asOfYear"] = ResultJson::slot(s, "asOfYear");
                result["params"] = std::move(ResultJson::slot(s, "params"));
                result["metrics"] = std::move(metrics);
                result["benchmark"] = std::move(benchmark);
                result["findings"] = std::move(ResultJson::slot(s, "findings"));
                result["score"] = s.value("score", 0);
                result["scoreExplanation"] = s.value("scoreExplanation", std::string());
                result["summary"] = ResultJson::text(text);
                result["missingInputs"] = std::move(ResultJson::slot(s, "missingInputs"));
                json &typeResult = ResultJson::slot(s, "typeResult");
                for (auto it = typeResult.begin(); it != typeResult.end(); ++it)
                    result[it.key()] = std::move(it.value());
                s.erase("typeResult");
                s["result"] = std::move(result);
            } };
}

} // namespace dealscope
