#pragma once

#include "import/ImportResult.h"

#include <QByteArray>
#include <QString>

#include <memory>

namespace dealscope {

class BenchmarkTable;

// Imports listings from CSV or JSON (SPEC §2). Never throws and never aborts on one bad row:
// every problem becomes a diagnostic; only a file that cannot be read as listings at all
// (missing, unreadable, binary, empty, not CSV/JSON, CSV without a title column) sets
// ImportResult::fatalError. Stateless after construction: one importer may be used from
// several threads.
class ListingImporter final
{
public:
    enum class Format { Auto, Csv, Json };

    struct Options final
    {
        qsizetype maxDiagnostics = 10000; // further diagnostics are only counted
        qint64 maxFileBytes = qint64(2) << 30; // larger files are refused (fatal)
        int currentYear = 0; // for yearEstablished checks; 0 = this year
    };

    explicit ListingImporter(std::shared_ptr<const BenchmarkTable> benchmarks);
    ListingImporter(std::shared_ptr<const BenchmarkTable> benchmarks, Options options);

    ImportResult importFile(const QString &path, Format format = Format::Auto) const;
    // `data` is the file's bytes. Auto: JSON when the first non-blank byte is '[' or '{', else CSV.
    ImportResult importData(const QByteArray &data, Format format = Format::Auto) const;

    // "csv" | "json" | "auto" (case-insensitive); nullopt otherwise.
    static std::optional<Format> formatFromName(QStringView name);
    // The last all-digit path segment of a URL ("…/2108998/?d=undefined" → "2108998"), or empty.
    static QString idFromUrl(QStringView url);

private:
    std::shared_ptr<const BenchmarkTable> m_benchmarks;
    Options m_options;
};

} // namespace dealscope
