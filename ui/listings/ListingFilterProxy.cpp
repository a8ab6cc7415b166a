#include "listings/ListingFilterProxy.h"

#include "listings/ListingTableModel.h"

namespace dealscope::ui {

namespace {
// Unknown values sort after known ones in ascending order.
template<typename T>
bool lessOptional(const std::optional<T> &a, const std::optional<T> &b)
{
    if (a && b)
        return *a < *b;
    return a.has_value() && !b.has_value();
}

std::optional<double> multipleOf(const Listing &l)
{
    if (l.askingPrice && l.cashFlow && *l.cashFlow > 0)
        return double(*l.askingPrice) / double(*l.cashFlow);
    return std::nullopt;
}
} // namespace

ListingFilterProxy::ListingFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(ListingTableModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
}

void ListingFilterProxy::setListingModel(ListingTableModel *model)
{
    m_model = model;
    setSourceModel(model);
}

void ListingFilterProxy::setSearchText(const QString &text)
{
    const QString t = text.trimmed();
    if (t == m_search)
        return;
    m_search = t;
    refilter();
}

void ListingFilterProxy::setIndustry(const QString &industry)
{
    if (industry == m_industry)
        return;
    m_industry = industry;
    refilter();
}

void ListingFilterProxy::setState(const QString &state)
{
    if (state == m_state)
        return;
    m_state = state;
    refilter();
}

void ListingFilterProxy::setPriceRange(std::optional<qint64> min, std::optional<qint64> max)
{
    if (min == m_minPrice && max == m_maxPrice)
        return;
    m_minPrice = min;
    m_maxPrice = max;
    refilter();
}

void ListingFilterProxy::sort(int column, Qt::SortOrder order)
{
    if (m_model && column >= 0)
        m_model->sortBy(column, order);
    else
        QSortFilterProxyModel::sort(column, order);
}

void ListingFilterProxy::refilter()
{
    // invalidate() rebuilds the mapping in one pass and emits one layoutChanged. The incremental
    // invalidateRowsFilter() emits rowsRemoved/rowsInserted per contiguous range, which on 100k
    // rows means thousands of signals the view handles one by one (seconds per keystroke).
    invalidate();
}

bool ListingFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &) const
{
    if (!m_model)
        return true;
    const Listing &l = m_model->listingAt(sourceRow);
    if (!m_industry.isEmpty() && l.industry.compare(m_industry, Qt::CaseInsensitive) != 0)
        return false;
    if (!m_state.isEmpty() && l.state.compare(m_state, Qt::CaseInsensitive) != 0)
        return false;
    if (m_minPrice || m_maxPrice) {
        // A price filter asks for a known price in the range.
        if (!l.askingPrice)
            return false;
        if (m_minPrice && *l.askingPrice < *m_minPrice)
            return false;
        if (m_maxPrice && *l.askingPrice > *m_maxPrice)
            return false;
    }
    if (!m_search.isEmpty()) {
        return l.title.contains(m_search, Qt::CaseInsensitive) || l.id.contains(m_search, Qt::CaseInsensitive)
            || l.location.contains(m_search, Qt::CaseInsensitive)
            || l.industry.contains(m_search, Qt::CaseInsensitive);
    }
    return true;
}

bool ListingFilterProxy::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    if (!m_model)
        return QSortFilterProxyModel::lessThan(left, right);
    const Listing &a = m_model->listingAt(left.row());
    const Listing &b = m_model->listingAt(right.row());
    switch (left.column()) {
    case ListingTableModel::ColAsking: return lessOptional(a.askingPrice, b.askingPrice);
    case ListingTableModel::ColRevenue: return lessOptional(a.grossRevenue, b.grossRevenue);
    case ListingTableModel::ColCashFlow: return lessOptional(a.cashFlow, b.cashFlow);
    case ListingTableModel::ColMultiple: return lessOptional(multipleOf(a), multipleOf(b));
    case ListingTableModel::ColScore: return lessOptional(m_model->status(a.id).score, m_model->status(b.id).score);
    case ListingTableModel::ColId: return a.id.compare(b.id, Qt::CaseInsensitive) < 0;
    case ListingTableModel::ColTitle: return a.title.compare(b.title, Qt::CaseInsensitive) < 0;
    case ListingTableModel::ColIndustry: return a.industry.compare(b.industry, Qt::CaseInsensitive) < 0;
    case ListingTableModel::ColState: return a.state.compare(b.state, Qt::CaseInsensitive) < 0;
    default: return QSortFilterProxyModel::lessThan(left, right);
    }
}

} // namespace dealscope::ui
