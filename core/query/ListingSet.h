#pragma once

#include "domain/Listing.h"

#include <QHash>
#include <QList>

namespace dealscope {

// The listings table's rows as a value: the listings, an id → row index, and a version that
// changes with every change of the rows. Copying is O(1) (implicitly shared), so a worker can
// plan on a snapshot while the GUI thread keeps showing the rows.
struct ListingSet final
{
    quint64 version = 0;
    QList<Listing> listings;
    QHash<QString, int> rowById;

    // The id -> row index of `listings` (the first of repeated ids wins); fine on any thread.
    static QHash<QString, int> indexRows(const QList<Listing> &listings);
};

// An import merged into a snapshot of the rows: new ids are appended, listings whose id is there
// are replaced in place; rows never move. Planned on a worker, applied with a swap and one insert.
struct ListingMerge final
{
    quint64 baseVersion = 0; // the snapshot it was planned on; stale once the rows changed
    QList<Listing> listings;
    QHash<QString, int> rowById;
    QList<int> updatedRows;
    int added = 0;
    int updated = 0;

    static ListingMerge plan(ListingSet base, const QList<Listing> &incoming);
};

} // namespace dealscope
