#include "analysis/MarketSteps.h"

#include "analysis/AnalysisContext.h"
#include "analysis/ResultJson.h"
#include "benchmarks/BenchmarkTable.h"
#include "common/JsonQt.h"
#include "market/ListingCatalog.h"

namespace dealscope {

using json = nlohmann::json;

PipelineStep MarketSteps::sector()
{
    return { { QStringLiteral("sector"), QStringLiteral("Determining the sector…"), 1.0 },
        [](AnalysisContext &ctx) {
            json &s = ctx.state();
            const Listing &l = ctx.listing();
            const BenchmarkTable &bt = ctx.benchmarks();
            // The same sector the catalog files the listing under, so the percentiles below rank
            // it in the sample it belongs to.
            const QString name = ctx.catalog().sectorOf(l);
            const bool declared = ctx.catalog().declaresSector(l);
            // Member by member: nlohmann's initializer lists copy a two-element array per member.
            json sec = json::object();
            sec.emplace("name", ResultJson::text(name));
            sec.emplace("inferred", !name.isEmpty() && !declared);
            sec.emplace("basis", name.isEmpty() ? "none" : declared ? "industry" : "keywords");
            ResultJson::slot(s, "typeResult")["sector"] = std::move(sec);

            json bench = nullptr;
            if (!name.isEmpty()) {
                if (const auto sb = bt.sector(name)) {
                    bench = json::object();
                    bench.emplace("sector", ResultJson::text(sb->sector));
                    bench.emplace("sdeMultiple", ResultJson::ratio(sb->sdeMultiple));
                    bench.emplace("revenueMultiple", ResultJson::ratio(sb->revenueMultiple));
                    bench.emplace("medianSalePrice", ResultJson::integer(sb->medianSalePrice));
                    bench.emplace("medianRevenue", ResultJson::integer(sb->medianRevenue));
                    bench.emplace("medianCashFlow", ResultJson::integer(sb->medianCashFlow));
                    bench.emplace("source", ResultJson::text(sb->source));
                }
            }
            ResultJson::slot(s, "typeResult")["sectorBenchmarks"] = std::move(bench);
            if (name.isEmpty())
                ResultJson::slot(s, "findings")
                    .push_back(ResultJson::finding("info", "sector_unknown",
                        QStringLiteral("The sector could not be determined from the industry, title or description; "
                                       "the listing is not ranked against other listings.")));
            else if (!declared)
                ResultJson::slot(s, "findings")
                    .push_back(ResultJson::finding("info", "sector_inferred",
                        QStringLiteral("The sector ") + name
                            + QStringLiteral(" was inferred from the listing text, not declared.")));
        } };
}

PipelineStep MarketSteps::percentiles()
{
    return { { QStringLiteral("percentiles"), QStringLiteral("Ranking against listings of the same sector…"), 2.0 },
        [](AnalysisContext &ctx) {
            json &s = ctx.state();
            const json &m = ResultJson::slot(s, "metrics");
            const QString name = qstr(ResultJson::slot(s, "typeResult")["sector"]["name"]);
            const ListingCatalog::SectorSample *sample = name.isEmpty() ? nullptr : ctx.catalog().sample(name);

            auto rank = [&](const char *metric, const QList<double> *sorted, int decimals) {
                const auto value = ResultJson::num(m, metric);
                const qsizetype n = sorted ? sorted->size() : 0;
                std::optional<double> pct;
                if (value && sorted)
                    pct = ListingCatalog::percentileRank(*sorted, *value);
                json r = json::object();
                r.emplace("value", decimals < 0 ? ResultJson::money(value) : ResultJson::ratio(value, decimals));
                r.emplace("percentile", ResultJson::ratio(pct, 1));
                r.emplace("sampleSize", n);
                return r;
            };
            json pc = json::object();
            pc.emplace("askingPrice", rank("askingPrice", sample ? &sample->askingPrices : nullptr, -1));
            pc.emplace("sdeMultiple", rank("sdeMultiple", sample ? &sample->sdeMultiples : nullptr, 4));
            pc.emplace("cashFlowMargin", rank("cashFlowMargin", sample ? &sample->cashFlowMargins : nullptr, 4));
            ResultJson::slot(s, "typeResult")["percentiles"] = std::move(pc);
            ResultJson::slot(s, "typeResult")["sampleSize"] = sample ? sample->askingPrices.size() : 0;
            if (!name.isEmpty() && (!sample || sample->askingPrices.size() < 5))
                ResultJson::slot(s, "findings")
                    .push_back(ResultJson::finding("info", "small_sector_sample",
                        QStringLiteral("Only ") + QString::number(sample ? sample->askingPrices.size() : 0)
                            + QStringLiteral(" loaded listing(s) of sector ") + name
                            + QStringLiteral(" have a price: percentiles are indicative only.")));
        } };
}

} // namespace dealscope
