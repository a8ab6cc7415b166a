#include "market/ListingCatalog.h"

#include "benchmarks/BenchmarkTable.h"

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <utility>

namespace dealscope {

ListingCatalog::ListingCatalog(QList<Listing> listings, std::shared_ptr<const BenchmarkTable> benchmarks)
    : m_listings(std::move(listings))
    , m_benchmarks(std::move(benchmarks))
{
    if (!m_benchmarks)
        throw std::invalid_argument("ListingCatalog needs a benchmark table");
    m_indexById.reserve(m_listings.size());
    m_facts.reserve(m_listings.size());
    for (qsizetype i = 0; i < m_listings.size(); ++i) {
        // const: a non-const operator[] would detach, deep-copying every listing the caller shares.
        const Listing &l = std::as_const(m_listings)[i];
        // BenchmarkTable::sectorOf, split so that whether the industry named the sector comes free.
        Facts f;
        const QString fromIndustry = l.industry.isEmpty() ? QString() : m_benchmarks->sectorForIndustry(l.industry);
        f.sector = fromIndustry.isEmpty() ? m_benchmarks->inferSector(l.title, l.description) : fromIndustry;
        f.declaresSector = !fromIndustry.isEmpty() && !l.industryInferred;
        f.benchmark = &m_benchmarks->matchFor(l, f.sector);
        m_facts.append(f);
        // The importer makes ids unique; if a caller did not, the first listing keeps the id.
        if (m_indexById.contains(l.id))
            continue;
        m_indexById.insert(l.id, i);
        const QString &sector = f.sector;
        if (sector.isEmpty())
            continue;
        SectorSample &s = m_samples[sector];
        if (l.askingPrice && *l.askingPrice > 0)
            s.askingPrices.append(static_cast<double>(*l.askingPrice));
        if (l.askingPrice && l.cashFlow && *l.cashFlow > 0)
            s.sdeMultiples.append(static_cast<double>(*l.askingPrice) / static_cast<double>(*l.cashFlow));
        if (l.cashFlow && l.grossRevenue && *l.grossRevenue > 0)
            s.cashFlowMargins.append(static_cast<double>(*l.cashFlow) / static_cast<double>(*l.grossRevenue));
        if (l.askingPrice && l.grossRevenue && *l.grossRevenue > 0)
            s.revenueMultiples.append(static_cast<double>(*l.askingPrice) / static_cast<double>(*l.grossRevenue));
    }
    for (SectorSample &s : m_samples) {
        std::sort(s.askingPrices.begin(), s.askingPrices.end());
        std::sort(s.sdeMultiples.begin(), s.sdeMultiples.end());
        std::sort(s.cashFlowMargins.begin(), s.cashFlowMargins.end());
        std::sort(s.revenueMultiples.begin(), s.revenueMultiples.end());
    }
}

const Listing *ListingCatalog::find(QStringView id) const
{
    const auto it = m_indexById.constFind(id.toString());
    return it == m_indexById.cend() ? nullptr : &m_listings[*it];
}

const ListingCatalog::Facts *ListingCatalog::factsOf(const Listing &listing) const
{
    // The engine passes the catalog's own listing: found by its address, without hashing the id.
    const std::less<const Listing *> before;
    if (!before(&listing, m_listings.constData()) && before(&listing, m_listings.constData() + m_listings.size()))
        return &m_facts[&listing - m_listings.constData()];
    // An equal copy of one of ours has the same facts; anything else is computed by the caller.
    const auto it = m_indexById.constFind(listing.id);
    if (it != m_indexById.cend() && m_listings[*it] == listing)
        return &m_facts[*it];
    return nullptr;
}

QString ListingCatalog::sectorOf(const Listing &listing) const
{
    if (const Facts *f = factsOf(listing))
        return f->sector;
    return m_benchmarks->sectorOf(listing);
}

const BenchmarkMatch &ListingCatalog::benchmarkOf(const Listing &listing) const
{
    if (const Facts *f = factsOf(listing))
        return *f->benchmark;
    return m_benchmarks->matchFor(listing);
}

bool ListingCatalog::declaresSector(const Listing &listing) const
{
    if (const Facts *f = factsOf(listing))
        return f->declaresSector;
    return !listing.industry.isEmpty() && !listing.industryInferred
        && !m_benchmarks->sectorForIndustry(listing.industry).isEmpty();
}

const ListingCatalog::SectorSample *ListingCatalog::sample(const QString &sector) const
{
    const auto it = m_samples.constFind(sector);
    return it == m_samples.cend() ? nullptr : &*it;
}

std::optional<double> ListingCatalog::percentileRank(const QList<double> &sorted, double value)
{
    if (sorted.isEmpty())
        return std::nullopt;
    const auto lower = std::lower_bound(sorted.cbegin(), sorted.cend(), value);
    const auto upper = std::upper_bound(lower, sorted.cend(), value);
    const double below = static_cast<double>(lower - sorted.cbegin());
    const double ties = static_cast<double>(upper - lower);
    return 100.0 * (below + ties / 2.0) / static_cast<double>(sorted.size());
}

} // namespace dealscope
