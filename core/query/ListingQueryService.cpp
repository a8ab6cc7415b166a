#include "query/ListingQueryService.h"

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

ListingQueryService::ListingQueryService(QObject *parent)
    : QObject(parent)
    , m_latest(std::make_shared<std::atomic<quint64>>(0))
    , m_worker(u"dealscope-listing-query"_s, 1)
{ }

ListingQueryService::~ListingQueryService()
{
    // The running computation sees it is superseded and stops; m_worker then waits for it.
    m_latest->store(~quint64(0));
}

void ListingQueryService::supersede()
{
    m_latest->store(++m_generation);
}

void ListingQueryService::waitForIdle()
{
    m_worker.waitForIdle();
}

ListingQueryService::Reusable ListingQueryService::reusableFor(const ListingQueryInput &input) const
{
    Reusable r;
    const size_t n = size_t(input.listings.size());
    if (m_order && m_orderKey == input.sortKey && m_orderAscending == input.ascending
        && m_orderListingsVersion == input.listingsVersion
        && (input.sortKey != ListingSortKey::Score || m_orderScoresVersion == input.scoresVersion)
        && m_order->size() == n)
        r.order = m_order;
    if (m_searchTexts && m_searchTextsVersion == input.listingsVersion && m_searchTexts->size() == n)
        r.searchTexts = m_searchTexts;
    return r;
}

void ListingQueryService::keep(const ListingQueryInput &labels, const Reusable &made)
{
    // Kept even when the result is superseded (the next request can use them), labelled with what
    // they were computed for; never replacing what was made for newer rows.
    if (made.searchTexts && labels.listingsVersion >= m_searchTextsVersion) {
        m_searchTexts = made.searchTexts;
        m_searchTextsVersion = labels.listingsVersion;
    }
    if (made.order && labels.sortKey != ListingSortKey::None && labels.listingsVersion >= m_orderListingsVersion) {
        m_order = made.order;
        m_orderKey = labels.sortKey;
        m_orderAscending = labels.ascending;
        m_orderListingsVersion = labels.listingsVersion;
        m_orderScoresVersion = labels.scoresVersion;
    }
}

std::optional<ListingQueryResult> ListingQueryService::compute(
    const ListingQueryInput &input, Reusable &reuse, const std::function<bool()> &stop)
{
    const qsizetype count = input.listings.size();
    if (!reuse.order && input.sortKey != ListingSortKey::None) {
        std::vector<int> perm;
        if (!sortListings(input.listings, input.scores, input.sortKey, input.ascending, perm, stop))
            return std::nullopt;
        reuse.order = std::make_shared<const std::vector<int>>(std::move(perm));
    }
    if (stop())
        return std::nullopt;
    const QString needle = input.filters.search.toCaseFolded();
    const bool bySearchText = !needle.isEmpty() && !needle.contains(u'\n');
    if (bySearchText && !reuse.searchTexts) {
        std::vector<QString> made(static_cast<size_t>(count));
        for (qsizetype i = 0; i < count; ++i)
            made[size_t(i)] = ListingQuery::searchText(input.listings.at(i));
        reuse.searchTexts = std::make_shared<const std::vector<QString>>(std::move(made));
        if (stop())
            return std::nullopt;
    }
    const auto accepts = [&](int row) {
        const Listing &l = input.listings.at(row);
        if (!input.filters.acceptsFacets(l))
            return false;
        if (needle.isEmpty())
            return true;
        return bySearchText ? (*reuse.searchTexts)[size_t(row)].contains(needle, Qt::CaseSensitive)
                            : input.filters.matchesSearch(l);
    };
    ListingQueryResult result;
    result.shownAt.assign(size_t(count), -1);
    result.rows.reserve(size_t(count));
    const std::vector<int> *order = input.sortKey != ListingSortKey::None ? reuse.order.get() : nullptr;
    for (qsizetype i = 0; i < count; ++i) {
        const int row = order ? (*order)[size_t(i)] : int(i);
        if (accepts(row)) {
            result.shownAt[size_t(row)] = int(result.rows.size());
            result.rows.push_back(row);
        }
    }
    if (stop())
        return std::nullopt;
    return result;
}

void ListingQueryService::request(ListingQueryInput input, Done done)
{
    const quint64 generation = ++m_generation;
    m_latest->store(generation);
    Reusable reuse = reusableFor(input);
    ListingQueryInput labels; // what the reusable parts are labelled with (no rows: O(1))
    labels.listingsVersion = input.listingsVersion;
    labels.scoresVersion = input.scoresVersion;
    labels.sortKey = input.sortKey;
    labels.ascending = input.ascending;

    struct Output
    {
        std::optional<ListingQueryResult> result;
        Reusable made;
    };
    const auto latest = m_latest;
    m_worker.run(
        [input = std::move(input), reuse, generation, latest]() mutable {
            Output out;
            const auto stop = [&] { return latest->load() != generation; };
            if (stop())
                return out; // superseded while queued (e.g. four filter setters in a row): no full pass
            out.made = reuse;
            out.result = compute(input, out.made, stop);
            // The snapshot's references are dropped here, on the worker, not on the GUI thread.
            input = ListingQueryInput {};
            return out;
        },
        [this, generation, labels, done = std::move(done)](Output out) {
            keep(labels, out.made);
            if (generation != m_generation || !out.result)
                return; // superseded: a newer request is on its way
            done(std::move(*out.result));
        });
}

} // namespace dealscope
