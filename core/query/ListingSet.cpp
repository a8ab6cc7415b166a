#include "query/ListingSet.h"

namespace dealscope {

QHash<QString, int> ListingSet::indexRows(const QList<Listing> &listings)
{
    QHash<QString, int> index;
    index.reserve(listings.size());
    // Backwards, so that of repeated ids the first one's row is the one left in the index.
    for (int i = int(listings.size()) - 1; i >= 0; --i)
        index.insert(listings.at(i).id, i);
    return index;
}

ListingMerge ListingMerge::plan(ListingSet base, const QList<Listing> &incoming)
{
    ListingMerge plan;
    plan.baseVersion = base.version;
    const qsizetype existing = base.listings.size();
    plan.listings = std::move(base.listings);
    plan.rowById = std::move(base.rowById);
    // Both detach here (a deep copy, on the worker) while the model keeps showing the old ones.
    plan.rowById.reserve(plan.rowById.size() + incoming.size());
    plan.listings.reserve(existing + incoming.size());
    for (const Listing &l : incoming) {
        const auto it = plan.rowById.constFind(l.id);
        if (it == plan.rowById.constEnd()) {
            plan.rowById.insert(l.id, int(plan.listings.size()));
            plan.listings.append(l);
            ++plan.added;
        } else if (*it < existing) {
            plan.listings[*it] = l;
            plan.updatedRows.append(*it);
            ++plan.updated;
        }
        // else: a repeat of an id new in this batch: the first one is kept
    }
    return plan;
}

} // namespace dealscope
