// JSON import of arbitrary bytes (nesting, numbers beyond a double): a report with diagnostics, never a crash (SPEC
// §2).

#include "benchmarks/BenchmarkTable.h"
#include "import/ListingImporter.h"

#include <QFile>

#include <cstdint>
#include <cstdlib>

using namespace dealscope;

namespace {
std::shared_ptr<const BenchmarkTable> benchmarks()
{
    static const auto table = [] {
        auto read = [](const char *name) {
            QFile f(QStringLiteral(DEALSCOPE_SOURCE_DIR "/resources/benchmarks/") + QLatin1String(name));
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        };
        return BenchmarkTable::fromCsv(read("industry-multiples-2021-2025.csv"), read("sector-benchmarks.csv"));
    }();
    return table;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ListingImporter::Options options;
    options.maxDiagnostics = 50;
    const ImportResult r = ListingImporter(benchmarks(), options)
                               .importData(QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)),
                                   ListingImporter::Format::Json);
    if (r.ok() && r.imported != r.listings.size())
        std::abort();
    for (const Listing &l : r.listings) {
        if (l.title.isEmpty() || (l.askingPrice && *l.askingPrice < 0))
            std::abort();
    }
    return 0;
}
