#include "server/http/ApiServer.h"

#include "analysis/AnalysisEngine.h"
#include "analysis/AnalysisType.h"
#include "common/JsonQt.h"
#include "domain/Listing.h"
#include "jobs/JobId.h"
#include "jobs/JobJson.h"
#include "market/ListingCatalog.h"
#include "server/ServerLog.h"
#include "server/auth/QStashVerifier.h"
#include "server/auth/RateLimiter.h"
#include "server/auth/TokenStore.h"
#include "server/http/Metrics.h"
#include "server/worker/WorkerPool.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QHttpServerRequest>
#include <QScopeGuard>
#include <QTcpSocket>
#include <QUrlQuery>
#include <QUuid>

#include <nlohmann/json.hpp>

namespace dealscope::server {

namespace {
using Method = QHttpServerRequest::Method;

QByteArray header(const QHttpServerRequest &request, QByteArrayView name)
{
    for (const auto &h : request.headers()) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

QString requestIdFrom(const QHttpServerRequest &request)
{
    const QByteArray given = header(request, "x-request-id");
    bool ok = !given.isEmpty() && given.size() <= 128;
    for (char c : given) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':'))
            ok = false;
    }
    return ok ? QString::fromLatin1(given) : QUuid::createUuid().toString(QUuid::WithoutBraces);
}

QByteArray dump(const nlohmann::json &j)
{
    return QByteArray::fromStdString(j.dump());
}

struct Route
{
    const char *name;
    Method method;
};

std::optional<Route> routeFor(const QString &path, QString *listingId)
{
    static const QHash<QString, Route> exact = {
        { QStringLiteral("/api/analysis/start"), { "start", Method::Post } },
        { QStringLiteral("/api/analysis/status"), { "status", Method::Get } },
        { QStringLiteral("/api/analysis/lookup"), { "lookup", Method::Get } },
        { QStringLiteral("/api/analysis/cancel"), { "cancel", Method::Post } },
        { QStringLiteral("/api/analysis/consume"), { "consume", Method::Post } },
        { QStringLiteral("/api/listings"), { "listings", Method::Get } },
        { QStringLiteral("/healthz"), { "healthz", Method::Get } },
        { QStringLiteral("/readyz"), { "readyz", Method::Get } },
        { QStringLiteral("/metrics"), { "metrics", Method::Get } },
    };
    const auto it = exact.constFind(path);
    if (it != exact.cend())
        return *it;
    static const QString listingPrefix = QStringLiteral("/api/listings/");
    if (path.startsWith(listingPrefix) && path.size() > listingPrefix.size()
        && !path.mid(listingPrefix.size()).contains(QLatin1Char('/'))) {
        *listingId = path.mid(listingPrefix.size());
        return Route { "listing", Method::Get };
    }
    return std::nullopt;
}

QByteArray methodName(Method m)
{
    return m == Method::Post ? "POST" : "GET";
}

// {listingId, analysisType, params?, force?} and {jobId} share these checks.
struct FieldError
{
    int status;
    QByteArray code;
    QString message;
};

std::optional<FieldError> requireString(const nlohmann::json &body, const char *field, QString *out, int maxLen = 200)
{
    const auto it = body.find(field);
    if (it == body.end() || it->is_null())
        return FieldError { 400, "missing_field", QStringLiteral("%1 is required").arg(QLatin1String(field)) };
    if (!it->is_string())
        return FieldError { 400, "invalid_field", QStringLiteral("%1 must be a string").arg(QLatin1String(field)) };
    *out = it->get<QString>();
    if (out->isEmpty())
        return FieldError { 400, "invalid_field", QStringLiteral("%1 must not be empty").arg(QLatin1String(field)) };
    if (out->size() > maxLen)
        return FieldError { 400, "invalid_field",
            QStringLiteral("%1 is longer than %2 characters").arg(QLatin1String(field)).arg(maxLen) };
    return std::nullopt;
}

QString unknownTypeMessage(const QString &given)
{
    return QStringLiteral("unknown analysisType \"%1\"; allowed: %2")
        .arg(given.left(100), analysisTypeNames().join(QStringLiteral(", ")));
}
} // namespace

namespace {
QByteArray etagOf(QByteArrayView wire)
{
    // Deterministic across processes (FNV-1a 64 over the wire JSON), so any API node can answer 304.
    return jsonEtag(wire);
}
} // namespace

QByteArray jobEtag(const Job &job)
{
    return etagOf(serializeJob(job, JobJsonScope::Wire));
}

ApiServer::ApiServer(
    Config config, JobStore *store, std::shared_ptr<const AnalysisEngine> engine, Metrics *metrics, QObject *parent)
    : QAbstractHttpServer(parent)
    , m_config(config)
    , m_store(store)
    , m_engine(std::move(engine))
    , m_metrics(metrics)
{
    m_storePool.setMaxThreadCount(4);
    m_storePool.setExpiryTimeout(-1); // keep the threads and their store connections
}

ApiServer::~ApiServer()
{
    m_storePool.waitForDone();
    QCoreApplication::removePostedEvents(this);
    for (auto &list : m_waiters)
        qDeleteAll(list);
}

void ApiServer::setTokens(std::shared_ptr<const TokenStore> tokens)
{
    m_tokens = std::move(tokens);
}

void ApiServer::setRateLimiter(std::unique_ptr<RateLimiter> limiter)
{
    m_limiter = std::move(limiter);
}

void ApiServer::setQStash(std::unique_ptr<QStashVerifier> verifier)
{
    m_qstash = std::move(verifier);
}

void ApiServer::send(
    Ctx &ctx, int status, const QByteArray &body, const HeaderPairs &headers, const QByteArray &contentType)
{
    if (m_metrics)
        m_metrics->countRequest(ctx.route, status, double(ctx.timer.nsecsElapsed()) / 1e9);
    if (!ctx.socket || ctx.socket->state() != QAbstractSocket::ConnectedState)
        return;
    QByteArray out = statusLine(status);
    out.reserve(body.size() + 256);
    if (status != 304)
        out += "Content-Type: " + contentType + "\r\n";
    out += "Content-Length: " + QByteArray::number(status == 304 ? 0 : body.size()) + "\r\n";
    out += "X-Request-Id: " + ctx.requestId.toLatin1() + "\r\n";
    for (const auto &h : headers)
        out += h.first + ": " + h.second + "\r\n";
    if (ctx.close)
        out += "Connection: close\r\n";
    out += "\r\n";
    if (status != 304)
        out += body;
    ctx.socket->write(out);
    if (ctx.close)
        ctx.socket->disconnectFromHost();
}

void ApiServer::sendError(
    Ctx &ctx, int status, const QByteArray &code, const QString &message, const HeaderPairs &headers)
{
    send(ctx, status, errorBody(code, message, ctx.requestId), headers);
}

void ApiServer::sendStoreUnavailable(Ctx &ctx)
{
    sendError(ctx, 503, "store_unavailable", QStringLiteral("the job store cannot be reached; retry shortly"),
        { { "Retry-After", "1" } });
}

void ApiServer::sendJob(Ctx &ctx, int status, const Job &job)
{
    sendWire(ctx, status, serializeJob(job, JobJsonScope::Wire));
}

void ApiServer::sendWire(Ctx &ctx, int status, const QByteArray &wire)
{
    send(ctx, status, wire, { { "ETag", etagOf(wire) }, { "Cache-Control", "no-store" } });
}

void ApiServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    Ctx ctx { socket, requestIdFrom(request), QStringLiteral("unknown"), {}, false, {} };
    ctx.timer.start();
    sendError(ctx, 404, "not_found", QStringLiteral("no such route"));
}

bool ApiServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    Ctx ctx;
    ctx.timer.start();
    ctx.socket = socket;
    ctx.requestId = requestIdFrom(request);
    ctx.close = header(request, "connection").compare("close", Qt::CaseInsensitive) == 0;

    QString listingId;
    const QString path = request.url().path();
    const auto route = routeFor(path, &listingId);
    if (!route) {
        ctx.route = QStringLiteral("unknown");
        sendError(ctx, 404, "not_found", QStringLiteral("no route %1").arg(path.left(200)));
        return true;
    }
    ctx.route = QLatin1String(route->name);
    if (request.method() != route->method) {
        sendError(ctx, 405, "method_not_allowed",
            QStringLiteral("%1 only accepts %2").arg(path, QLatin1String(methodName(route->method))),
            { { "Allow", methodName(route->method) } });
        return true;
    }
    try {
        const QByteArray name(route->name);
        if (name == "healthz") {
            send(ctx, 200, R"({"status":"ok"})");
            return true;
        }
        if (name == "readyz") {
            handleReady(ctx);
            return true;
        }
        if (name == "metrics") {
            handleMetrics(ctx);
            return true;
        }
        if (m_config.probesOnly) {
            sendError(ctx, 404, "not_found",
                QStringLiteral("this process only runs workers; the API is served by --role api or all"));
            return true;
        }
        if (name == "consume") {
            handleConsume(request, ctx);
            return true;
        }
        if (!authenticate(request, ctx))
            return true;
        if (route->method == Method::Post) {
            const QByteArray type = header(request, "content-type");
            if (!type.isEmpty() && !type.toLower().startsWith("application/json")) {
                sendError(ctx, 415, "unsupported_media_type", QStringLiteral("send the body as application/json"));
                return true;
            }
        }
        if (name == "start")
            handleStart(request, ctx);
        else if (name == "status")
            handleStatus(request, ctx);
        else if (name == "lookup")
            handleLookup(request, ctx);
        else if (name == "cancel")
            handleCancel(request, ctx);
        else if (name == "listings" || name == "listing")
            handleListings(request, ctx, listingId);
    } catch (const StoreUnavailable &e) {
        qCWarning(lcServer) << "store unavailable:" << e.what();
        sendStoreUnavailable(ctx);
    } catch (const std::exception &e) {
        qCWarning(lcServer) << "request" << ctx.requestId << "failed:" << e.what();
        sendError(ctx, 500, "internal_error", QStringLiteral("internal error (request %1)").arg(ctx.requestId));
    }
    return true;
}

bool ApiServer::authenticate(const QHttpServerRequest &request, Ctx &ctx)
{
    QByteArray token; // the rate-limit key with auth; without, the client's address is
    if (m_config.requireAuth) {
        const QByteArray auth = header(request, "authorization");
        if (!auth.startsWith("Bearer ") || auth.size() <= 7) {
            sendError(ctx, 401, "unauthorized", QStringLiteral("missing Authorization: Bearer token"),
                { { "WWW-Authenticate", "Bearer" } });
            return false;
        }
        token = auth.mid(7).trimmed();
        const auto tenant = m_tokens ? m_tokens->tenantFor(token) : std::nullopt;
        if (!tenant) {
            sendError(ctx, 401, "unauthorized", QStringLiteral("the bearer token is not valid"),
                { { "WWW-Authenticate", "Bearer error=\"invalid_token\"" } });
            return false;
        }
        ctx.tenant = *tenant;
    } else {
        ctx.tenant = QStringLiteral("public");
    }
    if (m_limiter && m_limiter->enabled()) {
        const QString rateKey = m_config.requireAuth ? QString::fromLatin1(token) : request.remoteAddress().toString();
        // Per token across every API process when the store shares a bucket (Redis), else per process.
        // A Redis call blocks this event loop: after a failure the per-process bucket stands in
        // for a while instead of every request waiting out the connection timeout again.
        std::optional<qint64> shared;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        if (now >= m_sharedRateRetryAtMs) {
            try {
                shared = m_store->acquireRate(rateKey.toUtf8(), m_limiter->rate());
            } catch (const StoreUnavailable &e) {
                m_sharedRateRetryAtMs = QDateTime::currentMSecsSinceEpoch() + kSharedRateBackoffMs;
                qCWarning(lcServer) << "shared rate limit unavailable, limiting per process for" << kSharedRateBackoffMs
                                    << "ms:" << e.what();
            }
        }
        const qint64 waitMs = shared ? *shared : m_limiter->acquire(rateKey, QDateTime::currentMSecsSinceEpoch());
        if (waitMs > 0) {
            const qint64 secs = std::max<qint64>(1, (waitMs + 999) / 1000);
            sendError(ctx, 429, "rate_limited", QStringLiteral("too many requests; retry in %1 s").arg(secs),
                { { "Retry-After", QByteArray::number(secs) } });
            return false;
        }
    }
    return true;
}

void ApiServer::queueStart(Ctx &ctx, Job job, bool force)
{
    if (!m_store->isRemote()) {
        // An in-process store answers in microseconds: a thread hop would cost more than it saves.
        StartResult result;
        result.outcome = m_store->start(job, force);
        answerStart(ctx, result);
        return;
    }
    // Starts arriving while the store thread waits on Redis are sent together, in one pipeline:
    // one round trip and one thread hop per batch instead of per request.
    if (m_starts.push(PendingStart { std::make_shared<Ctx>(ctx), StartRequest { std::move(job), force } }))
        m_storePool.start([this] { drainStarts(); });
}

void ApiServer::drainStarts()
{
    constexpr qsizetype kMaxBatch = 64;
    m_starts.drain(
        kMaxBatch,
        [this](QList<PendingStart> batch) {
            QList<StartRequest> requests;
            requests.reserve(batch.size());
            for (auto &p : batch)
                requests.append(std::move(p.request));
            QList<StartResult> results;
            try {
                results = m_store->startMany(requests);
            } catch (const std::exception &e) {
                // startMany() does not throw by contract; if it does, these starts still get an answer.
                qCWarning(lcServer) << "starting" << requests.size() << "jobs failed:" << e.what();
                results = QList<StartResult>(requests.size());
                for (auto &r : results)
                    r.failure = "internal_error";
            }
            QMetaObject::invokeMethod(
                this,
                [this, batch = std::move(batch), results = std::move(results)] {
                    for (qsizetype i = 0; i < batch.size(); ++i)
                        answerStart(*batch[i].ctx, results.value(i));
                },
                Qt::QueuedConnection);
        },
        [this] { m_storePool.start([this] { drainStarts(); }); });
}

void ApiServer::answerStart(Ctx &c, const StartResult &result)
{
    if (result.failure == "store_unavailable" || (!result.outcome && result.failure.isEmpty())) {
        sendStoreUnavailable(c);
        return;
    }
    if (!result.outcome) {
        qCWarning(lcServer) << "start of request" << c.requestId << "failed";
        sendError(c, 500, "internal_error", QStringLiteral("internal error (request %1)").arg(c.requestId));
        return;
    }
    const StartOutcome &outcome = *result.outcome;
    // The job is serialised once, for the ETag and the reply (keys in the order nlohmann would
    // write them), and never built as a json tree.
    const QByteArray wire = serializeJob(outcome.job, JobJsonScope::Wire);
    QByteArray reply;
    reply.reserve(wire.size() + 80);
    reply += outcome.created ? "{\"deduplicated\":false,\"job\":" : "{\"deduplicated\":true,\"job\":";
    reply += wire;
    reply += ",\"jobId\":";
    reply += dump(outcome.job.id);
    reply += '}';
    send(c, outcome.created ? 202 : 200, reply, { { "ETag", etagOf(wire) } });
}

void ApiServer::handleStart(const QHttpServerRequest &request, Ctx &ctx)
{
    const QByteArray raw = request.body();
    const auto body = nlohmann::json::parse(raw.constData(), raw.constData() + raw.size(), nullptr, false);
    if (body.is_discarded()) {
        sendError(ctx, 400, "malformed_json", QStringLiteral("the body is not valid JSON"));
        return;
    }
    if (!body.is_object()) {
        sendError(ctx, 400, "invalid_body", QStringLiteral("the body must be a JSON object"));
        return;
    }
    QString listingId, analysisType;
    if (auto e = requireString(body, "listingId", &listingId)) {
        sendError(ctx, e->status, e->code, e->message);
        return;
    }
    if (const auto t = body.find("analysisType");
        t != body.end() && t->is_string() && !t->get_ref<const std::string &>().empty()) {
        analysisType = t->get<QString>();
    } else if (auto e = requireString(body, "analysisType", &analysisType)) {
        sendError(ctx, e->status, e->code, e->message);
        return;
    }
    if (!parseAnalysisType(analysisType)) {
        sendError(ctx, 400, "unknown_analysis_type", unknownTypeMessage(analysisType));
        return;
    }
    nlohmann::json params = nlohmann::json::object();
    if (const auto it = body.find("params"); it != body.end() && !it->is_null()) {
        if (!it->is_object()) {
            sendError(ctx, 400, "invalid_field", QStringLiteral("params must be an object"));
            return;
        }
        params = *it;
    }
    bool force = false;
    if (const auto it = body.find("force"); it != body.end() && !it->is_null()) {
        if (!it->is_boolean()) {
            sendError(ctx, 400, "invalid_field", QStringLiteral("force must be a boolean"));
            return;
        }
        force = it->get<bool>();
    }
    if (const auto invalid = m_engine->validate(AnalysisRequest { listingId, analysisType, params })) {
        if (invalid->field == QLatin1String("listingId"))
            sendError(ctx, 404, "listing_not_found", invalid->message);
        else if (invalid->field == QLatin1String("analysisType"))
            sendError(ctx, 400, "unknown_analysis_type", unknownTypeMessage(analysisType));
        else
            sendError(ctx, 400, "invalid_params", invalid->message);
        return;
    }
    Job job;
    job.id = generateJobId();
    job.owner = ctx.tenant;
    job.listingId = listingId;
    job.analysisType = analysisType;
    job.params = params;
    job.status = JobStatus::Queued;
    job.createdAt = job.updatedAt = QDateTime::currentMSecsSinceEpoch();
    job.attempt = 1;
    job.requestId = ctx.requestId;
    queueStart(ctx, std::move(job), force);
}

void ApiServer::handleStatus(const QHttpServerRequest &request, Ctx &ctx)
{
    const QUrlQuery query = request.query();
    const bool single = query.hasQueryItem(QStringLiteral("jobId"));
    const bool batch = query.hasQueryItem(QStringLiteral("jobIds"));
    if (single == batch) {
        sendError(ctx, 400, single ? "invalid_query" : "missing_field",
            single ? QStringLiteral("give either jobId or jobIds, not both")
                   : QStringLiteral("jobId or jobIds is required"));
        return;
    }
    int wait = 0;
    if (query.hasQueryItem(QStringLiteral("wait"))) {
        bool ok = false;
        wait = query.queryItemValue(QStringLiteral("wait")).toInt(&ok);
        if (!ok || wait < 0 || wait > m_config.maxWaitSecs) {
            sendError(ctx, 400, "invalid_wait",
                QStringLiteral("wait must be a whole number of seconds from 0 to %1").arg(m_config.maxWaitSecs));
            return;
        }
        if (batch && wait > 0) {
            sendError(ctx, 400, "invalid_wait", QStringLiteral("wait is only supported with a single jobId"));
            return;
        }
    }
    if (batch) {
        const QStringList ids = query.queryItemValue(QStringLiteral("jobIds"), QUrl::FullyDecoded)
                                    .split(QLatin1Char(','), Qt::SkipEmptyParts);
        if (ids.isEmpty()) {
            sendError(ctx, 400, "missing_field", QStringLiteral("jobIds lists no ids"));
            return;
        }
        if (ids.size() > m_config.maxBatchIds) {
            sendError(ctx, 400, "too_many_job_ids",
                QStringLiteral("at most %1 jobIds per request, got %2").arg(m_config.maxBatchIds).arg(ids.size()));
            return;
        }
        QStringList valid;
        nlohmann::json missing = nlohmann::json::array();
        for (const QString &id : ids) {
            if (isValidJobId(id))
                valid.append(id);
            else
                missing.push_back(id.left(64));
        }
        if (!m_store->isRemote()) {
            sendBatchStatus(ctx, valid, m_store->getManyWire(ctx.tenant, valid), std::move(missing));
            return;
        }
        // Fetched on a store thread, one request at a time: the event loop keeps serving starts
        // while Redis answers (it waits behind the workers' scripts), and a client hammering
        // batch status still cannot take more than one thread's worth of the cores.
        if (m_batchPolls.push(PendingBatchStatus { std::make_shared<Ctx>(ctx), std::move(valid), std::move(missing) }))
            m_storePool.start([this] { drainBatchStatus(); });
        return;
    }
    const QString id = query.queryItemValue(QStringLiteral("jobId"), QUrl::FullyDecoded);
    if (!isValidJobId(id)) {
        sendError(ctx, 400, "invalid_job_id", QStringLiteral("jobId is not a job id"));
        return;
    }
    const QByteArray ifNoneMatch = header(request, "if-none-match");
    if (wait == 0 && m_store->isRemote()) {
        // A plain poll needs nothing more from this event loop: fetched with other polls on the
        // store thread (one MGET) while the loop serves other connections. A long-poll stays
        // here: its baseline and its registration must see every change notification after it.
        queueStatus(ctx, id, ifNoneMatch);
        return;
    }
    // Registered before the baseline is read, so that a change made after that read is
    // delivered (the store drops changes while wantsChanges() is false); a request that does
    // not park takes it back on the way out.
    bool parked = false;
    if (wait > 0)
        ++m_changeInterest;
    const auto interest = qScopeGuard([&] {
        if (wait > 0 && !parked)
            --m_changeInterest;
    });
    const auto wire = getWire(ctx.tenant, id);
    if (!wire) {
        sendError(ctx, 404, "job_not_found", QStringLiteral("no job %1").arg(id));
        return;
    }
    const QByteArray etag = etagOf(*wire);
    const bool matches
        = !ifNoneMatch.isEmpty() && (ifNoneMatch == etag || ifNoneMatch == "W/" + etag || ifNoneMatch == "*");
    if (wait == 0 || (!ifNoneMatch.isEmpty() && !matches)
        || isTerminal(statusOfJobJson(*wire).value_or(JobStatus::Failed))) {
        if (matches)
            send(ctx, 304, {}, { { "ETag", etag }, { "Cache-Control", "no-store" } });
        else
            sendWire(ctx, 200, *wire);
        return;
    }
    if (m_waiterCount >= m_config.maxWaiters) {
        sendError(ctx, 503, "too_many_waiters", QStringLiteral("too many long-polls in progress; poll without wait"),
            { { "Retry-After", "1" } });
        return;
    }
    auto *waiter = new Waiter { ctx, etag, new QTimer(this) };
    m_waiters[id].append(waiter);
    ++m_waiterCount;
    parked = true; // the waiter keeps its share of m_changeInterest until it is answered
    if (m_metrics)
        m_metrics->setGauge(QStringLiteral("long_polls"), double(m_waiterCount));
    waiter->timer->setSingleShot(true);
    connect(waiter->timer, &QTimer::timeout, this, [this, waiter, id] {
        std::optional<QByteArray> wire;
        try {
            wire = getWire(waiter->ctx.tenant, id);
        } catch (const std::exception &) {
            failWaiter(waiter); // store away at the end of the wait: 503, never a guess
            return;
        }
        finishWaiter(waiter, wire);
    });
    if (ctx.socket) {
        connect(ctx.socket, &QTcpSocket::disconnected, waiter->timer,
            [this, waiter] { finishWaiter(waiter, std::nullopt); });
    }
    waiter->timer->start(wait * 1000);
}

void ApiServer::queueStatus(Ctx &ctx, const QString &id, const QByteArray &ifNoneMatch)
{
    if (m_statusPolls.push(PendingStatus { std::make_shared<Ctx>(ctx), id, ifNoneMatch }))
        m_storePool.start([this] { drainStatus(); });
}

void ApiServer::drainStatus()
{
    constexpr qsizetype kMaxBatch = 100;
    m_statusPolls.drain(
        kMaxBatch,
        [this](QList<PendingStatus> batch) {
            // One MGET per tenant in the batch (almost always one).
            QList<std::optional<QByteArray>> wires(batch.size());
            bool unavailable = false;
            try {
                QHash<QString, QList<qsizetype>> byTenant;
                for (qsizetype i = 0; i < batch.size(); ++i)
                    byTenant[batch[i].ctx->tenant].append(i);
                for (auto it = byTenant.cbegin(); it != byTenant.cend(); ++it) {
                    QStringList ids;
                    for (const qsizetype i : it.value())
                        ids.append(batch[i].id);
                    const auto found = m_store->getManyWire(it.key(), ids);
                    for (qsizetype k = 0; k < it.value().size(); ++k)
                        wires[it.value()[k]] = found.value(k);
                }
            } catch (const std::exception &e) {
                qCWarning(lcServer) << "store unavailable:" << e.what();
                unavailable = true;
            }
            QMetaObject::invokeMethod(
                this,
                [this, batch = std::move(batch), wires = std::move(wires), unavailable] {
                    for (qsizetype i = 0; i < batch.size(); ++i) {
                        Ctx &c = *batch[i].ctx;
                        if (unavailable) {
                            sendStoreUnavailable(c);
                            continue;
                        }
                        const auto &wire = wires[i];
                        if (!wire) {
                            sendError(c, 404, "job_not_found", QStringLiteral("no job %1").arg(batch[i].id));
                            continue;
                        }
                        const QByteArray etag = etagOf(*wire);
                        const QByteArray &inm = batch[i].ifNoneMatch;
                        if (!inm.isEmpty() && (inm == etag || inm == "W/" + etag || inm == "*"))
                            send(c, 304, {}, { { "ETag", etag }, { "Cache-Control", "no-store" } });
                        else
                            sendWire(c, 200, *wire);
                    }
                },
                Qt::QueuedConnection);
        },
        [this] { m_storePool.start([this] { drainStatus(); }); });
}

void ApiServer::drainBatchStatus()
{
    m_batchPolls.drain(
        1,
        [this](QList<PendingBatchStatus> batch) {
            PendingBatchStatus &request = batch.first();
            std::optional<QList<std::optional<QByteArray>>> found;
            try {
                found = m_store->getManyWire(request.ctx->tenant, request.ids);
            } catch (const std::exception &e) {
                qCWarning(lcServer) << "store unavailable:" << e.what();
            }
            QMetaObject::invokeMethod(
                this,
                [this, request = std::move(request), found = std::move(found)]() mutable {
                    if (found)
                        sendBatchStatus(*request.ctx, request.ids, *found, std::move(request.missing));
                    else
                        sendStoreUnavailable(*request.ctx);
                },
                Qt::QueuedConnection);
        },
        [this] { m_storePool.start([this] { drainBatchStatus(); }); });
}

// The reply is put together from the stored jobs' wire bytes: no job is parsed or serialised here.
void ApiServer::sendBatchStatus(
    Ctx &ctx, const QStringList &ids, const QList<std::optional<QByteArray>> &found, nlohmann::json missing)
{
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
    send(ctx, 200, reply, { { "Cache-Control", "no-store" } });
}

std::optional<QByteArray> ApiServer::getWire(const QString &tenant, const QString &id)
{
    return m_store->getManyWire(tenant, { id }).value(0);
}

void ApiServer::finishWaiter(Waiter *waiter, const std::optional<QByteArray> &wire)
{
    // Unpark first: answering may re-enter the event loop through the socket.
    for (auto it = m_waiters.begin(); it != m_waiters.end(); ++it) {
        if (it->removeOne(waiter)) {
            if (it->isEmpty())
                m_waiters.erase(it);
            break;
        }
    }
    --m_waiterCount;
    --m_changeInterest;
    if (m_metrics)
        m_metrics->setGauge(QStringLiteral("long_polls"), double(m_waiterCount));
    // Cut the timer's and the socket's connections now: the timer is only deleted later and a
    // late signal must not reach this (then deleted) waiter.
    waiter->timer->stop();
    QObject::disconnect(waiter->timer, nullptr, nullptr, nullptr);
    if (waiter->ctx.socket)
        QObject::disconnect(waiter->ctx.socket, nullptr, waiter->timer, nullptr);
    waiter->timer->deleteLater();
    if (waiter->ctx.socket && waiter->ctx.socket->state() == QAbstractSocket::ConnectedState) {
        if (!wire)
            sendError(waiter->ctx, 404, "job_not_found", QStringLiteral("the job no longer exists"));
        else if (etagOf(*wire) == waiter->baselineEtag)
            send(waiter->ctx, 304, {}, { { "ETag", waiter->baselineEtag }, { "Cache-Control", "no-store" } });
        else
            sendWire(waiter->ctx, 200, *wire);
    }
    delete waiter;
}

void ApiServer::failWaiter(Waiter *waiter)
{
    for (auto it = m_waiters.begin(); it != m_waiters.end(); ++it) {
        if (it->removeOne(waiter)) {
            if (it->isEmpty())
                m_waiters.erase(it);
            break;
        }
    }
    --m_waiterCount;
    --m_changeInterest;
    waiter->timer->stop();
    QObject::disconnect(waiter->timer, nullptr, nullptr, nullptr);
    if (waiter->ctx.socket)
        QObject::disconnect(waiter->ctx.socket, nullptr, waiter->timer, nullptr);
    waiter->timer->deleteLater();
    sendStoreUnavailable(waiter->ctx);
    delete waiter;
}

void ApiServer::jobChanged(const QString &jobId)
{
    std::lock_guard lock(m_changedMutex);
    m_changed.insert(jobId);
    if (m_wakePending)
        return;
    m_wakePending = true;
    QMetaObject::invokeMethod(this, &ApiServer::wakeWaiters, Qt::QueuedConnection);
}

void ApiServer::wakeWaiters()
{
    QSet<QString> changed;
    {
        std::lock_guard lock(m_changedMutex);
        changed.swap(m_changed);
        m_wakePending = false;
    }
    for (const QString &id : std::as_const(changed)) {
        const auto it = m_waiters.constFind(id);
        if (it == m_waiters.cend())
            continue;
        // Every waiter of a job is its owner's (another tenant got 404 before it could park).
        const QList<Waiter *> waiters = *it;
        const QString tenant = waiters.constFirst()->ctx.tenant;
        std::optional<QByteArray> wire;
        try {
            wire = getWire(tenant, id);
        } catch (const std::exception &) {
            continue; // store briefly away: the waiters' timers still answer
        }
        const QByteArray etag = wire ? etagOf(*wire) : QByteArray();
        for (Waiter *w : waiters) {
            if (w->ctx.tenant != tenant)
                finishWaiter(w, std::nullopt);
            else if (!wire || etag != w->baselineEtag)
                finishWaiter(w, wire);
        }
    }
}

void ApiServer::flushWaiters()
{
    const auto copy = m_waiters;
    for (auto it = copy.cbegin(); it != copy.cend(); ++it) {
        for (Waiter *w : it.value()) {
            std::optional<QByteArray> wire;
            try {
                wire = getWire(w->ctx.tenant, it.key());
            } catch (const std::exception &) { }
            finishWaiter(w, wire);
        }
    }
}

void ApiServer::handleLookup(const QHttpServerRequest &request, Ctx &ctx)
{
    const QUrlQuery query = request.query();
    const QString listingId = query.queryItemValue(QStringLiteral("listingId"), QUrl::FullyDecoded);
    const QString analysisType = query.queryItemValue(QStringLiteral("analysisType"), QUrl::FullyDecoded);
    if (listingId.isEmpty() || analysisType.isEmpty()) {
        sendError(ctx, 400, "missing_field", QStringLiteral("listingId and analysisType are required"));
        return;
    }
    if (!parseAnalysisType(analysisType)) {
        sendError(ctx, 400, "unknown_analysis_type", unknownTypeMessage(analysisType));
        return;
    }
    const auto job = m_store->lookup(ctx.tenant, listingId, analysisType);
    if (!job || job->owner != ctx.tenant) {
        sendError(ctx, 404, "job_not_found", QStringLiteral("no active or recent job for this listing and analysis"));
        return;
    }
    sendJob(ctx, 200, *job);
}

void ApiServer::handleCancel(const QHttpServerRequest &request, Ctx &ctx)
{
    const QByteArray raw = request.body();
    const auto body = nlohmann::json::parse(raw.constData(), raw.constData() + raw.size(), nullptr, false);
    if (body.is_discarded()) {
        sendError(ctx, 400, "malformed_json", QStringLiteral("the body is not valid JSON"));
        return;
    }
    if (!body.is_object()) {
        sendError(ctx, 400, "invalid_body", QStringLiteral("the body must be a JSON object"));
        return;
    }
    QString id;
    if (auto e = requireString(body, "jobId", &id, 64)) {
        sendError(ctx, e->status, e->code, e->message);
        return;
    }
    if (!isValidJobId(id)) {
        sendError(ctx, 400, "invalid_job_id", QStringLiteral("jobId is not a job id"));
        return;
    }
    const CancelResult r = m_store->cancel(ctx.tenant, id);
    switch (r.outcome) {
    case CancelOutcome::NotFound:
        sendError(ctx, 404, "job_not_found", QStringLiteral("no job %1").arg(id));
        return;
    case CancelOutcome::AlreadyTerminal: {
        nlohmann::json reply = nlohmann::json::parse(errorBody(
            "job_terminal", QStringLiteral("the job is already %1").arg(jobStatusName(r.job->status)), ctx.requestId)
                                                         .toStdString());
        reply["job"] = jobToJson(*r.job);
        send(ctx, 409, dump(reply));
        return;
    }
    case CancelOutcome::Canceled:
    case CancelOutcome::Requested:
        sendJob(ctx, 200, *r.job);
        return;
    }
}

void ApiServer::handleConsume(const QHttpServerRequest &request, Ctx &ctx)
{
    const HeaderPairs nonRetryable { { "Upstash-NonRetryable-Error", "true" } };
    if (!m_qstash || !m_qstash->isConfigured() || !m_pool) {
        sendError(ctx, 404, "not_found",
            QStringLiteral("the push-queue consumer is not enabled on this server (needs QStash keys and workers)"));
        return;
    }
    const QUrl url = request.url();
    const QString host = QString::fromLatin1(header(request, "host"));
    const QString pathAndQuery = url.path(QUrl::FullyEncoded)
        + (url.hasQuery() ? QLatin1Char('?') + url.query(QUrl::FullyEncoded) : QString());
    const QList<QString> urls { QStringLiteral("https://") + host + pathAndQuery,
        QStringLiteral("http://") + host + pathAndQuery };
    const QByteArray raw = request.body();
    if (const auto bad
        = m_qstash->verify(header(request, "upstash-signature"), raw, urls, QDateTime::currentSecsSinceEpoch())) {
        sendError(ctx, 401, "invalid_signature", *bad);
        return;
    }
    const auto body = nlohmann::json::parse(raw.constData(), raw.constData() + raw.size(), nullptr, false);
    QString id;
    if (body.is_discarded() || !body.is_object()) {
        sendError(ctx, 489, "malformed_json", QStringLiteral("the message body must be a JSON object {\"jobId\"}"),
            nonRetryable);
        return;
    }
    if (auto e = requireString(body, "jobId", &id, 64); e || !isValidJobId(id)) {
        sendError(ctx, 489, "invalid_field", e ? e->message : QStringLiteral("jobId is not a job id"), nonRetryable);
        return;
    }
    const auto job = m_store->get(id);
    if (!job) {
        sendError(
            ctx, 489, "job_not_found", QStringLiteral("no job %1 (expired or never created)").arg(id), nonRetryable);
        return;
    }
    if (isTerminal(job->status)) {
        sendJob(ctx, 200, *job);
        return;
    }
    auto shared = std::make_shared<Ctx>(ctx);
    m_pool->runJob(id, this, [this, shared, nonRetryable](bool claimed, std::optional<Job> done) {
        Ctx &c = *shared;
        if (!done) {
            sendError(c, 503, "store_unavailable", QStringLiteral("the job store cannot be reached"),
                { { "Retry-After", "5" } });
        } else if (done->status == JobStatus::Succeeded || done->status == JobStatus::Canceled) {
            sendJob(c, 200, *done);
        } else if (done->status == JobStatus::Failed) {
            sendError(c, 489, "job_failed", done->error, nonRetryable);
        } else {
            sendError(c, claimed ? 503 : 429, "job_busy",
                QStringLiteral("the job is %1 on another worker; deliver again later").arg(jobStatusName(done->status)),
                { { "Retry-After", "10" } });
        }
    });
}

void ApiServer::handleListings(const QHttpServerRequest &request, Ctx &ctx, const QString &id)
{
    const auto catalog = m_engine->catalog();
    if (!id.isEmpty()) {
        const QString decoded = QUrl::fromPercentEncoding(id.toUtf8());
        const Listing *listing = catalog ? catalog->find(decoded) : nullptr;
        if (!listing) {
            sendError(ctx, 404, "listing_not_found", QStringLiteral("no listing %1").arg(decoded.left(200)));
            return;
        }
        send(ctx, 200, dump(listingToJson(*listing)));
        return;
    }
    const QUrlQuery query = request.query();
    qint64 offset = 0, limit = 50;
    bool ok = true;
    if (query.hasQueryItem(QStringLiteral("offset")))
        offset = query.queryItemValue(QStringLiteral("offset")).toLongLong(&ok);
    if (!ok || offset < 0) {
        sendError(ctx, 400, "invalid_query", QStringLiteral("offset must be a whole number ≥ 0"));
        return;
    }
    if (query.hasQueryItem(QStringLiteral("limit")))
        limit = query.queryItemValue(QStringLiteral("limit")).toLongLong(&ok);
    if (!ok || limit < 1 || limit > 500) {
        sendError(ctx, 400, "invalid_query", QStringLiteral("limit must be a whole number from 1 to 500"));
        return;
    }
    const QString q = query.queryItemValue(QStringLiteral("q"), QUrl::FullyDecoded).trimmed();
    nlohmann::json items = nlohmann::json::array();
    qint64 total = 0;
    if (catalog) {
        for (const Listing &l : catalog->listings()) {
            if (!q.isEmpty() && !l.title.contains(q, Qt::CaseInsensitive)
                && !l.industry.contains(q, Qt::CaseInsensitive) && !l.location.contains(q, Qt::CaseInsensitive)
                && !l.id.contains(q, Qt::CaseInsensitive) && !l.description.contains(q, Qt::CaseInsensitive))
                continue;
            if (total >= offset && total < offset + limit)
                items.push_back(listingToJson(l));
            ++total;
        }
    }
    send(ctx, 200, dump({ { "listings", items }, { "total", total }, { "offset", offset }, { "limit", limit } }));
}

void ApiServer::handleReady(Ctx &ctx)
{
    bool up = false;
    try {
        up = m_store->ping();
    } catch (const std::exception &) { }
    if (up)
        send(ctx, 200, dump({ { "status", "ready" }, { "store", m_store->kind() } }));
    else
        sendError(ctx, 503, "store_unavailable", QStringLiteral("the %1 store does not answer").arg(m_store->kind()),
            { { "Retry-After", "1" } });
}

void ApiServer::handleMetrics(Ctx &ctx)
{
    StoreStats stats;
    try {
        stats = m_store->stats();
    } catch (const std::exception &) {
        stats.reachable = false;
    }
    send(ctx, 200, m_metrics ? m_metrics->render(stats) : QByteArray(), {}, "text/plain; version=0.0.4; charset=utf-8");
}

} // namespace dealscope::server
