#pragma once

#include "domain/Listing.h"

#include <QList>
#include <QString>

#include <nlohmann/json_fwd.hpp>

namespace dealscope {

// One problem found while importing (SPEC §2 `{line, column, message}`).
//  - line:   CSV: the 1-based physical line where the record starts (the header is line 1 unless
//            blank lines precede it); JSON: 0 (the parser does not track element positions).
//  - record: 1-based data record (CSV row after the header, JSON array index + 1); 0 = the file
//            or its header.
//  - column: the column's header name exactly as written in the file (CSV) or the object key
//            (JSON); empty when the problem concerns the whole row.
struct ImportDiagnostic final
{
    enum class Severity { Warning, Error };

    qsizetype line = 0;
    qsizetype record = 0;
    QString column;
    Severity severity = Severity::Warning;
    QString message;

    bool operator==(const ImportDiagnostic &) const = default;
};

// Counts always describe the whole file, even when diagnostics were capped.
//  rows:     data records read (blank lines and the header excluded)
//  imported: listings produced (rows − errors: every rejected row has exactly one error)
//  warnings / errors: number of diagnostics of that severity
struct ImportResult final
{
    QList<Listing> listings;
    QList<ImportDiagnostic> diagnostics;
    qsizetype diagnosticsDropped = 0; // beyond ListingImporter::Options::maxDiagnostics
    qsizetype rows = 0;
    qsizetype imported = 0;
    qsizetype warnings = 0;
    qsizetype errors = 0;
    QString format; // "csv" | "json" (empty when fatal before detection)
    QString fatalError; // the file could not be read as listings at all (missing, binary, not CSV/JSON)

    bool ok() const { return fatalError.isEmpty(); }
};

QString severityName(ImportDiagnostic::Severity severity);
nlohmann::json diagnosticToJson(const ImportDiagnostic &diagnostic);
// {format, rows, imported, warnings, errors, diagnostics:[…], diagnosticsDropped, fatalError?}
// plus `listings` when includeListings.
nlohmann::json importResultToJson(const ImportResult &result, bool includeListings = false);

} // namespace dealscope
