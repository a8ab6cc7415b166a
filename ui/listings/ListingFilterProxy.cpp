#include "ui/listings/ListingFilterProxy.h"

#include "ui/listings/ListingTableModel.h"

#include <numeric>

namespace dealscope::ui {

ListingFilterProxy::ListingFilterProxy(QObject *parent)
    : QAbstractProxyModel(parent)
{
    m_dataRefresh.setSingleShot(true);
    connect(&m_dataRefresh, &QTimer::timeout, this, &ListingFilterProxy::requestRefresh);
}

// The query service stops and waits for its worker; nothing it computed reaches this object then.
ListingFilterProxy::~ListingFilterProxy() = default;

ListingSortKey ListingFilterProxy::sortKeyOf(int column)
{
    switch (column) {
    case ListingTableModel::ColId:
        return ListingSortKey::Id;
    case ListingTableModel::ColTitle:
        return ListingSortKey::Title;
    case ListingTableModel::ColIndustry:
        return ListingSortKey::Industry;
    case ListingTableModel::ColState:
        return ListingSortKey::State;
    case ListingTableModel::ColAsking:
        return ListingSortKey::AskingPrice;
    case ListingTableModel::ColRevenue:
        return ListingSortKey::GrossRevenue;
    case ListingTableModel::ColCashFlow:
        return ListingSortKey::CashFlow;
    case ListingTableModel::ColMultiple:
        return ListingSortKey::SdeMultiple;
    case ListingTableModel::ColScore:
        return ListingSortKey::Score;
    default:
        return ListingSortKey::None;
    }
}

void ListingFilterProxy::setListingModel(ListingTableModel *model)
{
    m_model = model;
    setSourceModel(model);
}

void ListingFilterProxy::setSourceModel(QAbstractItemModel *model)
{
    beginResetModel();
    if (QAbstractItemModel *old = sourceModel())
        disconnect(old, nullptr, this, nullptr);
    QAbstractProxyModel::setSourceModel(model);
    m_rows.clear();
    m_proxyOf.clear();
    ++m_listingsVersion;
    if (model) {
        connect(model, &QAbstractItemModel::dataChanged, this, &ListingFilterProxy::onSourceDataChanged);
        connect(model, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int first, int last) { onSourceRowsInserted(first, last); });
        // The listings model only appends, updates and resets; anything else starts from scratch.
        connect(model, &QAbstractItemModel::modelAboutToBeReset, this, [this] { beginResetModel(); });
        connect(model, &QAbstractItemModel::modelReset, this, &ListingFilterProxy::onSourceReset);
        connect(model, &QAbstractItemModel::rowsAboutToBeRemoved, this, [this] { beginResetModel(); });
        connect(model, &QAbstractItemModel::rowsRemoved, this, &ListingFilterProxy::onSourceReset);
        connect(model, &QAbstractItemModel::layoutAboutToBeChanged, this, [this] { beginResetModel(); });
        connect(model, &QAbstractItemModel::layoutChanged, this, &ListingFilterProxy::onSourceReset);
        connect(model, &QAbstractItemModel::headerDataChanged, this, &QAbstractItemModel::headerDataChanged);
        m_proxyOf.assign(size_t(model->rowCount()), -1);
    }
    endResetModel();
    requestRefresh();
}

void ListingFilterProxy::setSearchText(const QString &text)
{
    const QString t = text.trimmed();
    if (t == m_filters.search)
        return;
    m_filters.search = t;
    requestRefresh();
}

void ListingFilterProxy::setIndustry(const QString &industry)
{
    if (industry == m_filters.industry)
        return;
    m_filters.industry = industry;
    requestRefresh();
}

void ListingFilterProxy::setState(const QString &state)
{
    if (state == m_filters.state)
        return;
    m_filters.state = state;
    requestRefresh();
}

void ListingFilterProxy::setPriceRange(std::optional<qint64> min, std::optional<qint64> max)
{
    if (min == m_filters.minPrice && max == m_filters.maxPrice)
        return;
    m_filters.minPrice = min;
    m_filters.maxPrice = max;
    requestRefresh();
}

void ListingFilterProxy::sort(int column, Qt::SortOrder order)
{
    if (column >= columnCount())
        return;
    m_sortColumn = column < 0 ? -1 : column;
    m_sortOrder = order;
    requestRefresh();
}

void ListingFilterProxy::requestRefresh()
{
    m_dataRefresh.stop();
    if (!m_model)
        return;
    m_pending = true;
    if (m_filters.isEmpty() && m_sortColumn < 0) {
        // Every row in source order: trivial, and applied at once (no flicker after a reset).
        m_query.supersede();
        ListingQueryResult mapping;
        mapping.rows.resize(size_t(m_model->rowCount()));
        std::iota(mapping.rows.begin(), mapping.rows.end(), 0);
        mapping.shownAt = mapping.rows;
        applyMapping(std::move(mapping));
        return;
    }
    ListingQueryInput input;
    input.listings = m_model->listings();
    if (m_sortColumn == ListingTableModel::ColScore)
        input.scores = m_model->scores();
    input.listingsVersion = m_listingsVersion;
    input.scoresVersion = m_scoresVersion;
    input.filters = m_filters;
    input.sortKey = sortKeyOf(m_sortColumn);
    input.ascending = m_sortOrder == Qt::AscendingOrder;
    m_query.request(std::move(input), [this](ListingQueryResult mapping) { applyMapping(std::move(mapping)); });
}

void ListingFilterProxy::applyMapping(ListingQueryResult mapping)
{
    m_pending = false;
    const size_t oldCount = m_rows.size();
    const size_t newCount = mapping.rows.size();
    if (oldCount == 0 || newCount == 0) {
        // From or to an empty table: plain inserts/removals are cheaper than a layout change.
        if (oldCount > 0)
            beginRemoveRows({}, 0, int(oldCount) - 1);
        else if (newCount > 0)
            beginInsertRows({}, 0, int(newCount) - 1);
        m_rows = std::move(mapping.rows);
        m_proxyOf = std::move(mapping.shownAt);
        if (oldCount > 0)
            endRemoveRows();
        else if (newCount > 0)
            endInsertRows();
    } else {
        // Same rows in another order (a sort): the hint lets the views keep more of their state.
        bool sameRows = oldCount == newCount && m_proxyOf.size() == mapping.shownAt.size();
        for (size_t i = 0; sameRows && i < m_proxyOf.size(); ++i)
            sameRows = (m_proxyOf[i] >= 0) == (mapping.shownAt[i] >= 0);
        const auto hint = sameRows ? QAbstractItemModel::VerticalSortHint : QAbstractItemModel::NoLayoutChangeHint;
        Q_EMIT layoutAboutToBeChanged({}, hint);
        const QModelIndexList from = persistentIndexList();
        std::vector<int> sourceRows;
        sourceRows.reserve(size_t(from.size()));
        for (const QModelIndex &idx : from)
            sourceRows.push_back(idx.row() < int(oldCount) ? m_rows[size_t(idx.row())] : -1);
        m_rows = std::move(mapping.rows);
        m_proxyOf = std::move(mapping.shownAt);
        QModelIndexList to;
        to.reserve(from.size());
        for (qsizetype i = 0; i < from.size(); ++i) {
            const int src = sourceRows[size_t(i)];
            const int row = src >= 0 && size_t(src) < m_proxyOf.size() ? m_proxyOf[size_t(src)] : -1;
            to.append(row >= 0 ? createIndex(row, from.at(i).column()) : QModelIndex());
        }
        changePersistentIndexList(from, to);
        Q_EMIT layoutChanged({}, hint);
    }
    Q_EMIT mappingApplied();
}

void ListingFilterProxy::onSourceDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight)
{
    if (!topLeft.isValid() || !bottomRight.isValid())
        return;
    const int first = topLeft.row();
    const int last = bottomRight.row();
    if (last - first < 64) {
        for (int src = first; src <= last; ++src) {
            const int row = size_t(src) < m_proxyOf.size() ? m_proxyOf[size_t(src)] : -1;
            if (row >= 0)
                Q_EMIT dataChanged(index(row, topLeft.column()), index(row, bottomRight.column()));
        }
    } else if (!m_rows.empty()) {
        Q_EMIT dataChanged(index(0, topLeft.column()), index(int(m_rows.size()) - 1, bottomRight.column()));
    }
    // Only the score column changes while analyses run: it matters only when sorted by it.
    const bool scoreOnly
        = topLeft.column() == ListingTableModel::ColScore && bottomRight.column() == ListingTableModel::ColScore;
    if (scoreOnly) {
        ++m_scoresVersion;
        if (m_sortColumn != ListingTableModel::ColScore)
            return;
    } else {
        ++m_listingsVersion;
    }
    if (m_filters.isEmpty() && m_sortColumn < 0)
        return;
    if (!scoreOnly) {
        // A result computed from the listings before this change would place rows by old values:
        // drop it, and stay pending until the refresh lands (selectListing waits on isPending()).
        m_query.supersede();
        m_pending = true;
    }
    // Scores land all the time while analyses run: re-sorting by them once a second is enough
    // to follow, and spares the view a 100k-row layout change every few hundred ms.
    const int delayMs = scoreOnly ? 1000 : 300;
    if (!m_dataRefresh.isActive() || m_dataRefresh.remainingTime() > delayMs)
        m_dataRefresh.start(delayMs);
}

void ListingFilterProxy::onSourceRowsInserted(int first, int last)
{
    const int count = last - first + 1;
    // The shown rows keep their places; new source rows are hidden until the refresh places them.
    for (int &src : m_rows) {
        if (src >= first)
            src += count;
    }
    m_proxyOf.insert(m_proxyOf.begin() + qBound(0, first, int(m_proxyOf.size())), size_t(count), -1);
    ++m_listingsVersion;
    requestRefresh();
}

void ListingFilterProxy::onSourceReset()
{
    m_rows.clear();
    m_proxyOf.assign(size_t(sourceModel() ? sourceModel()->rowCount() : 0), -1);
    ++m_listingsVersion;
    endResetModel();
    requestRefresh();
}

QModelIndex ListingFilterProxy::index(int row, int column, const QModelIndex &parent) const
{
    if (parent.isValid() || row < 0 || column < 0 || size_t(row) >= m_rows.size() || column >= columnCount())
        return {};
    return createIndex(row, column);
}

QModelIndex ListingFilterProxy::parent(const QModelIndex &) const
{
    return {};
}

QModelIndex ListingFilterProxy::sibling(int row, int column, const QModelIndex &) const
{
    return index(row, column);
}

int ListingFilterProxy::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ListingFilterProxy::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() || !sourceModel() ? 0 : sourceModel()->columnCount();
}

void ListingFilterProxy::waitForWorker()
{
    m_query.waitForIdle();
}

bool ListingFilterProxy::hasChildren(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_rows.empty();
}

QModelIndex ListingFilterProxy::mapToSource(const QModelIndex &proxyIndex) const
{
    if (!proxyIndex.isValid() || !sourceModel() || size_t(proxyIndex.row()) >= m_rows.size())
        return {};
    return sourceModel()->index(m_rows[size_t(proxyIndex.row())], proxyIndex.column());
}

QModelIndex ListingFilterProxy::mapFromSource(const QModelIndex &sourceIndex) const
{
    if (!sourceIndex.isValid() || size_t(sourceIndex.row()) >= m_proxyOf.size())
        return {};
    const int row = m_proxyOf[size_t(sourceIndex.row())];
    return row >= 0 ? createIndex(row, sourceIndex.column()) : QModelIndex();
}

} // namespace dealscope::ui
