#pragma once

#include "domain/Listing.h"

#include <QHash>
#include <QList>
#include <QString>

#include <functional>
#include <optional>
#include <vector>

namespace dealscope {

// What the listings table is filtered by (search box, industry, state, price range).
struct ListingQuery final
{
    QString search; // trimmed; case-insensitive substring of title, id, location, industry
    QString industry; // empty = all
    QString state; // empty = all
    std::optional<qint64> minPrice;
    std::optional<qint64> maxPrice;

    bool isEmpty() const { return search.isEmpty() && industry.isEmpty() && state.isEmpty() && !minPrice && !maxPrice; }
    bool accepts(const Listing &l) const { return acceptsFacets(l) && (search.isEmpty() || matchesSearch(l)); }
    bool acceptsFacets(const Listing &l) const; // industry, state, price
    bool matchesSearch(const Listing &l) const;
    // What the search looks in, case-folded once per listing: a search is then a plain substring test.
    static QString searchText(const Listing &l);
    bool operator==(const ListingQuery &) const = default;
};

// The latest score of each listing: a big table replaced whole (the library's scores of every
// listing) and the scores that came since. A worker sorting by score holds a copy of both; the
// GUI thread then only ever detaches the small one when the next score comes in.
struct ListingScores final
{
    QHash<QString, double> base;
    QHash<QString, double> recent;

    std::optional<double> of(const QString &listingId) const
    {
        if (const auto it = recent.constFind(listingId); it != recent.constEnd())
            return *it;
        if (const auto it = base.constFind(listingId); it != base.constEnd())
            return *it;
        return std::nullopt;
    }
};

// What the rows can be sorted by (the listings table's columns).
enum class ListingSortKey { None, Id, Title, Industry, State, AskingPrice, GrossRevenue, CashFlow, SdeMultiple, Score };

// asking price / cash flow, when both are known and cash flow is positive.
std::optional<double> sdeMultipleOf(const Listing &l);

// The full order of `listings` by `key`: a permutation of their indexes. Ties keep their order
// (stable), unknown values go last in both directions, text compares case-insensitively.
// `scores` is read for ListingSortKey::Score only. Returns false, leaving
// `perm` unspecified, as soon as `stop()` says the result is no longer wanted.
bool sortListings(const QList<Listing> &listings, const ListingScores &scores, ListingSortKey key, bool ascending,
    std::vector<int> &perm, const std::function<bool()> &stop);

} // namespace dealscope
