#include "export/JsonExport.h"

#include "export/ResultFigures.h"
#include "storage/ResultsLibrary.h"

namespace dealscope::JsonExport {

namespace {
nlohmann::json annotationJson(const Annotation &a)
{
    nlohmann::json tags = nlohmann::json::array();
    for (const QString &t : a.tags)
        tags.push_back(t.toStdString());
    return { { "notes", a.notes.toStdString() }, { "tags", tags } };
}
} // namespace

nlohmann::json toJson(const StoredResult &r)
{
    const auto score = ResultFigures::score(ResultFigures::resultOf(r));
    return {
        { "jobId", r.jobId.toStdString() },
        { "listingId", r.listingId.toStdString() },
        { "title", ResultFigures::titleOf(r).toStdString() },
        { "analysisType", r.analysisType.toStdString() },
        { "score", score ? nlohmann::json(*score) : nlohmann::json() },
        { "finishedAt", r.finishedAt },
        { "job", r.job.is_object() ? r.job : nlohmann::json::object() },
        { "listing", r.listing.is_object() ? r.listing : nlohmann::json::object() },
        { "notes", annotationJson(r.notes) },
        { "listingNotes", annotationJson(r.listingNotes) },
    };
}

QByteArray write(const QList<StoredResult> &results)
{
    nlohmann::json out = nlohmann::json::array();
    for (const StoredResult &r : results)
        out.push_back(toJson(r));
    // Replacement characters for invalid UTF-8 a hostile listing might carry, never an exception.
    return QByteArray::fromStdString(out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)) + '\n';
}

} // namespace dealscope::JsonExport
