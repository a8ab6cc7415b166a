#include "listings/ListingTableModel.h"

#include "common/Format.h"


using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

namespace {
QVariant money(const std::optional<qint64> &v)
{
    return v ? QVariant::fromValue(*v) : QVariant();
}

std::optional<double> sdeMultiple(const Listing &l)
{
    if (l.askingPrice && l.cashFlow && *l.cashFlow > 0)
        return double(*l.askingPrice) / double(*l.cashFlow);
    return std::nullopt;
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
        case ColId: return l.id;
        case ColTitle: return l.title;
        case ColIndustry: return l.industry;
        case ColState: return l.state;
        case ColAsking: return formatMoney(l.askingPrice);
        case ColRevenue: return formatMoney(l.grossRevenue);
        case ColCashFlow: return formatMoney(l.cashFlow);
        case ColMultiple: {
            const auto m = sdeMultiple(l);
            return m ? formatMultiple(*m) : u"—"_s;
        }
        case ColScore: {
            const auto it = m_status.constFind(l.id);
            if (it == m_status.constEnd())
                return u"—"_s;
            if (it->active > 0)
                return tr("Running %1 %").arg(qRound(it->progress));
            return it->score ? QString::number(*it->score, 'f', 0) : u"—"_s;
        }
        }
        return {};
    case SortRole:
        switch (index.column()) {
        case ColAsking: return money(l.askingPrice);
        case ColRevenue: return money(l.grossRevenue);
        case ColCashFlow: return money(l.cashFlow);
        case ColMultiple: {
            const auto m = sdeMultiple(l);
            return m ? QVariant(*m) : QVariant();
        }
        case ColScore: {
            const auto s = m_status.value(l.id).score;
            return s ? QVariant(*s) : QVariant();
        }
        default: return data(index, Qt::DisplayRole);
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
        const auto s = m_status.value(l.id).score;
        return s ? QVariant(*s) : QVariant();
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
    case ColId: return tr("ID");
    case ColTitle: return tr("Title");
    case ColIndustry: return tr("Industry");
    case ColState: return tr("State");
    case ColAsking: return tr("Asking");
    case ColRevenue: return tr("Revenue");
    case ColCashFlow: return tr("Cash flow");
    case ColMultiple: return tr("SDE ×");
    case ColScore: return tr("Score");
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
    beginResetModel();
    m_listings = std::move(listings);
    m_rowById.clear();
    m_rowById.reserve(m_listings.size());
    for (int i = 0; i < m_listings.size(); ++i)
        m_rowById.insert(m_listings.at(i).id, i);
    m_dirtyRows.clear();
    endResetModel();
}

ListingTableModel::MergeStats ListingTableModel::mergeListings(const QList<Listing> &listings)
{
    MergeStats stats;
    QList<Listing> fresh;
    m_rowById.reserve(m_rowById.size() + listings.size());   // one allocation, not repeated rehashing
    for (const Listing &l : listings) {
        const auto it = m_rowById.constFind(l.id);
        if (it != m_rowById.constEnd() && *it >= m_listings.size())
            continue;   // a repeat of an id new in this batch: the first one is kept
        if (it != m_rowById.constEnd()) {
            m_listings[*it] = l;
            ++stats.updated;
            Q_EMIT dataChanged(index(*it, 0), index(*it, ColumnCount - 1));
        } else if (!m_rowById.contains(l.id)) {
            // New rows are appended in this order below: the row is known now (it also dedups
            // ids within this batch), so the index is not hashed twice.
            m_rowById.insert(l.id, int(m_listings.size() + fresh.size()));
            fresh.append(l);
        }
    }
    if (!fresh.isEmpty()) {
        // Appended as one insert: the proxy keeps its rows and places the new ones off the GUI thread.
        const int first = int(m_listings.size());
        beginInsertRows({}, first, first + int(fresh.size()) - 1);
        m_listings.append(std::move(fresh));
        endInsertRows();
        stats.added = int(m_listings.size()) - first;
    }
    return stats;
}

void ListingTableModel::setStatus(const QString &listingId, const ListingAnalysisStatus &status)
{
    m_status.insert(listingId, status);
    markDirty(listingId);
}

void ListingTableModel::setScores(const QHash<QString, double> &scores)
{
    for (auto it = scores.constBegin(); it != scores.constEnd(); ++it) {
        m_status[it.key()].score = it.value();
        markDirty(it.key());
    }
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
