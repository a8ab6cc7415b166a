#include "server/http/RequestValidator.h"

#include "analysis/AnalysisType.h"
#include "common/BoundedJsonParser.h"
#include "common/JsonQt.h"
#include "jobs/JobId.h"

namespace dealscope::server {

namespace {

std::optional<RequestError> requireString(const nlohmann::json &body, const char *field, QString *out, int maxLen = 200)
{
    const auto it = body.find(field);
    if (it == body.end() || it->is_null())
        return RequestError { 400, "missing_field", QStringLiteral("%1 is required").arg(QLatin1String(field)) };
    if (!it->is_string())
        return RequestError { 400, "invalid_field", QStringLiteral("%1 must be a string").arg(QLatin1String(field)) };
    *out = QString::fromStdString(it->get_ref<const std::string &>());
    if (out->isEmpty())
        return RequestError { 400, "invalid_field", QStringLiteral("%1 must not be empty").arg(QLatin1String(field)) };
    if (out->size() > maxLen)
        return RequestError { 400, "invalid_field",
            QStringLiteral("%1 is longer than %2 characters").arg(QLatin1String(field)).arg(maxLen) };
    return std::nullopt;
}

// The body as a JSON object, or why not. Nesting is capped while parsing (a body is a flat
// object with a listing or params inside it): a deep body is refused before it is built.
std::variant<nlohmann::json, RequestError> objectBody(const QByteArray &raw)
{
    auto parsed = BoundedJsonParser::parse(raw, RequestValidator::kMaxJsonDepth);
    switch (parsed.error) {
    case BoundedJsonParser::Error::None:
        break;
    case BoundedJsonParser::Error::TooDeep:
        return RequestError { 400, "invalid_body",
            QStringLiteral("the body is %1").arg(parsed.message(RequestValidator::kMaxJsonDepth)) };
    case BoundedJsonParser::Error::NumberTooLarge:
        return RequestError { 400, "malformed_json",
            QStringLiteral("the body is not valid JSON: %1").arg(parsed.message()) };
    case BoundedJsonParser::Error::Malformed:
        return RequestError { 400, "malformed_json", QStringLiteral("the body is not valid JSON") };
    }
    if (!parsed.value.is_object())
        return RequestError { 400, "invalid_body", QStringLiteral("the body must be a JSON object") };
    return std::move(parsed.value);
}

} // namespace

QString RequestValidator::unknownTypeMessage(const QString &given)
{
    return QStringLiteral("unknown analysisType \"%1\"; allowed: %2")
        .arg(given.left(100), analysisTypeNames().join(QStringLiteral(", ")));
}

Validated<StartBody> RequestValidator::start(const QByteArray &raw) const
{
    auto parsed = objectBody(raw);
    if (auto *e = std::get_if<RequestError>(&parsed))
        return *e;
    const nlohmann::json &body = std::get<nlohmann::json>(parsed);
    StartBody out;
    if (auto e = requireString(body, "listingId", &out.listingId))
        return *e;
    if (const auto t = body.find("analysisType");
        t != body.end() && t->is_string() && !t->get_ref<const std::string &>().empty()) {
        out.analysisType = QString::fromStdString(t->get_ref<const std::string &>());
    } else if (auto e = requireString(body, "analysisType", &out.analysisType)) {
        return *e;
    }
    if (!parseAnalysisType(out.analysisType))
        return RequestError { 400, "unknown_analysis_type", unknownTypeMessage(out.analysisType) };
    if (const auto it = body.find("params"); it != body.end() && !it->is_null()) {
        if (!it->is_object())
            return RequestError { 400, "invalid_field", QStringLiteral("params must be an object") };
        out.params = *it;
    }
    if (const auto it = body.find("force"); it != body.end() && !it->is_null()) {
        if (!it->is_boolean())
            return RequestError { 400, "invalid_field", QStringLiteral("force must be a boolean") };
        out.force = it->get<bool>();
    }
    return out;
}

Validated<QString> RequestValidator::jobIdBody(const QByteArray &raw) const
{
    auto parsed = objectBody(raw);
    if (auto *e = std::get_if<RequestError>(&parsed))
        return *e;
    QString id;
    if (auto e = requireString(std::get<nlohmann::json>(parsed), "jobId", &id, 64))
        return *e;
    if (!isValidJobId(id))
        return RequestError { 400, "invalid_job_id", QStringLiteral("jobId is not a job id") };
    return id;
}

Validated<StatusQuery> RequestValidator::status(const QUrlQuery &query) const
{
    StatusQuery out;
    const bool single = query.hasQueryItem(QStringLiteral("jobId"));
    out.batch = query.hasQueryItem(QStringLiteral("jobIds"));
    if (single == out.batch) {
        return single ? RequestError { 400, "invalid_query", QStringLiteral("give either jobId or jobIds, not both") }
                      : RequestError { 400, "missing_field", QStringLiteral("jobId or jobIds is required") };
    }
    if (query.hasQueryItem(QStringLiteral("wait"))) {
        bool ok = false;
        out.waitSecs = query.queryItemValue(QStringLiteral("wait")).toInt(&ok);
        if (!ok || out.waitSecs < 0 || out.waitSecs > m_limits.maxWaitSecs)
            return RequestError { 400, "invalid_wait",
                QStringLiteral("wait must be a whole number of seconds from 0 to %1").arg(m_limits.maxWaitSecs) };
        if (out.batch && out.waitSecs > 0)
            return RequestError { 400, "invalid_wait", QStringLiteral("wait is only supported with a single jobId") };
    }
    if (out.batch) {
        const QStringList ids = query.queryItemValue(QStringLiteral("jobIds"), QUrl::FullyDecoded)
                                    .split(QLatin1Char(','), Qt::SkipEmptyParts);
        if (ids.isEmpty())
            return RequestError { 400, "missing_field", QStringLiteral("jobIds lists no ids") };
        if (ids.size() > m_limits.maxBatchIds)
            return RequestError { 400, "too_many_job_ids",
                QStringLiteral("at most %1 jobIds per request, got %2").arg(m_limits.maxBatchIds).arg(ids.size()) };
        for (const QString &id : ids) {
            if (isValidJobId(id))
                out.jobIds.append(id);
            else
                out.invalidIds.append(id.left(64));
        }
        return out;
    }
    out.jobId = query.queryItemValue(QStringLiteral("jobId"), QUrl::FullyDecoded);
    if (!isValidJobId(out.jobId))
        return RequestError { 400, "invalid_job_id", QStringLiteral("jobId is not a job id") };
    return out;
}

Validated<LookupQuery> RequestValidator::lookup(const QUrlQuery &query) const
{
    LookupQuery out;
    out.listingId = query.queryItemValue(QStringLiteral("listingId"), QUrl::FullyDecoded);
    out.analysisType = query.queryItemValue(QStringLiteral("analysisType"), QUrl::FullyDecoded);
    if (out.listingId.isEmpty() || out.analysisType.isEmpty())
        return RequestError { 400, "missing_field", QStringLiteral("listingId and analysisType are required") };
    if (!parseAnalysisType(out.analysisType))
        return RequestError { 400, "unknown_analysis_type", unknownTypeMessage(out.analysisType) };
    return out;
}

Validated<ListingsQuery> RequestValidator::listings(const QUrlQuery &query) const
{
    ListingsQuery out;
    bool ok = true;
    if (query.hasQueryItem(QStringLiteral("offset")))
        out.offset = query.queryItemValue(QStringLiteral("offset")).toLongLong(&ok);
    if (!ok || out.offset < 0)
        return RequestError { 400, "invalid_query", QStringLiteral("offset must be a whole number ≥ 0") };
    if (query.hasQueryItem(QStringLiteral("limit")))
        out.limit = query.queryItemValue(QStringLiteral("limit")).toLongLong(&ok);
    if (!ok || out.limit < 1 || out.limit > 500)
        return RequestError { 400, "invalid_query", QStringLiteral("limit must be a whole number from 1 to 500") };
    out.q = query.queryItemValue(QStringLiteral("q"), QUrl::FullyDecoded).trimmed();
    return out;
}

} // namespace dealscope::server
