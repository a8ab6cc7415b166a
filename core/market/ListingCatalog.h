#pragma once

#include "domain/Listing.h"

#include <QHash>
#include <QList>
#include <QString>

#include <memory>
#include <optional>

namespace dealscope {

class BenchmarkTable;
struct BenchmarkMatch;

// An immutable, indexed set of loaded listings, shared between threads through
// std::shared_ptr<const ListingCatalog>. Holds the per-sector samples that market_intelligence
// ranks a listing against.
class ListingCatalog final
{
public:
    ListingCatalog(QList<Listing> listings, std::shared_ptr<const BenchmarkTable> benchmarks);

    const QList<Listing> &listings() const { return m_listings; }
    const Listing *find(QStringView id) const;
    qsizetype size() const { return m_listings.size(); }
    const BenchmarkTable &benchmarks() const { return *m_benchmarks; }
    std::shared_ptr<const BenchmarkTable> benchmarksPtr() const { return m_benchmarks; }

    QString sectorOf(const Listing &listing) const; // cached BenchmarkTable::sectorOf
    // Cached BenchmarkTable::lookup (a reference into the table, valid while this catalog lives).
    const BenchmarkMatch &benchmarkOf(const Listing &listing) const;
    // Whether the listing declares (not infers) an industry that names a sector: the sector came
    // from BenchmarkTable::sectorForIndustry, not from keywords. Cached.
    bool declaresSector(const Listing &listing) const;

    // Sorted samples of the listings of one sector (values only where known and meaningful).
    struct SectorSample final
    {
        QList<double> askingPrices;
        QList<double> sdeMultiples; // askingPrice / cashFlow, cashFlow > 0
        QList<double> cashFlowMargins; // cashFlow / grossRevenue, revenue > 0
        QList<double> revenueMultiples; // askingPrice / grossRevenue, revenue > 0 (the desktop's charts)
    };
    const SectorSample *sample(const QString &sector) const;

    // Percentile rank (0–100) of `value` in a sorted sample: share of values strictly below plus
    // half the ties. nullopt for an empty sample.
    static std::optional<double> percentileRank(const QList<double> &sorted, double value);

private:
    // What every analysis of a listing looks up in the benchmark table, resolved once at
    // construction (the catalog is immutable and shared by worker threads, so no lazy cache).
    struct Facts final
    {
        QString sector;
        const BenchmarkMatch *benchmark = nullptr;
        bool declaresSector = false;
    };
    const Facts *factsOf(const Listing &listing) const; // nullptr for a listing not of this catalog

    QList<Listing> m_listings;
    std::shared_ptr<const BenchmarkTable> m_benchmarks;
    QHash<QString, qsizetype> m_indexById;
    QList<Facts> m_facts; // per m_listings index
    QHash<QString, SectorSample> m_samples;
};

} // namespace dealscope
