#include "analysis/MarketSteps.h"

#include "analysis/AnalysisContext.h"
#include "analysis/ResultJson.h"
#include "benchmarks/BenchmarkTable.h"
#include "common/JsonQt.h"
#include "domain/ListingCatalog.h"

namespace dealscope {

using json = nlohmann::json;

PipelineStep MarketSteps::sector()
{
    return {{QStringLiteral("sector"), QStringLiteral("Determining the sector…"), 1.0}, [](AnalysisContext &ctx) {
                json &s = ctx.state();
                const Listing &l = ctx.listing();
                const BenchmarkTable &bt = ctx.benchmarks();
                // The same sector the catalog files the listing under, so the percentiles below rank
                // it in the sample it belongs to.
                const QString name = ctx.catalog().sectorOf(l);
                const bool declared = ctx.catalog().declaresSector(l);
                json sec{{"name", name}, {"inferred", !name.isEmpty() && !declared},
                         {"basis", name.isEmpty() ? "none" : declared ? "industry" : "keywords"}};
                s["typeResult"]["sector"] = std::move(sec);

                json bench = nullptr;
                if (!name.isEmpty()) {
                    if (const auto sb = bt.sector(name)) {
                        bench = json{
                            {"sector", sb->sector},
                            {"sdeMultiple", ResultJson::ratio(sb->sdeMultiple)},
                            {"revenueMultiple", ResultJson::ratio(sb->revenueMultiple)},
                            {"medianSalePrice", ResultJson::integer(sb->medianSalePrice)},
                            {"medianRevenue", ResultJson::integer(sb->medianRevenue)},
                            {"medianCashFlow", ResultJson::integer(sb->medianCashFlow)},
                            {"source", sb->source},
                        };
                    }
                }
                s["typeResult"]["sectorBenchmarks"] = std::move(bench);
                if (name.isEmpty())
                    s["findings"].push_back(ResultJson::finding("info", "sector_unknown",
                        QStringLiteral("The sector could not be determined from the industry, title or description; "
                                       "the listing is not ranked against other listings.")));
                else if (!declared)
                    s["findings"].push_back(ResultJson::finding("info", "sector_inferred",
                        QStringLiteral("The sector %1 was inferred from the listing text, not declared.").arg(name)));
            }};
}

PipelineStep MarketSteps::percentiles()
{
    return {{QStringLiteral("percentiles"), QStringLiteral("Ranking against listings of the same sector…"), 2.0},
            [](AnalysisContext &ctx) {
                json &s = ctx.state();
                const json &m = s["metrics"];
                const QString name = qstr(s["typeResult"]["sector"]["name"]);
                const ListingCatalog::SectorSample *sample = name.isEmpty() ? nullptr : ctx.catalog().sample(name);

                auto rank = [&](const char *metric, const QList<double> *sorted, int decimals) {
                    const auto value = ResultJson::num(m, metric);
                    const qsizetype n = sorted ? sorted->size() : 0;
                    std::optional<double> pct;
                    if (value && sorted)
                        pct = ListingCatalog::percentileRank(*sorted, *value);
                    return json{{"value", decimals < 0 ? ResultJson::money(value) : ResultJson::ratio(value, decimals)},
                                {"percentile", ResultJson::ratio(pct, 1)},
                                {"sampleSize", n}};
                };
                json pc{
                    {"askingPrice", rank("askingPrice", sample ? &sample->askingPrices : nullptr, -1)},
                    {"sdeMultiple", rank("sdeMultiple", sample ? &sample->sdeMultiples : nullptr, 4)},
                    {"cashFlowMargin", rank("cashFlowMargin", sample ? &sample->cashFlowMargins : nullptr, 4)},
                };
                s["typeResult"]["percentiles"] = std::move(pc);
                s["typeResult"]["sampleSize"] = sample ? sample->askingPrices.size() : 0;
                if (!name.isEmpty() && (!sample || sample->askingPrices.size() < 5))
                    s["findings"].push_back(ResultJson::finding("info", "small_sector_sample",
                        QStringLiteral("Only %1 loaded listing(s) of sector %2 have a price: percentiles are indicative only.")
                            .arg(sample ? sample->askingPrices.size() : 0)
                            .arg(name)));
            }};
}

} // namespace dealscope
