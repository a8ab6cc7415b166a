#pragma once

#include <QString>

#include <memory>
#include <variant>

class QSettings;

namespace dealscope {

class ListingCatalog;

// Imports a listings file into a catalog over the built-in benchmark tables. A file that cannot be
// read as listings gives the importer's message; row-level problems do not stop it (the import
// command shows them), only a count goes to stderr.
std::variant<std::shared_ptr<const ListingCatalog>, QString> loadListingsCatalog(const QString &path);
// No listings, the built-in benchmarks: for a runner that lists jobs but runs none.
std::shared_ptr<const ListingCatalog> emptyListingsCatalog();

// The listings file of the last `analyze` with these settings, so `resume` runs the interrupted
// jobs against the same listings (the job store keeps listing ids, not listings).
void rememberListingsFile(QSettings &settings, const QString &path);
QString rememberedListingsFile(QSettings &settings);

} // namespace dealscope
