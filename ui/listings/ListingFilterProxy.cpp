#include "ui/listings/ListingFilterProxy.h"

#include "ui/listings/ListingTableModel.h"

#include <algorithm>
#include <numeric>

namespace dealscope::ui {

namespace {

std::optional<double> multipleOf(const Listing &l)
{
    if (l.askingPrice && l.cashFlow && *l.cashFlow > 0)
        return double(*l.askingPrice) / double(*l.cashFlow);
    return std::nullopt;
}

std::optional<double> moneyKey(const std::optional<qint64> &v)
{
    return v ? std::optional<double>(double(*v)) : std::nullopt;
}

// Everything a worker needs, copied on the GUI thread in O(1) (implicitly shared containers).
struct Request final
{
    QList<Listing> listings;
    QHash<QString, double> scores; // only when sorting by score
    ListingQuery filters;
    int sortColumn = -1;
    Qt::SortOrder order = Qt::AscendingOrder;
    std::shared_ptr<const std::vector<int>> order0; // a still valid full order, if any
    std::shared_ptr<const std::vector<QString>> searchTexts; // still valid, if any
};

// The full order of all rows by `column`; ties keep their source order (stable), unknown values
// last in both directions. Returns false when superseded (`stop()`).
template <typename Stop> bool sortedOrder(const Request &r, std::vector<int> &perm, Stop stop)
{
    const qsizetype n = r.listings.size();
    perm.resize(size_t(n));
    std::iota(perm.begin(), perm.end(), 0);
    const bool asc = r.order == Qt::AscendingOrder;
    const auto byNumber = [&](auto key) {
        std::vector<std::optional<double>> keys(static_cast<size_t>(n));
        for (qsizetype i = 0; i < n; ++i)
            keys[size_t(i)] = key(r.listings.at(i));
        if (stop())
            return false;
        std::stable_sort(perm.begin(), perm.end(), [&](int a, int b) {
            const auto &x = keys[size_t(a)];
            const auto &y = keys[size_t(b)];
            if (x && y)
                return asc ? *x < *y : *y < *x;
            return x.has_value() && !y.has_value();
        });
        return true;
    };
    const auto byText = [&](auto key) {
        // Case-folded once per row, then plain UTF-16 comparisons: far cheaper than a
        // case-insensitive compare per comparison.
        std::vector<QString> keys(static_cast<size_t>(n));
        for (qsizetype i = 0; i < n; ++i)
            keys[size_t(i)] = key(r.listings.at(i)).toCaseFolded();
        if (stop())
            return false;
        std::stable_sort(perm.begin(), perm.end(), [&](int a, int b) {
            const int c = QString::compare(keys[size_t(a)], keys[size_t(b)], Qt::CaseSensitive);
            return asc ? c < 0 : c > 0;
        });
        return true;
    };
    switch (r.sortColumn) {
    case ListingTableModel::ColId:
        return byText([](const Listing &l) { return l.id; });
    case ListingTableModel::ColTitle:
        return byText([](const Listing &l) { return l.title; });
    case ListingTableModel::ColIndustry:
        return byText([](const Listing &l) { return l.industry; });
    case ListingTableModel::ColState:
        return byText([](const Listing &l) { return l.state; });
    case ListingTableModel::ColAsking:
        return byNumber([](const Listing &l) { return moneyKey(l.askingPrice); });
    case ListingTableModel::ColRevenue:
        return byNumber([](const Listing &l) { return moneyKey(l.grossRevenue); });
    case ListingTableModel::ColCashFlow:
        return byNumber([](const Listing &l) { return moneyKey(l.cashFlow); });
    case ListingTableModel::ColMultiple:
        return byNumber([](const Listing &l) { return multipleOf(l); });
    case ListingTableModel::ColScore:
        return byNumber([&](const Listing &l) {
            const auto it = r.scores.constFind(l.id);
            return it != r.scores.constEnd() ? std::optional<double>(*it) : std::nullopt;
        });
    default:
        return true; // no sort column: source order
    }
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

struct ListingFilterProxy::Mapping final
{
    std::vector<int> rows;
    std::vector<int> proxyOf;
    std::shared_ptr<const std::vector<int>> order; // the full sorted order it was cut from
    std::shared_ptr<const std::vector<QString>> searchTexts;
};

ListingFilterProxy::ListingFilterProxy(QObject *parent)
    : QAbstractProxyModel(parent)
    , m_latest(std::make_shared<std::atomic<quint64>>(0))
{
    m_pool.setMaxThreadCount(1);
    m_pool.setObjectName(QStringLiteral("dealscope-listing-sort"));
    m_dataRefresh.setSingleShot(true);
    connect(&m_dataRefresh, &QTimer::timeout, this, &ListingFilterProxy::requestRefresh);
}

ListingFilterProxy::~ListingFilterProxy()
{
    // A running worker posts its result to this object: it must be done before we go.
    m_latest->store(~quint64(0));
    m_pool.clear(); // queued requests never start; only a running one is waited for
    m_pool.waitForDone();
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
    m_order.reset();
    m_searchTexts.reset();
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
    const quint64 generation = ++m_generation;
    m_latest->store(generation);
    const qsizetype n = m_model->rowCount();

    if (m_filters.isEmpty() && m_sortColumn < 0) {
        // Every row in source order: trivial, and applied at once (no flicker after a reset).
        auto mapping = std::make_shared<Mapping>();
        mapping->rows.resize(size_t(n));
        std::iota(mapping->rows.begin(), mapping->rows.end(), 0);
        mapping->proxyOf = mapping->rows;
        m_pending = true;
        applyMapping(generation, std::move(mapping));
        return;
    }

    Request r;
    r.listings = m_model->listings();
    if (m_sortColumn == ListingTableModel::ColScore)
        r.scores = m_model->scores();
    r.filters = m_filters;
    r.sortColumn = m_sortColumn;
    r.order = m_sortOrder;
    if (m_order && m_orderColumn == m_sortColumn && m_orderOrder == m_sortOrder
        && m_orderListingsVersion == m_listingsVersion
        && (m_sortColumn != ListingTableModel::ColScore || m_orderScoresVersion == m_scoresVersion)
        && qsizetype(m_order->size()) == n)
        r.order0 = m_order;
    if (m_searchTexts && m_searchTextsVersion == m_listingsVersion && qsizetype(m_searchTexts->size()) == n)
        r.searchTexts = m_searchTexts;
    const quint64 listingsVersion = m_listingsVersion;
    const quint64 scoresVersion = m_scoresVersion;
    m_pending = true;

    const auto latest = m_latest;
    m_pool.start([this, r = std::move(r), generation, latest, listingsVersion, scoresVersion]() mutable {
        const auto stop = [&] { return latest->load() != generation; };
        if (stop())
            return; // superseded while queued (e.g. four filter setters in a row): no full pass
        auto mapping = std::make_shared<Mapping>();
        const qsizetype count = r.listings.size();
        std::shared_ptr<const std::vector<int>> order = r.order0;
        if (!order && r.sortColumn >= 0) {
            std::vector<int> perm;
            if (!sortedOrder(r, perm, stop))
                return;
            order = std::make_shared<const std::vector<int>>(std::move(perm));
        }
        if (stop())
            return;
        const QString needle = r.filters.search.toCaseFolded();
        const bool bySearchText = !needle.isEmpty() && !needle.contains(u'\n');
        std::shared_ptr<const std::vector<QString>> texts = r.searchTexts;
        if (bySearchText && !texts) {
            std::vector<QString> made(static_cast<size_t>(count));
            for (qsizetype i = 0; i < count; ++i)
                made[size_t(i)] = ListingQuery::searchText(r.listings.at(i));
            texts = std::make_shared<const std::vector<QString>>(std::move(made));
            if (stop())
                return;
        }
        const auto accepts = [&](int src) {
            const Listing &l = r.listings.at(src);
            if (!r.filters.acceptsFacets(l))
                return false;
            if (needle.isEmpty())
                return true;
            return bySearchText ? (*texts)[size_t(src)].contains(needle, Qt::CaseSensitive)
                                : r.filters.matchesSearch(l);
        };
        mapping->proxyOf.assign(size_t(count), -1);
        mapping->rows.reserve(size_t(count));
        for (qsizetype i = 0; i < count; ++i) {
            const int src = order ? (*order)[size_t(i)] : int(i);
            if (accepts(src)) {
                mapping->proxyOf[size_t(src)] = int(mapping->rows.size());
                mapping->rows.push_back(src);
            }
        }
        mapping->order = std::move(order);
        mapping->searchTexts = std::move(texts);
        if (stop())
            return;
        const int sortColumn = r.sortColumn;
        const Qt::SortOrder sortOrder = r.order;
        // The snapshot's references are dropped here, on the worker, not on the GUI thread.
        r = Request {};
        QMetaObject::invokeMethod(
            this,
            [this, generation, listingsVersion, scoresVersion, sortColumn, sortOrder,
                mapping = std::move(mapping)]() mutable {
                // Kept even when this result is superseded: the next request can use them, so
                // they are labelled with what they were computed for, not with what is asked now.
                if (mapping->searchTexts && listingsVersion == m_listingsVersion) {
                    m_searchTexts = mapping->searchTexts;
                    m_searchTextsVersion = listingsVersion;
                }
                if (mapping->order && listingsVersion == m_listingsVersion) {
                    m_order = mapping->order;
                    m_orderColumn = sortColumn;
                    m_orderOrder = sortOrder;
                    m_orderListingsVersion = listingsVersion;
                    m_orderScoresVersion = scoresVersion;
                }
                applyMapping(generation, std::move(mapping));
            },
            Qt::QueuedConnection);
    });
}

void ListingFilterProxy::applyMapping(quint64 generation, std::shared_ptr<Mapping> mapping)
{
    if (generation != m_generation)
        return; // superseded: a newer request is on its way
    m_pending = false;
    const size_t oldCount = m_rows.size();
    const size_t newCount = mapping->rows.size();
    if (oldCount == 0 || newCount == 0) {
        // From or to an empty table: plain inserts/removals are cheaper than a layout change.
        if (oldCount > 0)
            beginRemoveRows({}, 0, int(oldCount) - 1);
        else if (newCount > 0)
            beginInsertRows({}, 0, int(newCount) - 1);
        m_rows = std::move(mapping->rows);
        m_proxyOf = std::move(mapping->proxyOf);
        if (oldCount > 0)
            endRemoveRows();
        else if (newCount > 0)
            endInsertRows();
    } else {
        // Same rows in another order (a sort): the hint lets the views keep more of their state.
        bool sameRows = oldCount == newCount && m_proxyOf.size() == mapping->proxyOf.size();
        for (size_t i = 0; sameRows && i < m_proxyOf.size(); ++i)
            sameRows = (m_proxyOf[i] >= 0) == (mapping->proxyOf[i] >= 0);
        const auto hint = sameRows ? QAbstractItemModel::VerticalSortHint : QAbstractItemModel::NoLayoutChangeHint;
        Q_EMIT layoutAboutToBeChanged({}, hint);
        const QModelIndexList from = persistentIndexList();
        std::vector<int> sourceRows;
        sourceRows.reserve(size_t(from.size()));
        for (const QModelIndex &idx : from)
            sourceRows.push_back(idx.row() < int(oldCount) ? m_rows[size_t(idx.row())] : -1);
        m_rows = std::move(mapping->rows);
        m_proxyOf = std::move(mapping->proxyOf);
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
        m_latest->store(++m_generation);
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
    m_order.reset();
    m_searchTexts.reset();
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
    m_pool.waitForDone();
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
