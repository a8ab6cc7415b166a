#pragma once

#include "domain/Listing.h"
#include "query/ListingQuery.h"
#include "query/ListingQueryService.h"

#include <QAbstractProxyModel>
#include <QTimer>

#include <optional>
#include <vector>

namespace dealscope::ui {

class ListingTableModel;

// Search, filters and sorting over the listings table, computed off the GUI thread (issue 4 §1:
// smooth with 100k listings). Each change takes an implicitly shared snapshot of the rows (O(1)),
// core's ListingQueryService computes the sorted, filtered row mapping on its worker, and the GUI
// thread applies it as one layout change (persistent indexes, so selection and current row stay
// on their listings). A request superseded by a newer one is abandoned and its result discarded.
// Until a result lands the previous mapping stays on screen, so the view never shows a half-done
// state.
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
    // True while a refresh after a data change waits for its timer (changes are coalesced).
    bool isRefreshScheduled() const { return m_dataRefresh.isActive(); }
    // Blocks until the worker is idle; its result is then posted but not applied yet (tests).
    void waitForWorker();
    // The query service's sort key for a column of ListingTableModel.
    static ListingSortKey sortKeyOf(int column);

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
    void setSourceModel(QAbstractItemModel *model) override;
    void requestRefresh();
    void applyMapping(ListingQueryResult mapping);
    void onSourceDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight);
    void onSourceRowsInserted(int first, int last);
    void onSourceReset();

    ListingTableModel *m_model = nullptr;
    ListingQuery m_filters;
    int m_sortColumn = -1;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;

    std::vector<int> m_rows; // proxy row -> source row
    std::vector<int> m_proxyOf; // source row -> proxy row, -1 when filtered out

    quint64 m_listingsVersion = 1; // bumped whenever the listings change
    quint64 m_scoresVersion = 1; // bumped whenever a score changes
    bool m_pending = false;
    QTimer m_dataRefresh; // coalesces re-sorting/re-filtering after data changes
    ListingQueryService m_query;
};

} // namespace dealscope::ui
