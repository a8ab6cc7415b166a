#include "ui/library/LibraryModel.h"

#include "export/Format.h"

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

int LibraryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int LibraryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LibraryModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const StoredResult &r = m_rows.at(index.row());
    if (role == JobIdRole)
        return r.jobId;
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case ColFinished:
        return formatTimestamp(r.finishedAt);
    case ColListing:
        return r.listingId;
    case ColTitle:
        return r.listingTitle;
    case ColType:
        return analysisTypeLabel(r.analysisType);
    case ColScore:
        return r.score ? QString::number(*r.score, 'f', 0) : u"—"_s;
    case ColEngine:
        return r.engine;
    }
    return {};
}

QVariant LibraryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case ColFinished:
        return tr("Finished");
    case ColListing:
        return tr("Listing");
    case ColTitle:
        return tr("Title");
    case ColType:
        return tr("Analysis");
    case ColScore:
        return tr("Score");
    case ColEngine:
        return tr("Engine");
    }
    return {};
}

void LibraryModel::setRows(QList<StoredResult> rows)
{
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

} // namespace dealscope::ui
