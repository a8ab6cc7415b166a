#include "server/http/AnalysisRoutes.h"

#include "analysis/AnalysisEngine.h"
#include "common/JsonQt.h"
#include "jobs/JobId.h"
#include "jobs/JobJson.h"
#include "server/ServerLog.h"
#include "server/http/LongPollHub.h"
#include "server/http/RouteTable.h"
#include "server/http/StoreOffloader.h"

#include <QDateTime>

namespace dealscope::server {

namespace {
QByteArray dump(const nlohmann::json &j)
{
    return QByteArray::fromStdString(j.dump());
}
} // namespace

AnalysisRoutes::AnalysisRoutes(RequestValidator validator, std::shared_ptr<const AnalysisEngine> engine,
    StoreOffloader *offloader, LongPollHub *longPolls)
    : m_validator(validator)
    , m_engine(std::move(engine))
    , m_offloader(offloader)
    , m_longPolls(longPolls)
{ }

void AnalysisRoutes::addTo(RouteTable &routes)
{
    using Method = QHttpServerRequest::Method;
    using Access = RouteTable::Access;
    routes.add(QStringLiteral("/api/analysis/start"),
        { QStringLiteral("start"), Method::Post, Access::Token,
            [this](const ExchangePtr &e, const QString &) { start(e); } });
    routes.add(QStringLiteral("/api/analysis/status"),
        { QStringLiteral("status"), Method::Get, Access::Token,
            [this](const ExchangePtr &e, const QString &) { status(e); } });
    routes.add(QStringLiteral("/api/analysis/lookup"),
        { QStringLiteral("lookup"), Method::Get, Access::Token,
            [this](const ExchangePtr &e, const QString &) { lookup(e); } });
    routes.add(QStringLiteral("/api/analysis/cancel"),
        { QStringLiteral("cancel"), Method::Post, Access::Token,
            [this](const ExchangePtr &e, const QString &) { cancel(e); } });
}

void AnalysisRoutes::start(const ExchangePtr &exchange)
{
    const auto key = m_validator.idempotencyKey(exchange->header("idempotency-key"));
    if (const auto *e = std::get_if<RequestError>(&key)) {
        exchange->sendError(e->status, e->code, e->message);
        return;
    }
    auto validated = m_validator.start(exchange->body());
    if (const auto *e = std::get_if<RequestError>(&validated)) {
        exchange->sendError(e->status, e->code, e->message);
        return;
    }
    StartBody &body = std::get<StartBody>(validated);
    AnalysisRequest request;
    request.listingId = body.listingId;
    request.analysisType = body.analysisType;
    request.params = body.params;
    request.listing = body.listing;
    if (const auto invalid = m_engine->validate(request)) {
        if (invalid->field == QLatin1String("listingId"))
            exchange->sendError(404, "listing_not_found", invalid->message);
        else if (invalid->field == QLatin1String("analysisType"))
            exchange->sendError(400, "unknown_analysis_type", RequestValidator::unknownTypeMessage(body.analysisType));
        else if (invalid->field.startsWith(QLatin1String("listing.")))
            exchange->sendError(400, "invalid_field", invalid->message);
        else
            exchange->sendError(400, "invalid_params", invalid->message);
        return;
    }
    Job job;
    job.id = generateJobId();
    job.owner = exchange->tenant();
    job.listingId = body.listingId;
    job.analysisType = body.analysisType;
    job.params = std::move(body.params);
    job.listing = std::move(body.listing);
    job.status = JobStatus::Queued;
    job.createdAt = job.updatedAt = QDateTime::currentMSecsSinceEpoch();
    job.attempt = 1;
    job.requestId = exchange->requestId();
    m_offloader->start(StartRequest { std::move(job), body.force, std::get<QString>(key) },
        [this, exchange](const StartResult &result) { answerStart(*exchange, result); });
}

void AnalysisRoutes::answerStart(Exchange &exchange, const StartResult &result)
{
    if (result.failure == "store_unavailable" || (!result.outcome && result.failure.isEmpty())) {
        exchange.sendStoreUnavailable();
        return;
    }
    if (!result.outcome) {
        qCWarning(lcServer) << "start of request" << exchange.requestId() << "failed";
        exchange.sendError(
            500, "internal_error", QStringLiteral("internal error (request %1)").arg(exchange.requestId()));
        return;
    }
    const StartOutcome &outcome = *result.outcome;
    if (outcome.kind == StartOutcome::Kind::KeyReused) {
        exchange.sendError(422, "idempotency_key_reused",
            QStringLiteral("this Idempotency-Key was used for another start request; use a new key"));
        return;
    }
    // The job is serialised once, for the ETag and the reply (keys in the order nlohmann would
    // write them), and never built as a json tree.
    const QByteArray wire = serializeJob(outcome.job, JobJsonScope::Wire);
    QByteArray reply;
    reply.reserve(wire.size() + 256);
    if (outcome.kind == StartOutcome::Kind::Conflict) {
        // The pair's active job was asked for with other inputs: the client attaches to it or
        // cancels it, its choice (docs/API.md §4).
        QByteArray error = errorBody("active_job_conflict",
            QStringLiteral("an active %1 job for this listing has other inputs (params or listing); attach to it "
                           "or cancel it before starting another")
                .arg(outcome.job.analysisType),
            exchange.requestId());
        error.chop(1); // the closing brace: the job follows
        reply += error;
        reply += ",\"job\":";
        reply += wire;
        reply += ",\"jobId\":";
        reply += dump(outcome.job.id);
        reply += '}';
        exchange.send(409, reply, { { "ETag", jsonEtag(wire) } });
        return;
    }
    reply += outcome.created ? "{\"deduplicated\":false,\"job\":" : "{\"deduplicated\":true,\"job\":";
    reply += wire;
    reply += ",\"jobId\":";
    reply += dump(outcome.job.id);
    reply += '}';
    HeaderPairs headers { { "ETag", jsonEtag(wire) } };
    if (outcome.replayed)
        headers.append(qMakePair(QByteArray("Idempotency-Replayed"), QByteArray("true")));
    exchange.send(outcome.created ? 202 : 200, reply, headers);
}

void AnalysisRoutes::status(const ExchangePtr &exchange)
{
    auto validated = m_validator.status(exchange->query());
    if (const auto *e = std::get_if<RequestError>(&validated)) {
        exchange->sendError(e->status, e->code, e->message);
        return;
    }
    StatusQuery &query = std::get<StatusQuery>(validated);
    if (query.batch) {
        m_offloader->fetchManyWire(exchange->tenant(), query.jobIds,
            [exchange, ids = query.jobIds, invalid = query.invalidIds](
                const std::optional<QList<std::optional<QByteArray>>> &found) {
                if (found)
                    answerBatch(*exchange, ids, *found, invalid);
                else
                    exchange->sendStoreUnavailable();
            });
        return;
    }
    const QByteArray ifNoneMatch = exchange->header("if-none-match");
    if (query.waitSecs > 0) {
        m_longPolls->poll(exchange, query.jobId, ifNoneMatch, query.waitSecs);
        return;
    }
    // A plain poll: fetched with other polls on the store thread (one MGET) while the event loop
    // serves other connections.
    m_offloader->fetchWire(exchange->tenant(), query.jobId,
        [exchange, id = query.jobId, ifNoneMatch](const std::optional<std::optional<QByteArray>> &wire) {
            if (!wire) {
                exchange->sendStoreUnavailable();
                return;
            }
            if (!*wire) {
                exchange->sendError(404, "job_not_found", QStringLiteral("no job %1").arg(id));
                return;
            }
            const QByteArray etag = jsonEtag(**wire);
            if (etagMatches(ifNoneMatch, etag))
                exchange->sendNotModified(etag);
            else
                exchange->sendWire(200, **wire);
        });
}

// The reply is put together from the stored jobs' wire bytes: no job is parsed or serialised here.
void AnalysisRoutes::answerBatch(Exchange &exchange, const QStringList &ids,
    const QList<std::optional<QByteArray>> &found, const QStringList &invalid)
{
    nlohmann::json missing = nlohmann::json::array();
    for (const QString &id : invalid)
        missing.push_back(id);
    QByteArray reply;
    qsizetype size = 64;
    for (const auto &wire : found)
        size += wire ? wire->size() + 1 : 0;
    reply.reserve(size);
    reply += "{\"jobs\":[";
    bool first = true;
    for (qsizetype i = 0; i < ids.size(); ++i) {
        if (found.value(i)) {
            if (!first)
                reply += ',';
            first = false;
            reply += *found[i];
        } else {
            missing.push_back(ids[i]);
        }
    }
    reply += "],\"missing\":";
    reply += dump(missing);
    reply += '}';
    exchange.send(200, reply, { { "Cache-Control", "no-store" } });
}

void AnalysisRoutes::lookup(const ExchangePtr &exchange)
{
    auto validated = m_validator.lookup(exchange->query());
    if (const auto *e = std::get_if<RequestError>(&validated)) {
        exchange->sendError(e->status, e->code, e->message);
        return;
    }
    const LookupQuery &query = std::get<LookupQuery>(validated);
    JobStore *store = m_offloader->store();
    m_offloader->run<std::optional<Job>>(
        [store, owner = exchange->tenant(), query] {
            return store->lookup(owner, query.listingId, query.analysisType);
        },
        [exchange](const std::optional<std::optional<Job>> &job) {
            if (!job) {
                exchange->sendStoreUnavailable();
                return;
            }
            if (!*job || (*job)->owner != exchange->tenant()) {
                exchange->sendError(
                    404, "job_not_found", QStringLiteral("no active or recent job for this listing and analysis"));
                return;
            }
            exchange->sendJob(200, **job);
        });
}

void AnalysisRoutes::cancel(const ExchangePtr &exchange)
{
    auto validated = m_validator.jobIdBody(exchange->body());
    if (const auto *e = std::get_if<RequestError>(&validated)) {
        exchange->sendError(e->status, e->code, e->message);
        return;
    }
    const QString id = std::get<QString>(validated);
    JobStore *store = m_offloader->store();
    m_offloader->run<CancelResult>([store, owner = exchange->tenant(), id] { return store->cancel(owner, id); },
        [exchange, id](const std::optional<CancelResult> &result) {
            if (!result) {
                exchange->sendStoreUnavailable();
                return;
            }
            answerCancel(*exchange, id, *result);
        });
}

void AnalysisRoutes::answerCancel(Exchange &exchange, const QString &id, const CancelResult &r)
{
    switch (r.outcome) {
    case CancelOutcome::NotFound:
        exchange.sendError(404, "job_not_found", QStringLiteral("no job %1").arg(id));
        return;
    case CancelOutcome::AlreadyTerminal: {
        nlohmann::json reply = nlohmann::json::parse(errorBody("job_terminal",
            QStringLiteral("the job is already %1").arg(jobStatusName(r.job->status)), exchange.requestId())
                                                         .toStdString());
        reply["job"] = jobToJson(*r.job);
        exchange.send(409, dump(reply));
        return;
    }
    case CancelOutcome::Canceled:
    case CancelOutcome::Requested:
        exchange.sendJob(200, *r.job);
        return;
    }
}

} // namespace dealscope::server
