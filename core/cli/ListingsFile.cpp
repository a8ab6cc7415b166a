#include "cli/ListingsFile.h"

#include "benchmarks/BenchmarkTable.h"
#include "cli/Console.h"
#include "import/ListingImporter.h"
#include "market/ListingCatalog.h"

#include <QFileInfo>
#include <QSettings>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

namespace {
const QString kListingsKey = u"cli/listingsFile"_s;
}

std::variant<std::shared_ptr<const ListingCatalog>, QString> loadListingsCatalog(const QString &path)
{
    const auto benchmarks = BenchmarkTable::builtin();
    ImportResult result = ListingImporter(benchmarks).importFile(path);
    if (!result.ok())
        return u"cannot read listings from %1: %2"_s.arg(path, result.fatalError);
    if (result.warnings > 0 || result.errors > 0) {
        Console::err(
            u"%1: %2 listings imported, %3 warnings, %4 rows rejected (details: dealscope-cli import %1)\n"_s.arg(path,
                QString::number(result.imported), QString::number(result.warnings), QString::number(result.errors)));
    }
    return std::make_shared<const ListingCatalog>(std::move(result.listings), benchmarks);
}

std::shared_ptr<const ListingCatalog> emptyListingsCatalog()
{
    return std::make_shared<const ListingCatalog>(QList<Listing> {}, BenchmarkTable::builtin());
}

void rememberListingsFile(QSettings &settings, const QString &path)
{
    // Resource paths (":/demo/…") stay as they are; files become absolute so any cwd works later.
    settings.setValue(kListingsKey, path.startsWith(u':') ? path : QFileInfo(path).absoluteFilePath());
    settings.sync();
}

QString rememberedListingsFile(QSettings &settings)
{
    return settings.value(kListingsKey).toString();
}

} // namespace dealscope
