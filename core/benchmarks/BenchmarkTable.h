#pragma once

#include "domain/Listing.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace dealscope {

struct SectorBenchmark final
{
    QString sector; // "Food and Restaurants"
    std::optional<double> sdeMultiple; // average asking/sold price ÷ SDE
    std::optional<double> revenueMultiple;
    std::optional<qint64> medianSalePrice;
    std::optional<qint64> medianRevenue;
    std::optional<qint64> medianCashFlow;
    QString source; // citation shown in the UI and stored in results
};

struct IndustryBenchmark final
{
    QString sector;
    QString industry; // "Car Washes"
    std::optional<double> sdeMultiple;
    std::optional<double> revenueMultiple;
    std::optional<qint64> medianSalePrice;
    QString source;
};

// The benchmark a listing is measured against: industry row if its industry matches one,
// else its sector, else the all-sector figures.
struct BenchmarkMatch final
{
    QString level; // "industry" | "sector" | "all"
    QString sector;
    QString industry; // empty unless level == "industry"
    std::optional<double> sdeMultiple;
    std::optional<double> revenueMultiple;
    std::optional<qint64> medianSalePrice;
    QString source;
};

// Sector and industry benchmark tables shipped in resources/benchmarks (from ../shared/data/benchmarks,
// with their sources). Immutable once loaded; safe to share between threads.
class BenchmarkTable final
{
public:
    // Loads the tables compiled into the resources (":/benchmarks/…"). Cached; thread-safe.
    static std::shared_ptr<const BenchmarkTable> builtin();
    // Parses the two CSV files of ../shared/data/benchmarks format; throws std::runtime_error on bad files.
    static std::shared_ptr<const BenchmarkTable> fromCsv(
        const QByteArray &industryMultiplesCsv, const QByteArray &sectorBenchmarksCsv);

    QStringList sectorNames() const; // the sector list used for inference
    std::optional<SectorBenchmark> sector(QStringView name) const; // case/punctuation-insensitive
    std::optional<IndustryBenchmark> industry(QStringView name) const; // case/punctuation-insensitive
    SectorBenchmark allSectors() const; // the "All" row
    const QList<IndustryBenchmark> &industries() const { return m_industries; } // file order

    // The sector a free-text industry ("Restaurant", "Car Washes", "Food and Restaurants") belongs to,
    // or empty when nothing matches.
    QString sectorForIndustry(QStringView industry) const;
    // Keyword inference from title and description into one of sectorNames(); empty when unsure.
    QString inferSector(QStringView title, QStringView description) const;

    // The sector of a listing: from its industry, else inferred; empty when neither works.
    QString sectorOf(const Listing &listing) const;
    BenchmarkMatch lookup(const Listing &listing) const;
    // lookup() without building a match: a reference into the table (valid while the table
    // lives). A caller that already has sectorOf(listing) passes it to skip the second inference.
    const BenchmarkMatch &matchFor(const Listing &listing, std::optional<QString> sectorOfListing = std::nullopt) const;

private:
    BenchmarkTable() = default;
    void precompute();
    qsizetype industryRow(QString key) const; // index into m_industries, -1 when none matches
    QList<SectorBenchmark> m_sectors;
    QList<IndustryBenchmark> m_industries;
    SectorBenchmark m_all;
    QHash<QString, qsizetype> m_sectorByKey;
    QHash<QString, qsizetype> m_industryByKey;
    // Derived once from the rows above (precompute()), because analyses look them up per job.
    QList<QString> m_sectorKeys; // nameKey() of m_sectors[i].sector
    QList<qsizetype> m_keywordSectorRows; // SectorKeywords sector index → m_sectors index or -1
    QList<BenchmarkMatch> m_industryMatches; // per m_industries row
    QList<BenchmarkMatch> m_sectorMatches; // per m_sectors row
    BenchmarkMatch m_allMatch; // level "all"
    BenchmarkMatch m_allAsSectorMatch; // the "All" row found by a sector named "All"
};

} // namespace dealscope
