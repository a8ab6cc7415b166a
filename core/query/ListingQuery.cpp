#include "query/ListingQuery.h"

#include <algorithm>
#include <numeric>

namespace dealscope {

namespace {
std::optional<double> moneyKey(const std::optional<qint64> &v)
{
    return v ? std::optional<double>(double(*v)) : std::nullopt;
}
} // namespace

bool ListingQuery::acceptsFacets(const Listing &l) const
{
    if (!industry.isEmpty() && l.industry.compare(industry, Qt::CaseInsensitive) != 0)
        return false;
    if (!state.isEmpty() && l.state.compare(state, Qt::CaseInsensitive) != 0)
        return false;
    if (minPrice || maxPrice) {
        // A price filter asks for a known price in the range.
        if (!l.askingPrice)
            return false;
        if (minPrice && *l.askingPrice < *minPrice)
            return false;
        if (maxPrice && *l.askingPrice > *maxPrice)
            return false;
    }
    return true;
}

bool ListingQuery::matchesSearch(const Listing &l) const
{
    return l.title.contains(search, Qt::CaseInsensitive) || l.id.contains(search, Qt::CaseInsensitive)
        || l.location.contains(search, Qt::CaseInsensitive) || l.industry.contains(search, Qt::CaseInsensitive);
}

QString ListingQuery::searchText(const Listing &l)
{
    // Fields joined by a line break, which a search (one line) cannot contain: no match spans two.
    return QString(l.title + u'\n' + l.id + u'\n' + l.location + u'\n' + l.industry).toCaseFolded();
}

std::optional<double> sdeMultipleOf(const Listing &l)
{
    if (l.askingPrice && l.cashFlow && *l.cashFlow > 0)
        return double(*l.askingPrice) / double(*l.cashFlow);
    return std::nullopt;
}

bool sortListings(const QList<Listing> &listings, const ListingScores &scores, ListingSortKey key, bool ascending,
    std::vector<int> &perm, const std::function<bool()> &stop)
{
    const qsizetype n = listings.size();
    perm.resize(size_t(n));
    std::iota(perm.begin(), perm.end(), 0);
    const auto byNumber = [&](auto keyOf) {
        std::vector<std::optional<double>> keys(static_cast<size_t>(n));
        for (qsizetype i = 0; i < n; ++i)
            keys[size_t(i)] = keyOf(listings.at(i));
        if (stop())
            return false;
        std::stable_sort(perm.begin(), perm.end(), [&](int a, int b) {
            const auto &x = keys[size_t(a)];
            const auto &y = keys[size_t(b)];
            if (x && y)
                return ascending ? *x < *y : *y < *x;
            return x.has_value() && !y.has_value();
        });
        return true;
    };
    const auto byText = [&](auto keyOf) {
        // Case-folded once per row, then plain UTF-16 comparisons: far cheaper than a
        // case-insensitive compare per comparison.
        std::vector<QString> keys(static_cast<size_t>(n));
        for (qsizetype i = 0; i < n; ++i)
            keys[size_t(i)] = keyOf(listings.at(i)).toCaseFolded();
        if (stop())
            return false;
        std::stable_sort(perm.begin(), perm.end(), [&](int a, int b) {
            const int c = QString::compare(keys[size_t(a)], keys[size_t(b)], Qt::CaseSensitive);
            return ascending ? c < 0 : c > 0;
        });
        return true;
    };
    switch (key) {
    case ListingSortKey::Id:
        return byText([](const Listing &l) { return l.id; });
    case ListingSortKey::Title:
        return byText([](const Listing &l) { return l.title; });
    case ListingSortKey::Industry:
        return byText([](const Listing &l) { return l.industry; });
    case ListingSortKey::State:
        return byText([](const Listing &l) { return l.state; });
    case ListingSortKey::AskingPrice:
        return byNumber([](const Listing &l) { return moneyKey(l.askingPrice); });
    case ListingSortKey::GrossRevenue:
        return byNumber([](const Listing &l) { return moneyKey(l.grossRevenue); });
    case ListingSortKey::CashFlow:
        return byNumber([](const Listing &l) { return moneyKey(l.cashFlow); });
    case ListingSortKey::SdeMultiple:
        return byNumber([](const Listing &l) { return sdeMultipleOf(l); });
    case ListingSortKey::Score:
        return byNumber([&](const Listing &l) { return scores.of(l.id); });
    case ListingSortKey::None:
        return true; // source order
    }
    return true;
}

} // namespace dealscope
