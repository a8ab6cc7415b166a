#include "import/ImportResult.h"

#include "common/JsonQt.h"

#include <nlohmann/json.hpp>

namespace dealscope {

QString severityName(ImportDiagnostic::Severity severity)
{
    return severity == ImportDiagnostic::Severity::Error ? QStringLiteral("error") : QStringLiteral("warning");
}

nlohmann::json diagnosticToJson(const ImportDiagnostic &d)
{
    return nlohmann::json { { "line", d.line }, { "record", d.record }, { "column", d.column },
        { "severity", severityName(d.severity) }, { "message", d.message } };
}

nlohmann::json importResultToJson(const ImportResult &r, bool includeListings)
{
    nlohmann::json j = nlohmann::json::object();
    j["format"] = r.format;
    j["rows"] = r.rows;
    j["imported"] = r.imported;
    j["warnings"] = r.warnings;
    j["errors"] = r.errors;
    nlohmann::json diagnostics = nlohmann::json::array();
    for (const ImportDiagnostic &d : r.diagnostics)
        diagnostics.push_back(diagnosticToJson(d));
    j["diagnostics"] = std::move(diagnostics);
    j["diagnosticsDropped"] = r.diagnosticsDropped;
    if (!r.fatalError.isEmpty())
        j["fatalError"] = r.fatalError;
    if (includeListings) {
        nlohmann::json listings = nlohmann::json::array();
        for (const Listing &l : r.listings)
            listings.push_back(listingToJson(l));
        j["listings"] = std::move(listings);
    }
    return j;
}

} // namespace dealscope
