// The built-in engine's results (SPEC §4) on a hand-made catalog: every number below is computed by
// hand in the comment next to it.

#include "TestCatalog.h"
#include "analysis/AnalysisContext.h"
#include "analysis/AnalysisError.h"
#include "analysis/NarrativeProvider.h"
#include "analysis/ResultJson.h"
#include "common/JsonQt.h"

#include <QRegularExpression>
#include <QTest>
#include <QThread>

#include <cmath>
#include <limits>

using namespace dealscope;
using json = nlohmann::json;

#define JCOMPARE(actual, expected)                                                                                     \
    do {                                                                                                               \
        const json a_ = (actual);                                                                                      \
        const json e_ = (expected);                                                                                    \
        QVERIFY2(a_ == e_,                                                                                             \
            qPrintable(QStringLiteral("%1 != %2")                                                                      \
                           .arg(QString::fromStdString(a_.dump()), QString::fromStdString(e_.dump()))));               \
    } while (false)

namespace {

json runJob(const AnalysisEngine &engine, const AnalysisRequest &job)
{
    return engine.run(job, PipelineCheckpoint {}, ExecutionHooks {});
}

QStringList codes(const json &findings)
{
    QStringList out;
    for (const auto &f : findings)
        out << qstr(f["code"]);
    return out;
}

const json *findCode(const json &findings, const char *code)
{
    for (const auto &f : findings)
        if (f["code"] == code)
            return &f;
    return nullptr;
}

// A narrative provider of this test: rewrites the summary from the numbers the engine left in the state.
class EchoNarrative final : public NarrativeProvider
{
public:
    QString name() const override { return QStringLiteral("echo"); }
    void writeNarrative(AnalysisContext &ctx) const override
    {
        json &r = ctx.state()["result"];
        if (!r.is_object() || !r.contains("metrics"))
            throw AnalysisError(AnalysisError::Kind::Permanent, QStringLiteral("no built-in result"));
        r["summary"] = "echo: score " + std::to_string(r["score"].get<int>());
        r["engine"] = "echo-model";
    }
};

} // namespace

class TestAnalysisEngine final : public QObject
{
    Q_OBJECT

private slots:
    void businessAnalysisMetrics()
    {
        const auto engine = testcatalog::engine();
        const json r = runJob(*engine, testcatalog::job("a", "business_analysis"));
        const json &m = r["metrics"];
        JCOMPARE(r["engine"], "builtin");
        JCOMPARE(r["analysisType"], "business_analysis");
        JCOMPARE(m["askingPrice"], 500000);
        JCOMPARE(m["cashFlow"], 200000);
        JCOMPARE(m["grossRevenue"], 1000000);
        JCOMPARE(m["ebitda"], 150000);
        JCOMPARE(m["sdeMultiple"], 2.5); // 500,000 / 200,000
        JCOMPARE(m["revenueMultiple"], 0.5); // 500,000 / 1,000,000
        JCOMPARE(m["cashFlowMargin"], 0.2); // 200,000 / 1,000,000
        JCOMPARE(m["loanAmount"], 450000); // 500,000 × 0.9
        // 12 × 450,000 × 0.00875 / (1 − 1.00875^−120) = 12 × 3,937.5 / 0.6484604 = 72,864.90 → 72,865
        JCOMPARE(m["annualDebtService"], 72865);
        QVERIFY(m["annualDebtService"].is_number_integer());
        JCOMPARE(m["dscr"], 2.7448); // 200,000 / 72,864.898 = 2.744806
        // 200,000 / (1.25 × 0.9 × 0.161922) = 1,097,922.35 → 1,097,922
        JCOMPARE(m["maxPriceAtTargetDscr"], 1097922);
        JCOMPARE(m["paybackYears"], 2.5); // 500,000 / 200,000
        JCOMPARE(m["businessAgeYears"], 25); // 2026 − 2001
        JCOMPARE(r["missingInputs"], json::array());
        JCOMPARE(r["asOfYear"], 2026);

        const json &b = r["benchmark"];
        JCOMPARE(b["level"], "sector");
        JCOMPARE(b["sector"], "Food and Restaurants");
        JCOMPARE(b["sdeMultiple"], 2.0);
        JCOMPARE(b["revenueMultiple"], 0.4);
        QVERIFY(qstr(b["source"]).contains(QStringLiteral("test table")));

        // SDE 2.5 / 2.0 = 1.25× the benchmark: in range. DSCR 2.74 ≥ 1.25: meets the target.
        QCOMPARE(codes(r["findings"]),
            (QStringList { QStringLiteral("no_owner_salary"), QStringLiteral("dscr_meets_target"),
                QStringLiteral("sde_multiple_in_range") }));
        for (const auto &f : r["findings"]) {
            QVERIFY(f["severity"] == "info" || f["severity"] == "warning" || f["severity"] == "critical");
            QVERIFY(!qstr(f["message"]).isEmpty());
        }
        // valuation 1.25× → 15, financing DSCR ≥ 1.75 → 30, margin 20 % → 14, 25 years → 10, disclosure 10 = 79
        JCOMPARE(r["score"], 79);
        QVERIFY(qstr(r["scoreExplanation"]).startsWith(QStringLiteral("Score 79/100")));
        const QString summary = qstr(r["summary"]);
        QVERIFY2(summary.contains(QStringLiteral("$500,000")) && summary.contains(QStringLiteral("2.74")),
            qPrintable(summary));

        const json &fin = r["financing"];
        JCOMPARE(fin["downPayment"], 50000);
        JCOMPARE(fin["meetsTarget"], true);
        JCOMPARE(fin["annualDebtService"], 72865);
        QVERIFY(r["strengths"].size() >= 3);
        JCOMPARE(r["concerns"], json::array());
    }

    void ownerSalaryChangesFinancing()
    {
        const auto engine = testcatalog::engine();
        const json r = runJob(*engine, testcatalog::job("a", "business_analysis", { { "ownerSalary", 60000 } }));
        const json &m = r["metrics"];
        JCOMPARE(m["dscr"], 1.9214); // 140,000 / 72,864.898 = 1.921364
        JCOMPARE(m["paybackYears"], 3.5714); // 500,000 / 140,000 = 3.571429
        JCOMPARE(m["maxPriceAtTargetDscr"], 768546); // 140,000 / 0.182162 = 768,545.64
        QVERIFY(!findCode(r["findings"], "no_owner_salary"));
        // Salary ≥ cash flow: no payback and no maximum price, a critical finding.
        const json r2 = runJob(*engine, testcatalog::job("a", "business_analysis", { { "ownerSalary", 200000 } }));
        QVERIFY(r2["metrics"]["paybackYears"].is_null());
        QVERIFY(r2["metrics"]["maxPriceAtTargetDscr"].is_null());
        JCOMPARE(r2["metrics"]["dscr"], 0.0);
        QVERIFY(findCode(r2["findings"], "no_cash_flow_after_salary"));
    }

    void noSalaryFindingOnEveryType()
    {
        const auto engine = testcatalog::engine();
        for (const QString &type : analysisTypeNames()) {
            for (const char *id : { "a", "c", "z" }) {
                AnalysisRequest j = testcatalog::job(id, "x");
                j.analysisType = type;
                const json r = runJob(*engine, j);
                const json *f = findCode(r["findings"], "no_owner_salary");
                QVERIFY2(f, qPrintable(type));
                QVERIFY(qstr((*f)["message"]).contains(QStringLiteral("no salary")));
            }
        }
    }

    void valuation()
    {
        const auto engine = testcatalog::engine();
        const json r = runJob(*engine, testcatalog::job("a", "valuation"));
        JCOMPARE(r["sdeMethodValue"], 400000); // 2.00 × 200,000
        JCOMPARE(r["revenueMethodValue"], 400000); // 0.40 × 1,000,000
        // mid = 0.7 × 400,000 + 0.3 × 400,000 = 400,000; low 0.9 × 400,000; high 1.1 × 400,000
        JCOMPARE(r["blendedRange"], (json { { "low", 360000 }, { "mid", 400000 }, { "high", 440000 } }));
        JCOMPARE(r["askingPremium"], 0.25); // (500,000 − 400,000) / 400,000
        QVERIFY(findCode(r["findings"], "asking_above_value_range"));

        const json &s = r["sensitivity"];
        JCOMPARE(s["interestRates"], (json { 0.085, 0.095, 0.105, 0.115, 0.125 }));
        JCOMPARE(s["downPaymentPcts"], (json { 0.1, 0.2, 0.3 }));
        JCOMPARE(s["dscr"].size(), 5u);
        JCOMPARE(s["dscr"][2][0], 2.7448); // the base case equals metrics.dscr
        JCOMPARE(s["dscr"][2][0], r["metrics"]["dscr"]);
        // 12.5 %, 30 % down: L = 350,000, i = 0.0104167, 1.0104167^120 = e^(120 × 0.0103628) = e^1.243534 = 3.467849,
        // 1 − 1/3.467849 = 0.711637, monthly 3,645.83 / 0.711637 = 5,123.17, annual 61,477.99,
        // DSCR 200,000 / 61,477.99 = 3.2532
        JCOMPARE(s["dscr"][4][2], 3.2532);
        // 8.5 %, 20 % down: L = 400,000 → ADS 59,513.13, DSCR 200,000 / 59,513.13 = 3.3606
        JCOMPARE(s["dscr"][0][1], 3.3606);
        // Lower rates and larger down payments only raise the DSCR.
        for (int i = 0; i < 5; ++i)
            for (int k = 1; k < 3; ++k)
                QVERIFY(s["dscr"][i][k].get<double>() > s["dscr"][i][k - 1].get<double>());
        for (int i = 1; i < 5; ++i)
            QVERIFY(s["dscr"][i][0].get<double>() < s["dscr"][i - 1][0].get<double>());
    }

    void valuationWithOddDownPaymentAndZeroRate()
    {
        const auto engine = testcatalog::engine();
        const json r = runJob(
            *engine, testcatalog::job("a", "valuation", { { "downPaymentPct", 0.25 }, { "interestRate", 0.0 } }));
        // Rates below 0 are dropped: 0, 0.01, 0.02. Down payments: 0.10, 0.20, 0.25, 0.30.
        JCOMPARE(r["sensitivity"]["interestRates"], (json { 0.0, 0.01, 0.02 }));
        JCOMPARE(r["sensitivity"]["downPaymentPcts"], (json { 0.1, 0.2, 0.25, 0.3 }));
        // 0 %: ADS = 375,000 / 10 = 37,500, DSCR = 200,000 / 37,500 = 5.3333
        JCOMPARE(r["metrics"]["annualDebtService"], 37500);
        JCOMPARE(r["metrics"]["dscr"], 5.3333);
        JCOMPARE(r["sensitivity"]["dscr"][0][2], 5.3333);
    }

    void industryBenchmark()
    {
        // "z" declares the industry Pizza Restaurants: the industry row applies (2.40×, 0.50×).
        const auto engine = testcatalog::engine();
        const json r = runJob(*engine, testcatalog::job("z", "valuation"));
        JCOMPARE(r["benchmark"]["level"], "industry");
        JCOMPARE(r["benchmark"]["industry"], "Pizza Restaurants");
        JCOMPARE(r["benchmark"]["sdeMultiple"], 2.4);
        // Neither method applies (cash flow −50,000, revenue 0): no value, a finding.
        QVERIFY(r["blendedRange"].is_null());
        QVERIFY(r["sdeMethodValue"].is_null());
        QVERIFY(findCode(r["findings"], "valuation_not_possible"));
    }

    void riskAssessment()
    {
        const auto engine = testcatalog::engine();
        // b: 900,000 / 100,000 = 9.0× vs 2.50× (3.6×: above 1.5×); margin 100,000 / 2,000,000 = 5 %;
        // ADS on 810,000 = 131,156.82, DSCR 100,000 / 131,156.82 = 0.7624 (< 1: critical); 2026 − 2025 = 1 year.
        const json r = runJob(*engine, testcatalog::job("b", "risk_assessment"));
        JCOMPARE(r["metrics"]["dscr"], 0.7624);
        QCOMPARE(codes(r["redFlags"]),
            (QStringList { QStringLiteral("dscr_below_target"), QStringLiteral("sde_multiple_above_sector"),
                QStringLiteral("low_margin"), QStringLiteral("young_business") }));
        JCOMPARE(r["redFlags"][0]["severity"], "critical");
        // One critical flag → high.
        JCOMPARE(r["riskLevel"], "high");

        const json low = runJob(*engine, testcatalog::job("a", "risk_assessment"));
        JCOMPARE(low["redFlags"], json::array());
        JCOMPARE(low["riskLevel"], "low");

        // c: missing price (warning) and cash flow (critical) and revenue (warning) → 1 critical → high.
        const json missing = runJob(*engine, testcatalog::job("c", "risk_assessment"));
        JCOMPARE(missing["riskLevel"], "high");
        QVERIFY(codes(missing["redFlags"]).contains(QStringLiteral("missing_cash_flow")));

        // z: cash flow −50,000 (critical) + missing-like invalid price, revenue, year → two criticals? one
        // (nonpositive_cash_flow) plus warnings: invalid_asking_price, invalid_revenue, invalid_year_established →
        // high.
        const json z = runJob(*engine, testcatalog::job("z", "risk_assessment"));
        JCOMPARE(z["riskLevel"], "high");
        // With a salary larger than the cash flow of a, DSCR < 1 and no cash flow after salary: two criticals.
        const json crit = runJob(*engine, testcatalog::job("a", "risk_assessment", { { "ownerSalary", 250000 } }));
        JCOMPARE(crit["riskLevel"], "critical");
    }

    void marketPercentilesAmongSameSector()
    {
        const auto engine = testcatalog::engine();
        const json r = runJob(*engine, testcatalog::job("a", "market_intelligence"));
        JCOMPARE(r["sector"]["name"], "Food and Restaurants");
        JCOMPARE(r["sector"]["inferred"], false);
        JCOMPARE(r["sectorBenchmarks"]["sdeMultiple"], 2.0);
        const json &p = r["percentiles"];
        // Food and Restaurants prices with a positive price: a 500k, p1 100k, p2 300k, p3 700k, huge 9e18, tiny 1
        // → sorted [1, 100k, 300k, 500k, 700k, 9e18]; 500k: 3 below + ½ tie = 3.5 / 6 = 58.3 %.
        JCOMPARE(p["askingPrice"]["value"], 500000);
        JCOMPARE(p["askingPrice"]["sampleSize"], 6);
        JCOMPARE(p["askingPrice"]["percentile"], 58.3);
        // SDE multiples (cash flow > 0): tiny 1.1e-19, p1 2.0, a 2.5, p2 3.0, p3 3.5, huge 9e18 → 2 below + ½ = 2.5 / 6
        // = 41.7 %.
        JCOMPARE(p["sdeMultiple"]["sampleSize"], 6);
        JCOMPARE(p["sdeMultiple"]["percentile"], 41.7);
        // Margins: p2 0.10, a 0.20, p1 0.25, p3 0.50, huge 1.0, tiny 9e18 → 1 below + ½ = 1.5 / 6 = 25 %.
        JCOMPARE(p["cashFlowMargin"]["percentile"], 25.0);
        // The Service Businesses listings are not part of the sample.
        const json svc = runJob(*engine, testcatalog::job("svc", "market_intelligence"));
        // svc 500k and b 900k → [500k, 900k]: 0 below + ½ = 0.5 / 2 = 25 %.
        JCOMPARE(svc["percentiles"]["askingPrice"]["sampleSize"], 2);
        JCOMPARE(svc["percentiles"]["askingPrice"]["percentile"], 25.0);
        QVERIFY(findCode(svc["findings"], "small_sector_sample"));
    }

    void marketWithoutSector()
    {
        const auto engine = testcatalog::engine();
        const json r = runJob(*engine, testcatalog::job("c", "market_intelligence"));
        JCOMPARE(r["sector"]["name"], "");
        JCOMPARE(r["sector"]["basis"], "none");
        QVERIFY(r["sectorBenchmarks"].is_null());
        QVERIFY(r["percentiles"]["askingPrice"]["percentile"].is_null());
        JCOMPARE(r["percentiles"]["askingPrice"]["sampleSize"], 0);
        QVERIFY(findCode(r["findings"], "sector_unknown"));
        JCOMPARE(r["benchmark"]["level"], "all");
        QVERIFY(findCode(r["findings"], "no_sector_benchmark"));
    }

    void missingInputsGiveNullsAndFindings()
    {
        const auto engine = testcatalog::engine();
        for (const QString &type : analysisTypeNames()) {
            AnalysisRequest j = testcatalog::job("c", "x");
            j.analysisType = type;
            const json r = runJob(*engine, j);
            const json &m = r["metrics"];
            for (const char *k : { "askingPrice", "cashFlow", "grossRevenue", "ebitda", "sdeMultiple",
                     "revenueMultiple", "cashFlowMargin", "loanAmount", "annualDebtService", "dscr",
                     "maxPriceAtTargetDscr", "paybackYears", "businessAgeYears" }) {
                QVERIFY2(m.contains(k), k);
                QVERIFY2(m[k].is_null(), k);
            }
            JCOMPARE(r["missingInputs"], (json { "askingPrice", "cashFlow", "grossRevenue", "yearEstablished" }));
            for (const char *code :
                { "missing_asking_price", "missing_cash_flow", "missing_revenue", "missing_year_established" })
                QVERIFY2(findCode(r["findings"], code), code);
            // Missing data scores nothing: disclosure 0, everything else unknown.
            JCOMPARE(r["score"], 0);
        }
    }

    void hostileFiguresNeverProduceNanOrInfinity()
    {
        const auto engine = testcatalog::engine();
        for (const char *id : { "z", "neg", "huge", "tiny", "c", "a", "b", "text" }) {
            for (const QString &type : analysisTypeNames()) {
                for (const json &params : { json::object(),
                         json { { "interestRate", 0 }, { "downPaymentPct", 0.99 }, { "ownerSalary", 1000000000000LL } },
                         json { { "interestRate", 1 }, { "termYears", 1 }, { "targetDscr", 0.0001 } } }) {
                    AnalysisRequest j = testcatalog::job(id, "x", params);
                    j.analysisType = type;
                    const json r = runJob(*engine, j);
                    QVERIFY2(testcatalog::allFinite(r), id);
                    // nlohmann writes NaN as null, so the tree walk above is the real check; this one catches
                    // a NaN or infinity that leaked into a message text.
                    static const QRegularExpression bad(
                        QStringLiteral("\\b(nan|inf|infinity)\\b"), QRegularExpression::CaseInsensitiveOption);
                    const QString text = QString::fromStdString(r.dump());
                    QVERIFY2(!text.contains(bad), qPrintable(text));
                    QVERIFY(r["score"].is_number_integer());
                    QVERIFY(r["score"].get<int>() >= 0 && r["score"].get<int>() <= 100);
                }
            }
        }
        // z: a zero price, zero revenue and a year in the future are treated as unknown, with findings.
        const json z = runJob(*engine, testcatalog::job("z", "business_analysis"));
        JCOMPARE(z["missingInputs"], (json { "askingPrice", "grossRevenue", "yearEstablished" }));
        QVERIFY(z["metrics"]["askingPrice"].is_null());
        JCOMPARE(z["metrics"]["cashFlow"], -50000);
        QVERIFY(z["metrics"]["sdeMultiple"].is_null());
        QVERIFY(z["metrics"]["paybackYears"].is_null());
        QVERIFY(z["metrics"]["maxPriceAtTargetDscr"].is_null());
        for (const char *code :
            { "invalid_asking_price", "invalid_revenue", "invalid_year_established", "nonpositive_cash_flow" })
            QVERIFY2(findCode(z["findings"], code), code);
    }

    void sameJobTwiceGivesIdenticalResult()
    {
        const auto engine = testcatalog::engine();
        for (const QString &type : analysisTypeNames()) {
            AnalysisRequest j = testcatalog::job("a", "x", { { "ownerSalary", 30000 } });
            j.analysisType = type;
            QVERIFY(runJob(*engine, j).dump() == runJob(*engine, j).dump());
        }
        // The injected year drives businessAgeYears.
        engine->setCurrentYearSource([] { return 2030; });
        JCOMPARE(runJob(*engine, testcatalog::job("a", "valuation"))["metrics"]["businessAgeYears"], 29);
    }

    void validation_data()
    {
        QTest::addColumn<QString>("listingId");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("params");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("messagePart");
        auto row = [](const char *name, const char *id, const char *type, const char *params, const char *field,
                       const char *part) {
            QTest::newRow(name) << QString::fromUtf8(id) << QString::fromUtf8(type) << QString::fromUtf8(params)
                                << QString::fromUtf8(field) << QString::fromUtf8(part);
        };
        row("ok", "a", "valuation", "{}", "", "");
        row("ok builtin", "a", "valuation", R"({"provider":"builtin"})", "", "");
        row("ok registered", "a", "valuation", R"({"provider":"echo"})", "", "");
        row("unknown type", "a", "appraisal", "{}", "analysisType",
            "allowed: business_analysis, valuation, risk_assessment, market_intelligence");
        row("empty type", "a", "", "{}", "analysisType", "unknown analysisType");
        row("down 2", "a", "valuation", R"({"downPaymentPct":2})", "params.downPaymentPct", "got 2");
        row("term 0", "a", "valuation", R"({"termYears":0})", "params.termYears", "between 1 and 40");
        row("rate string", "a", "valuation", R"({"interestRate":"0.1"})", "params.interestRate", "got \"0.1\"");
        row("unknown key", "a", "valuation", R"({"color":"red"})", "params.color", "unknown parameter");
        row("params array", "a", "valuation", R"([])", "params", "must be an object");
        row("provider number", "a", "valuation", R"({"provider":1})", "params.provider", "must be a string");
        row("provider unknown", "a", "valuation", R"({"provider":"gpt"})", "params.provider",
            "available: builtin, echo");
        row("unknown listing", "nope", "valuation", "{}", "listingId", "unknown listing id \"nope\"");
        row("empty listing", "", "valuation", "{}", "listingId", "required");
    }

    void validation()
    {
        QFETCH(QString, listingId);
        QFETCH(QString, type);
        QFETCH(QString, params);
        QFETCH(QString, field);
        QFETCH(QString, messagePart);
        const auto engine = testcatalog::engine();
        engine->registerProvider(std::make_shared<EchoNarrative>());
        const json p = json::parse(params.toStdString());
        const auto err = engine->validate(AnalysisRequest { listingId, type, p, {}, {} });
        if (field.isEmpty()) {
            QVERIFY2(!err, err ? qPrintable(err->message) : "");
            return;
        }
        QVERIFY(err);
        QCOMPARE(err->field, field);
        QVERIFY2(err->message.contains(messagePart), qPrintable(err->message));
        // run() refuses the same job with a permanent error naming the field.
        AnalysisRequest j;
        j.listingId = listingId;
        j.analysisType = type;
        j.params = p;
        try {
            engine->run(j, {}, {});
            QFAIL("run() accepted an invalid job");
        } catch (const AnalysisError &e) {
            QCOMPARE(e.kind(), AnalysisError::Kind::Permanent);
            QVERIFY2(e.message().startsWith(field + QStringLiteral(": ")), qPrintable(e.message()));
        }
    }

    void snapshotListingIsAnalysedInsteadOfTheCatalogs()
    {
        const auto engine = testcatalog::engine();
        // Not in the catalog: only the snapshot makes it analysable.
        AnalysisRequest request = testcatalog::job("desk-1", "valuation");
        QCOMPARE(engine->validate(request)->field, QStringLiteral("listingId"));
        request.listing
            = testcatalog::make("desk-1", "Desk Diner", "Food and Restaurants", 500'000, 200'000, 1'000'000);
        QVERIFY(!engine->validate(request));
        const json fromSnapshot = runJob(*engine, request);
        const json fromCatalog = runJob(*engine, testcatalog::job("a", "valuation"));
        // The same figures as the catalog's reference deal "a", so the same valuation.
        JCOMPARE(fromSnapshot["blendedRange"], fromCatalog["blendedRange"]);
        JCOMPARE(fromSnapshot["metrics"]["sdeMultiple"], 2.5);

        // A snapshot wins over the catalog's listing of the same id.
        AnalysisRequest changed = testcatalog::job("a", "valuation");
        changed.listing = testcatalog::make("a", "Joe's Diner", "Food and Restaurants", 800'000, 200'000, 1'000'000);
        JCOMPARE(runJob(*engine, changed)["metrics"]["sdeMultiple"], 4.0);

        // The snapshot must be the listing named, with a title.
        changed.listing->id = QStringLiteral("b");
        QCOMPARE(engine->validate(changed)->field, QStringLiteral("listing.id"));
        QVERIFY_THROWS_EXCEPTION(AnalysisError, runJob(*engine, changed));
        changed.listing->id = QStringLiteral("a");
        changed.listing->title = QStringLiteral("  ");
        QCOMPARE(engine->validate(changed)->field, QStringLiteral("listing.title"));
    }

    void defaultProviderMustExist()
    {
        const auto engine = testcatalog::engine();
        engine->setDefaultProvider(QStringLiteral("echo"));
        const auto err = engine->validate(
            AnalysisRequest { QStringLiteral("a"), QStringLiteral("valuation"), json::object(), {}, {} });
        QVERIFY(err);
        QCOMPARE(err->field, QStringLiteral("params.provider"));
        engine->registerProvider(std::make_shared<EchoNarrative>());
        QVERIFY(!engine->validate(
            AnalysisRequest { QStringLiteral("a"), QStringLiteral("valuation"), json::object(), {}, {} }));
        QCOMPARE(engine->providerNames(), (QStringList { QStringLiteral("builtin"), QStringLiteral("echo") }));
        // An explicit "builtin" overrides the default provider.
        QVERIFY(!engine->validate(AnalysisRequest {
            QStringLiteral("a"), QStringLiteral("valuation"), json { { "provider", "builtin" } }, {}, {} }));
    }

    void narrativeProviderRunsLast()
    {
        const auto engine = testcatalog::engine();
        engine->registerProvider(std::make_shared<EchoNarrative>());
        const json params { { "provider", "echo" } };
        const auto steps = engine->steps(AnalysisType::Valuation, params);
        QCOMPARE(steps.last().id, QStringLiteral("narrative"));
        QCOMPARE(engine->steps(AnalysisType::Valuation).last().id, QStringLiteral("summary"));

        const json builtin = runJob(*engine, testcatalog::job("a", "valuation"));
        const json r = runJob(*engine, testcatalog::job("a", "valuation", params));
        JCOMPARE(r["engine"], "echo-model");
        JCOMPARE(r["summary"], "echo: score " + std::to_string(builtin["score"].get<int>()));
        // The numbers are the engine's, untouched by the provider.
        JCOMPARE(r["metrics"], builtin["metrics"]);
        JCOMPARE(r["blendedRange"], builtin["blendedRange"]);

        // The default provider applies when params name none.
        engine->setDefaultProvider(QStringLiteral("echo"));
        JCOMPARE(runJob(*engine, testcatalog::job("a", "risk_assessment"))["engine"], "echo-model");
    }

    void summariesNameTheFigures()
    {
        const auto engine = testcatalog::engine();
        const QString market = qstr(runJob(*engine, testcatalog::job("a", "market_intelligence"))["summary"]);
        // Percentiles 58.3, 41.7 and 25.0 of the marketPercentilesAmongSameSector test.
        QVERIFY2(market.contains(QStringLiteral("price at the 58th percentile (of 6)")), qPrintable(market));
        QVERIFY2(market.contains(QStringLiteral("SDE multiple at the 42nd percentile")), qPrintable(market));
        QVERIFY2(market.contains(QStringLiteral("cash-flow margin at the 25th percentile")), qPrintable(market));
        const QString risk = qstr(runJob(*engine, testcatalog::job("b", "risk_assessment"))["summary"]);
        QVERIFY2(risk.contains(QStringLiteral("Risk level high with 4 red flags; the most serious: DSCR 0.76")),
            qPrintable(risk));
        const QString overview = qstr(runJob(*engine, testcatalog::job("a", "business_analysis"))["summary"]);
        QVERIFY2(overview.contains(QStringLiteral("Strengths: Cash flow covers the debt service 2.74 times")),
            qPrintable(overview));
        QVERIFY2(overview.startsWith(
                     QStringLiteral("Joe's Diner asks $500,000 for $200,000 of cash flow (SDE multiple 2.50× vs 2.00× "
                                    "for Food and Restaurants).")),
            qPrintable(overview));
        QVERIFY(overview.endsWith(QStringLiteral("Score 79/100.")));
    }

    void hostileTextIsSerializable()
    {
        const auto engine = testcatalog::engine();
        const json r = runJob(*engine, testcatalog::job("text", "business_analysis"));
        const std::string dumped = r.dump(); // throws on invalid UTF-8
        QVERIFY(json::parse(dumped) == r);
        const QString summary = qstr(r["summary"]);
        QVERIFY2(summary.startsWith(QStringLiteral("Gizmo \"Ol\u00e9\"")), qPrintable(summary));
        QVERIFY(summary.size() < 1000);
        QCOMPARE(r["metrics"]["businessAgeYears"].get<int>(), 27); // 2026 − 1999
    }

    void formatting()
    {
        QCOMPARE(ResultJson::formatMoney(1200624), QStringLiteral("$1,200,624"));
        QCOMPARE(ResultJson::formatMoney(-50000.4), QStringLiteral("-$50,000"));
        QCOMPARE(ResultJson::formatMultiple(2.5), QStringLiteral("2.50×"));
        QCOMPARE(ResultJson::formatPercent(0.2444), QStringLiteral("24.4 %"));
        QCOMPARE(ResultJson::formatOrdinal(1), QStringLiteral("1st"));
        QCOMPARE(ResultJson::formatOrdinal(2.4), QStringLiteral("2nd"));
        QCOMPARE(ResultJson::formatOrdinal(3), QStringLiteral("3rd"));
        QCOMPARE(ResultJson::formatOrdinal(11), QStringLiteral("11th"));
        QCOMPARE(ResultJson::formatOrdinal(12.5), QStringLiteral("13th"));
        QCOMPARE(ResultJson::formatOrdinal(21), QStringLiteral("21st"));
        QCOMPARE(ResultJson::formatOrdinal(100), QStringLiteral("100th"));
        QCOMPARE(ResultJson::formatOrdinal(0), QStringLiteral("0th"));
        JCOMPARE(ResultJson::ratio(-0.00001), json(0.0));
        QVERIFY(!std::signbit(ResultJson::ratio(-0.00001).get<double>()));
        QVERIFY(ResultJson::ratio(std::nan("")).is_null());
        QVERIFY(ResultJson::money(std::numeric_limits<double>::infinity()).is_null());
    }

    void concurrentRunsMatchSequentialOnes()
    {
        const auto engine = testcatalog::engine();
        QList<AnalysisRequest> jobs;
        for (const char *id : { "a", "b", "c", "z", "svc", "p1" })
            for (const QString &type : analysisTypeNames()) {
                AnalysisRequest j = testcatalog::job(id, "x");
                j.analysisType = type;
                jobs << j;
            }
        QList<std::string> expected;
        for (const AnalysisRequest &j : jobs)
            expected << runJob(*engine, j).dump();

        std::atomic_int mismatches { 0 };
        QList<QThread *> threads;
        for (int t = 0; t < 4; ++t) {
            threads << QThread::create([&, t] {
                for (int round = 0; round < 5; ++round)
                    for (qsizetype i = 0; i < jobs.size(); ++i) {
                        const qsizetype k = (i + t * 7) % jobs.size();
                        if (runJob(*engine, jobs[k]).dump() != expected[k])
                            ++mismatches;
                    }
            });
            threads.last()->start();
        }
        // Replacing the catalog while analyses run is safe; running ones keep their snapshot.
        for (int i = 0; i < 20; ++i)
            engine->setCatalog(testcatalog::catalog());
        for (QThread *t : threads) {
            QVERIFY(t->wait(120000));
            delete t;
        }
        QCOMPARE(mismatches.load(), 0);
    }
};

QTEST_GUILESS_MAIN(TestAnalysisEngine)
#include "tst_analysisengine.moc"
