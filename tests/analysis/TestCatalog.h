#pragma once

// A small, hand-made benchmark table and catalog whose numbers the tests compute by hand.

#include "analysis/AnalysisEngine.h"
#include "benchmarks/BenchmarkTable.h"
#include "market/ListingCatalog.h"

#include <cmath>
#include <memory>

namespace testcatalog {

using namespace dealscope;

inline std::shared_ptr<const BenchmarkTable> benchmarks()
{
    // Food and Restaurants: SDE 2.00×, revenue 0.40×; Service Businesses: SDE 2.50×, revenue 0.80×;
    // industry Pizza Restaurants: SDE 2.40×, revenue 0.50×; all sectors: SDE 2.60×, revenue 0.60×.
    static const auto table
        = BenchmarkTable::fromCsv("level,sector,industry,revenue_multiple,sde_multiple,median_sale_price,source\n"
                                  "sector,Food and Restaurants,,0.40,2.00,200000,test table\n"
                                  "sector,Service Businesses,,0.80,2.50,350000,test table\n"
                                  "industry,Food and Restaurants,Pizza Restaurants,0.50,2.40,250000,test table\n",
            "sector,sold_listings_analyzed,median_sale_price,median_asking_price,median_revenue,median_owner_earnings,"
            "avg_revenue_multiple,avg_earnings_multiple,median_days_on_market,source_url,data_window\n"
            "All (2025),100,300000,,700000,150000,0.60,2.60,,https://example.test/all,calendar 2025\n");
    return table;
}

inline Listing make(const char *id, const char *title, const char *industry, std::optional<qint64> price,
    std::optional<qint64> cashFlow, std::optional<qint64> revenue, std::optional<int> year = std::nullopt)
{
    Listing l;
    l.id = QString::fromUtf8(id);
    l.title = QString::fromUtf8(title);
    l.industry = QString::fromUtf8(industry);
    l.askingPrice = price;
    l.cashFlow = cashFlow;
    l.grossRevenue = revenue;
    l.yearEstablished = year;
    return l;
}

// "a" is the reference deal of the formula tests: asking 500,000, cash flow 200,000, revenue 1,000,000,
// established 2001, sector Food and Restaurants. p1–p3 are its sector peers; "svc" is in another sector.
inline QList<Listing> listings()
{
    Listing a = make("a", "Joe's Diner", "Food and Restaurants", 500'000, 200'000, 1'000'000, 2001);
    a.ebitda = 150'000;
    return {
        a,
        make("p1", "Corner Cafe", "Food and Restaurants", 100'000, 50'000, 200'000, 2015), // SDE 2.0, margin 0.25
        make("p2", "Family Restaurant", "Food and Restaurants", 300'000, 100'000, 1'000'000), // SDE 3.0, margin 0.10
        make("p3", "Steakhouse", "Food and Restaurants", 700'000, 200'000, 400'000), // SDE 3.5, margin 0.50
        make("svc", "Cleaning Company", "Service Businesses", 500'000, 100'000, 400'000, 2010),
        // Overpriced, thin, young: the risk example.
        make("b", "Tiny Shop", "Service Businesses", 900'000, 100'000, 2'000'000, 2025),
        // Nothing but a title.
        make("c", "Mystery Business", "", std::nullopt, std::nullopt, std::nullopt),
        // Hostile figures: zero and negative money, a year in the future.
        [] {
            Listing l = make("z", "Zero Inc", "Pizza Restaurants", 0, -50'000, 0, 3000);
            l.ebitda = -1;
            return l;
        }(),
        make("neg", "Negative Price", "", -5, 0, -7, 1200),
        make("huge", "Huge Numbers", "Food and Restaurants", 9'000'000'000'000'000'000LL, 1, 1, 2000),
        make("tiny", "Tiny Numbers", "Food and Restaurants", 1, 9'000'000'000'000'000'000LL, 1, 2026),
        // Hostile text: a lone surrogate, a NUL, quotes and a very long title.
        [] {
            Listing l = make("text", "", "\"<Widgets>\" & Co", 250'000, 100'000, 500'000, 1999);
            l.title = QStringLiteral("Gizmo \"Ol\u00e9\" \U0001F9E9 ") + QChar(0xD800) + QChar(0)
                + QString(20000, QLatin1Char('x'));
            l.description = QString(50000, QLatin1Char('y'));
            return l;
        }(),
    };
}

inline std::shared_ptr<const ListingCatalog> catalog()
{
    return std::make_shared<const ListingCatalog>(listings(), benchmarks());
}

inline std::unique_ptr<AnalysisEngine> engine()
{
    auto e = std::make_unique<AnalysisEngine>(benchmarks(), catalog());
    e->setCurrentYearSource([] { return 2026; });
    return e;
}

inline AnalysisRequest job(const char *listingId, const char *type, nlohmann::json params = nlohmann::json::object())
{
    AnalysisRequest j;
    j.label = QStringLiteral("job-") + QString::fromUtf8(listingId) + QLatin1Char('-') + QString::fromUtf8(type);
    j.listingId = QString::fromUtf8(listingId);
    j.analysisType = QString::fromUtf8(type);
    j.params = std::move(params);
    return j;
}

// True when no number anywhere in `j` is NaN or infinite.
inline bool allFinite(const nlohmann::json &j)
{
    if (j.is_number_float())
        return std::isfinite(j.get<double>());
    if (j.is_structured())
        for (const auto &v : j)
            if (!allFinite(v))
                return false;
    return true;
}

} // namespace testcatalog
