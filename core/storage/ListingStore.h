#pragma once

#include "domain/Listing.h"

#include <QList>
#include <QString>

namespace dealscope {

// The desktop's own copy of the listings the user imported, kept in the app data folder as a JSON
// array so they are there after a restart. Plain functions on values: safe to call from a worker thread.
namespace ListingStore {

struct LoadResult final
{
    QList<Listing> listings;
    bool exists = false; // false when the file is missing (first start)
    QString error; // set when the file exists but cannot be read or parsed
    int skipped = 0; // entries that are not valid listings
};

LoadResult load(const QString &file);
// Atomic (QSaveFile): a crash mid-write leaves the previous file intact.
bool save(const QString &file, const QList<Listing> &listings, QString *error = nullptr);

} // namespace ListingStore
} // namespace dealscope
