#include "server/http/RequestValidator.h"

#include "analysis/AnalysisType.h"
#include "common/BoundedJsonParser.h"
#include "common/JsonQt.h"
#include "jobs/JobId.h"

#include <cmath>

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

// Whole numbers written as floats become integers, recursively (params are flat in practice).
void canonicalizeNumbers(nlohmann::json &value)
{
    if (value.is_number_float()) {
        const double d = value.get<double>();
        constexpr double kExact = 9007199254740992.0; // 2^53: every whole double below is exact
        if (std::isfinite(d) && d == std::floor(d) && std::abs(d) < kExact)
            value = static_cast<qint64>(d);
    } else if (value.is_structured()) {
        for (auto &member : value)
            canonicalizeNumbers(member);
    }
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
        canonicalizeNumbers(out.params);
    }
    if (const auto it = body.find("force"); it != body.end() && !it->is_null()) {
        if (!it->is_boolean())
            return RequestError { 400, "invalid_field", QStringLiteral("force must be a boolean") };
        out.force = it->get<bool>();
    }
    if (const auto it = body.find("listing"); it != body.end() && !it->is_null()) {
        if (!it->is_object())
            return RequestError { 400, "invalid_field", QStringLiteral("listing must be an object") };
        try {
            out.listing = listingFromJson(*it);
        } catch (const std::invalid_argument &e) {
            // "listing field 'askingPrice': must be a number or null"
            return RequestError { 400, "invalid_field", QString::fromUtf8(e.what()).left(300) };
        }
        if (out.listing->id != out.listingId)
            return RequestError { 400, "invalid_field",
                QStringLiteral("listing field 'id' must be the listingId \"%1\"").arg(out.listingId.left(100)) };
    }
    return out;
}

Validated<QString> RequestValidator::idempotencyKey(const QByteArray &header) const
{
    if (header.isEmpty())
        return QString();
    bool visible = header.size() <= 255;
    for (const char c : header)
        visible = visible && c > 0x20 && c < 0x7f;
    if (!visible)
        return RequestError { 400, "invalid_idempotency_key",
            QStringLiteral("Idempotency-Key must be 1 to 255 visible ASCII characters") };
    return QString::fromLatin1(header);
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
