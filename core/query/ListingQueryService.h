#pragma once

#include "query/ListingQuery.h"
#include "tasks/BackgroundWork.h"

#include <QObject>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace dealscope {

// Everything one computation needs, copied in O(1) on the caller's thread (implicitly shared
// containers). The versions say which rows and scores these are, so sorted orders and search
// texts computed for them can be reused while they stay the same.
struct ListingQueryInput final
{
    QList<Listing> listings;
    ListingScores scores; // read when sorting by score only
    quint64 listingsVersion = 0;
    quint64 scoresVersion = 0;
    ListingQuery filters;
    ListingSortKey sortKey = ListingSortKey::None;
    bool ascending = true;
};

// The rows a query shows: the sorted, filtered row indexes, and for each row where it is shown.
struct ListingQueryResult final
{
    std::vector<int> rows; // shown position -> row
    std::vector<int> shownAt; // row -> shown position, -1 when filtered out
};

// Sorting and filtering of the listings on a worker thread (one, so requests run in order and
// never compete), for a table that must stay smooth with 100k rows. Each request supersedes the
// ones before it: a superseded computation stops early and its result is never handed out. The
// full sorted order and the case-folded search texts are kept between requests, so typing in the
// search box only filters (O(n)) instead of sorting again. Use from one thread.
class ListingQueryService final : public QObject
{
    Q_OBJECT
public:
    using Done = std::function<void(ListingQueryResult result)>;

    explicit ListingQueryService(QObject *parent = nullptr);
    ~ListingQueryService() override; // stops the running computation and waits for it

    // `done` runs on this object's thread with the result, unless a later request() or
    // supersede() came first.
    void request(ListingQueryInput input, Done done);
    // Whatever was asked for so far is no longer wanted (the rows changed under it).
    void supersede();
    // Blocks until the worker is idle; a result it produced is posted but not handed out yet (tests).
    void waitForIdle();

    // The computation itself, on any thread (exposed for tests and benchmarks).
    struct Reusable
    {
        std::shared_ptr<const std::vector<int>> order; // full order for the input's sort, if still valid
        std::shared_ptr<const std::vector<QString>> searchTexts; // for the input's rows, if still valid
    };
    static std::optional<ListingQueryResult> compute(
        const ListingQueryInput &input, Reusable &reuse, const std::function<bool()> &stop);

private:
    Reusable reusableFor(const ListingQueryInput &input) const;
    void keep(const ListingQueryInput &labels, const Reusable &made);

    quint64 m_generation = 0;
    std::shared_ptr<std::atomic<quint64>> m_latest; // the newest request; workers stop when superseded

    // The last full order and search texts, labelled with what they were computed for.
    std::shared_ptr<const std::vector<int>> m_order;
    ListingSortKey m_orderKey = ListingSortKey::None;
    bool m_orderAscending = true;
    quint64 m_orderListingsVersion = 0;
    quint64 m_orderScoresVersion = 0;
    std::shared_ptr<const std::vector<QString>> m_searchTexts;
    quint64 m_searchTextsVersion = 0;

    BackgroundWork m_worker; // last: destroyed (and waited for) first
};

} // namespace dealscope
