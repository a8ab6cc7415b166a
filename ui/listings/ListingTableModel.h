#pragma once

#include "domain/Listing.h"
#include "query/ListingQuery.h"
#include "query/ListingSet.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QSet>
#include <QTimer>

#include <optional>

namespace dealscope::ui {

// What the score column shows for a listing: its latest score and whether analyses run.
struct ListingAnalysisStatus final
{
    std::optional<double> score;
    int active = 0; // analyses queued or running
    double progress = 0; // mean progress of the active ones
};

// The listings table (model/view, SPEC §1): a flat QList<Listing> and cheap data() so 100k rows
// scroll smoothly. Rows are only appended or updated in place (never moved): sorting and filtering
// are ListingFilterProxy's, computed off the GUI thread on a snapshot of listings(). Analysis status updates are
// batched: rows are marked dirty and one timer tick emits dataChanged per dirty row, so 500 running analyses cost a few
// repaints a second.
class ListingTableModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        ColId,
        ColTitle,
        ColIndustry,
        ColState,
        ColAsking,
        ColRevenue,
        ColCashFlow,
        ColMultiple,
        ColScore,
        ColumnCount
    };
    enum Role { ListingIdRole = Qt::UserRole + 1, SortRole, ScoreRole, ActiveRole, ProgressRole };

    explicit ListingTableModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    const QList<Listing> &listings() const { return m_listings; }
    const Listing &listingAt(int row) const { return m_listings.at(row); }
    const Listing *find(const QString &id) const;
    int rowOf(const QString &id) const { return m_rowById.value(id, -1); }

    void setListings(QList<Listing> listings);
    // With the index made off the GUI thread (ListingSet::indexRows): O(1) here besides the reset.
    void setListings(QList<Listing> listings, QHash<QString, int> rowById);

    // Merging an import: planned on a worker from an O(1) snapshot (ListingMerge::plan), applied
    // here as a swap plus one insert.
    ListingSet snapshot() const { return { m_version, m_listings, m_rowById }; }
    // False (nothing changed) when the model changed since the plan's snapshot: plan again.
    bool applyMerge(ListingMerge plan);

    void setStatus(const QString &listingId, const ListingAnalysisStatus &status);
    // The latest stored score of every listing (ResultsLibrary::latestScores), replacing the old ones.
    void setScores(QHash<QString, double> scores);
    ListingAnalysisStatus status(const QString &listingId) const;
    const ListingScores &scores() const { return m_scores; }

    // Emits the pending dataChanged signals now (tests, and before a repaint that must be exact).
    void flushPendingChanges();

private:
    void markDirty(const QString &listingId);

    quint64 m_version = 0; // bumped whenever m_listings changes
    QList<Listing> m_listings;
    QHash<QString, int> m_rowById;
    QHash<QString, ListingAnalysisStatus> m_status; // listings with analyses running (no score)
    ListingScores m_scores; // latest score per listing
    QSet<int> m_dirtyRows;
    QTimer m_flushTimer;
};

} // namespace dealscope::ui
