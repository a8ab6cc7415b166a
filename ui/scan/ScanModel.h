#pragma once

#include "app/MarketScan.h"

#include <QAbstractTableModel>
#include <QPointer>

namespace dealscope {
class MarketScan;
}

namespace dealscope::ui {

// The rows of a market scan for its ranked table: listing, state, and the ranking's figures
// (score, asking premium vs sector, DSCR, max price at target DSCR). Follows the scan's
// coalesced rowsChanged(); SortRole gives numbers, unknowns sort last.
class ScanModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        ColListing,
        ColTitle,
        ColIndustry,
        ColState,
        ColStatus,
        ColScore,
        ColPremium,
        ColDscr,
        ColMaxPrice,
        ColAsking,
        ColumnCount
    };
    enum Role { SortRole = Qt::UserRole + 1, JobIdRole, ListingIdRole, FinishedRole, SucceededRole };

    explicit ScanModel(QObject *parent = nullptr);

    void setScan(MarketScan *scan);
    MarketScan *scan() const { return m_scan; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    QPointer<MarketScan> m_scan;
    int m_rows = 0;
};

} // namespace dealscope::ui
