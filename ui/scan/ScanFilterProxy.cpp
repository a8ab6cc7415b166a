#include "ui/scan/ScanFilterProxy.h"

#include "ui/scan/ScanModel.h"

namespace dealscope::ui {

ScanFilterProxy::ScanFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(ScanModel::SortRole);
    setDynamicSortFilter(false);
    setSortCaseSensitivity(Qt::CaseInsensitive);
}

void ScanFilterProxy::setText(const QString &text)
{
    m_text = text.trimmed();
    invalidateFilter();
}

void ScanFilterProxy::setMinScore(std::optional<double> minScore)
{
    m_minScore = minScore;
    invalidateFilter();
}

void ScanFilterProxy::setFinishedOnly(bool on)
{
    m_finishedOnly = on;
    invalidateFilter();
}

bool ScanFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QAbstractItemModel *m = sourceModel();
    const auto cell = [&](int column, int role) { return m->index(sourceRow, column, sourceParent).data(role); };
    if (m_finishedOnly && !cell(ScanModel::ColListing, ScanModel::FinishedRole).toBool())
        return false;
    if (m_minScore) {
        const QVariant score = cell(ScanModel::ColScore, ScanModel::SortRole);
        if (!score.isValid() || score.toDouble() < *m_minScore)
            return false;
    }
    if (m_text.isEmpty())
        return true;
    for (int column : { ScanModel::ColListing, ScanModel::ColTitle, ScanModel::ColIndustry, ScanModel::ColState }) {
        if (cell(column, Qt::DisplayRole).toString().contains(m_text, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

bool ScanFilterProxy::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    const QVariant a = left.data(ScanModel::SortRole);
    const QVariant b = right.data(ScanModel::SortRole);
    const bool numeric = left.column() >= ScanModel::ColStatus;
    if (!numeric)
        return QString::compare(a.toString(), b.toString(), Qt::CaseInsensitive) < 0;
    // Unknowns last whichever way the column is sorted.
    const bool descending = sortOrder() == Qt::DescendingOrder;
    if (!a.isValid() || !b.isValid()) {
        if (a.isValid() == b.isValid())
            return false;
        return descending ? !a.isValid() : a.isValid();
    }
    return a.toDouble() < b.toDouble();
}

} // namespace dealscope::ui
