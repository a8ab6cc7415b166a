#include "ui/listings/ListingTableModel.h"

#include "export/Format.h"
#include "query/ListingQuery.h"
#include "tasks/ReleaseOffThread.h"

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

namespace {
QVariant money(const std::optional<qint64> &v)
{
    return v ? QVariant::fromValue(*v) : QVariant();
}
} // namespace

ListingTableModel::ListingTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(100);
    connect(&m_flushTimer, &QTimer::timeout, this, &ListingTableModel::flushPendingChanges);
}

int ListingTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_listings.size());
}

int ListingTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ListingTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_listings.size())
        return {};
    const Listing &l = m_listings.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case ColId:
            return l.id;
        case ColTitle:
            return l.title;
        case ColIndustry:
            return l.industry;
        case ColState:
            return l.state;
        case ColAsking:
            return formatMoney(l.askingPrice);
        case ColRevenue:
            return formatMoney(l.grossRevenue);
        case ColCashFlow:
            return formatMoney(l.cashFlow);
        case ColMultiple: {
            const auto m = sdeMultipleOf(l);
            return m ? formatMultiple(*m) : u"—"_s;
        }
        case ColScore: {
            if (const auto it = m_status.constFind(l.id); it != m_status.constEnd() && it->active > 0)
                return tr("Running %1 %").arg(qRound(it->progress));
            const auto score = m_scores.of(l.id);
            return score ? QString::number(*score, 'f', 0) : u"—"_s;
        }
        }
        return {};
    case SortRole:
        switch (index.column()) {
        case ColAsking:
            return money(l.askingPrice);
        case ColRevenue:
            return money(l.grossRevenue);
        case ColCashFlow:
            return money(l.cashFlow);
        case ColMultiple: {
            const auto m = sdeMultipleOf(l);
            return m ? QVariant(*m) : QVariant();
        }
        case ColScore: {
            const auto score = m_scores.of(l.id);
            return score ? QVariant(*score) : QVariant();
        }
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::TextAlignmentRole:
        if (index.column() >= ColAsking && index.column() <= ColMultiple)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (index.column() == ColTitle)
            return l.description.isEmpty() ? l.title : l.title + u"\n\n"_s + l.description.left(400);
        if (index.column() == ColIndustry && l.industryInferred)
            return tr("Industry inferred from the title and description");
        return {};
    case ListingIdRole:
        return l.id;
    case ScoreRole: {
        const auto score = m_scores.of(l.id);
        return score ? QVariant(*score) : QVariant();
    }
    case ActiveRole:
        return m_status.value(l.id).active;
    case ProgressRole:
        return m_status.value(l.id).progress;
    default:
        return {};
    }
}

QVariant ListingTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case ColId:
        return tr("ID");
    case ColTitle:
        return tr("Title");
    case ColIndustry:
        return tr("Industry");
    case ColState:
        return tr("State");
    case ColAsking:
        return tr("Asking");
    case ColRevenue:
        return tr("Revenue");
    case ColCashFlow:
        return tr("Cash flow");
    case ColMultiple:
        return tr("SDE ×");
    case ColScore:
        return tr("Score");
    }
    return {};
}

const Listing *ListingTableModel::find(const QString &id) const
{
    const auto it = m_rowById.constFind(id);
    return it == m_rowById.constEnd() ? nullptr : &m_listings.at(*it);
}

void ListingTableModel::setListings(QList<Listing> listings)
{
    QHash<QString, int> index = ListingSet::indexRows(listings);
    setListings(std::move(listings), std::move(index));
}

void ListingTableModel::setListings(QList<Listing> listings, QHash<QString, int> rowById)
{
    beginResetModel();
    QList<Listing> old = std::exchange(m_listings, std::move(listings));
    QHash<QString, int> oldIndex = std::exchange(m_rowById, std::move(rowById));
    ++m_version;
    m_dirtyRows.clear();
    endResetModel();
    releaseOffThread(std::move(old));
    releaseOffThread(std::move(oldIndex));
}

bool ListingTableModel::applyMerge(ListingMerge plan)
{
    if (plan.baseVersion != m_version)
        return false;
    const int first = int(m_listings.size());
    const int added = int(plan.listings.size()) - first;
    if (added > 0)
        beginInsertRows({}, first, first + added - 1);
    QList<Listing> old = std::exchange(m_listings, std::move(plan.listings));
    QHash<QString, int> oldIndex = std::exchange(m_rowById, std::move(plan.rowById));
    ++m_version;
    if (added > 0)
        endInsertRows();
    if (plan.updatedRows.size() > 256) {
        Q_EMIT dataChanged(index(0, 0), index(first - 1, ColumnCount - 1));
    } else {
        for (int row : std::as_const(plan.updatedRows))
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
    releaseOffThread(std::move(old));
    releaseOffThread(std::move(oldIndex));
    return true;
}

ListingAnalysisStatus ListingTableModel::status(const QString &listingId) const
{
    ListingAnalysisStatus st = m_status.value(listingId);
    st.score = m_scores.of(listingId);
    return st;
}

void ListingTableModel::setStatus(const QString &listingId, const ListingAnalysisStatus &status)
{
    if (status.score)
        m_scores.recent.insert(listingId, *status.score);
    ListingAnalysisStatus activity = status;
    activity.score.reset(); // scores live in m_scores only
    if (activity.active > 0)
        m_status.insert(listingId, activity);
    else
        m_status.remove(listingId);
    markDirty(listingId);
}

void ListingTableModel::setScores(QHash<QString, double> scores)
{
    // Swapped in whole (a library can hold scores for all 100k listings): O(1) here, one signal
    // for the column, and the old table freed on a pool thread.
    QHash<QString, double> old = std::exchange(m_scores.base, std::move(scores));
    m_scores.recent.clear(); // the library's scores include them
    releaseOffThread(std::move(old));
    m_flushTimer.stop();
    m_dirtyRows.clear();
    if (!m_listings.isEmpty())
        Q_EMIT dataChanged(index(0, ColScore), index(int(m_listings.size()) - 1, ColScore));
}

void ListingTableModel::markDirty(const QString &listingId)
{
    const int row = m_rowById.value(listingId, -1);
    if (row < 0)
        return;
    m_dirtyRows.insert(row);
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void ListingTableModel::flushPendingChanges()
{
    m_flushTimer.stop();
    const QSet<int> rows = std::exchange(m_dirtyRows, {});
    if (rows.size() > 256) {
        // Many at once (the library's scores after a load or import): one signal for the column
        // instead of thousands, each of which the proxy and view would handle on its own.
        if (!m_listings.isEmpty())
            Q_EMIT dataChanged(index(0, ColScore), index(int(m_listings.size()) - 1, ColScore));
        return;
    }
    for (int row : rows) {
        if (row < m_listings.size())
            Q_EMIT dataChanged(index(row, ColScore), index(row, ColScore));
    }
}

} // namespace dealscope::ui
