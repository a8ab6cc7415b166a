#pragma once

#include "domain/Listing.h"

#include <QAbstractProxyModel>
#include <QThreadPool>
#include <QTimer>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

namespace dealscope::ui {

class ListingTableModel;

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

// Search, filters and sorting over the listings table, computed off the GUI thread (issue 4 §1:
// smooth with 100k listings). Each change takes an implicitly shared snapshot of the rows (O(1)),
// a worker computes the sorted, filtered row mapping, and the GUI thread applies it as one layout
// change (persistent indexes, so selection and current row stay on their listings). A request
// superseded by a newer one is abandoned by the worker and its result discarded. Until a result
// lands the previous mapping stays on screen, so the view never shows a half-done state.
class ListingFilterProxy final : public QAbstractProxyModel
{
    Q_OBJECT
public:
    explicit ListingFilterProxy(QObject *parent = nullptr);
    ~ListingFilterProxy() override;

    void setListingModel(ListingTableModel *model);

    void setSearchText(const QString &text);
    void setIndustry(const QString &industry); // empty = all
    void setState(const QString &state); // empty = all
    void setPriceRange(std::optional<qint64> min, std::optional<qint64> max);

    QString searchText() const { return m_filters.search; }
    QString industry() const { return m_filters.industry; }
    QString state() const { return m_filters.state; }
    std::optional<qint64> minPrice() const { return m_filters.minPrice; }
    std::optional<qint64> maxPrice() const { return m_filters.maxPrice; }
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }

    // True while a requested mapping is being computed (the shown rows are the previous ones).
    bool isPending() const { return m_pending; }
    // Blocks until the worker is idle; its result is then posted but not applied yet (tests).
    void waitForWorker();

    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    QModelIndex sibling(int row, int column, const QModelIndex &idx) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    QModelIndex mapToSource(const QModelIndex &proxyIndex) const override;
    QModelIndex mapFromSource(const QModelIndex &sourceIndex) const override;

Q_SIGNALS:
    // A computed mapping was applied (the rows on screen now match the filters and sort order).
    void mappingApplied();

private:
    struct Mapping;
    void setSourceModel(QAbstractItemModel *model) override;
    void requestRefresh();
    void applyMapping(quint64 generation, std::shared_ptr<Mapping> mapping);
    void onSourceDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight);
    void onSourceRowsInserted(int first, int last);
    void onSourceReset();

    ListingTableModel *m_model = nullptr;
    ListingQuery m_filters;
    int m_sortColumn = -1;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;

    std::vector<int> m_rows; // proxy row -> source row
    std::vector<int> m_proxyOf; // source row -> proxy row, -1 when filtered out

    // The full sorted order of the last computation, reused while the data and sort are unchanged
    // so that typing in the search box only filters (O(n)) instead of sorting again.
    std::shared_ptr<const std::vector<int>> m_order;
    int m_orderColumn = -1;
    Qt::SortOrder m_orderOrder = Qt::AscendingOrder;
    quint64 m_orderListingsVersion = 0;
    quint64 m_orderScoresVersion = 0;
    quint64 m_listingsVersion = 1; // bumped whenever the listings change
    quint64 m_scoresVersion = 1; // bumped whenever a score changes
    // ListingQuery::searchText of every row, made by the first search and kept while the listings last.
    std::shared_ptr<const std::vector<QString>> m_searchTexts;
    quint64 m_searchTextsVersion = 0;

    std::shared_ptr<std::atomic<quint64>> m_latest; // newest request; workers stop when superseded
    quint64 m_generation = 0;
    bool m_pending = false;
    QTimer m_dataRefresh; // coalesces re-sorting/re-filtering after data changes
    QThreadPool m_pool; // one thread: requests run in order, never competing with each other
};

} // namespace dealscope::ui
