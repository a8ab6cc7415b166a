#include "ui/scan/ScanModel.h"

#include "app/MarketScan.h"
#include "export/Format.h"

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

ScanModel::ScanModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

void ScanModel::setScan(MarketScan *scan)
{
    beginResetModel();
    if (m_scan)
        disconnect(m_scan, nullptr, this, nullptr);
    m_scan = scan;
    m_rows = scan ? int(scan->rows().size()) : 0;
    endResetModel();
    if (!scan)
        return;
    connect(scan, &MarketScan::rowsChanged, this, [this](int first, int last) {
        if (first <= last && last < m_rows)
            Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1));
    });
    connect(scan, &QObject::destroyed, this, [this] { setScan(nullptr); });
}

int ScanModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int ScanModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ScanModel::data(const QModelIndex &index, int role) const
{
    if (!m_scan || !index.isValid() || index.row() >= m_rows)
        return {};
    const RankedListing &r = m_scan->rows().at(index.row());
    const bool finished = m_scan->rowFinished(index.row());
    const auto number = [](const std::optional<double> &v) { return v ? QVariant(*v) : QVariant(); };
    switch (role) {
    case JobIdRole:
        return r.jobId;
    case ListingIdRole:
        return r.listingId;
    case FinishedRole:
        return finished;
    case SucceededRole:
        return finished && r.hasResult();
    case SortRole:
        switch (index.column()) {
        case ColScore:
            return number(r.score);
        case ColPremium:
            return number(r.askingPremium);
        case ColDscr:
            return number(r.dscr);
        case ColMaxPrice:
            return number(r.maxPriceAtTargetDscr);
        case ColAsking:
            return number(r.askingPrice);
        case ColStatus:
            return finished ? (r.hasResult() ? 3 : 4) : m_scan->rowStarted(index.row()) ? 2 : 1;
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::TextAlignmentRole:
        if (index.column() >= ColScore)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (index.column() == ColStatus && !r.error.isEmpty())
            return r.error;
        return {};
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    switch (index.column()) {
    case ColListing:
        return r.listingId;
    case ColTitle:
        return r.title;
    case ColIndustry:
        return r.industry;
    case ColState:
        return r.state;
    case ColStatus:
        if (finished)
            return r.hasResult() ? tr("done") : r.error;
        return m_scan->rowStarted(index.row()) ? tr("%1 %").arg(qRound(m_scan->rowProgress(index.row())))
                                               : tr("waiting");
    case ColScore:
        return r.score ? QString::number(*r.score, 'f', 0) : u"—"_s;
    case ColPremium:
        return r.askingPremium ? formatPercent(*r.askingPremium) : u"—"_s;
    case ColDscr:
        return r.dscr ? QString::number(*r.dscr, 'f', 2) : u"—"_s;
    case ColMaxPrice:
        return r.maxPriceAtTargetDscr ? formatMoney(*r.maxPriceAtTargetDscr) : u"—"_s;
    case ColAsking:
        return r.askingPrice ? formatMoney(*r.askingPrice) : u"—"_s;
    }
    return {};
}

QVariant ScanModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case ColListing:
        return tr("Listing");
    case ColTitle:
        return tr("Title");
    case ColIndustry:
        return tr("Industry");
    case ColState:
        return tr("State");
    case ColStatus:
        return tr("Status");
    case ColScore:
        return tr("Score");
    case ColPremium:
        return tr("Premium vs sector");
    case ColDscr:
        return tr("DSCR");
    case ColMaxPrice:
        return tr("Max price at target DSCR");
    case ColAsking:
        return tr("Asking");
    }
    return {};
}

} // namespace dealscope::ui
