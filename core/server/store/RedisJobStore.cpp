#include "server/store/RedisJobStore.h"

#include "jobs/JobJson.h"
#include "jobs/JobStateMachine.h"
#include "server/ServerLog.h"
#include "server/store/RedisChangeSubscriber.h"
#include "server/store/RedisClaimer.h"
#include "server/store/RedisLeaseWriter.h"
#include "server/store/RedisScripts.h"

#include <QCryptographicHash>

#include <unordered_map>

namespace dealscope::server {

namespace {
std::atomic<quint64> g_instances { 0 };
} // namespace

std::optional<Job> parseStoredJob(const QByteArray &json)
{
    return parseJob(json);
}

QByteArray RedisJobStore::storageJson(const Job &job)
{
    return serializeJob(job, JobJsonScope::Storage);
}

QByteArray RedisJobStore::statusName(JobStatus status)
{
    return jobStatusName(status).toLatin1();
}

RedisJobStore::RedisJobStore(Endpoint endpoint, StoreSettings settings)
    : m_endpoint(std::move(endpoint))
    , m_settings(settings)
    , m_keys(m_endpoint.prefix)
    , m_scripts(RedisScripts::instance())
    , m_instance(++g_instances)
    , m_claimer(std::make_unique<RedisClaimer>(*this))
    , m_writer(std::make_unique<RedisLeaseWriter>(*this))
{ }

RedisJobStore::~RedisJobStore()
{
    stopNotifications();
}

void RedisJobStore::stopNotifications()
{
    if (m_subscriber)
        m_subscriber->stop();
    setChangeListener({});
}

std::unique_ptr<RedisConnection> RedisJobStore::newConnection() const
{
    return std::make_unique<RedisConnection>(m_endpoint.host, m_endpoint.port, m_endpoint.db);
}

RedisConnection &RedisJobStore::conn()
{
    thread_local std::unordered_map<quint64, std::unique_ptr<RedisConnection>> connections;
    auto &c = connections[m_instance];
    if (!c)
        c = newConnection();
    return *c;
}

std::optional<QString> RedisJobStore::initialize(bool subscribe)
{
    try {
        const RedisValue r = conn().command({ "XGROUP", "CREATE", m_keys.stream(), m_keys.group(), "0", "MKSTREAM" });
        if (r.isError() && !r.str.startsWith("BUSYGROUP"))
            return QStringLiteral("cannot create the Redis consumer group: %1").arg(QString::fromUtf8(r.str));
    } catch (const StoreUnavailable &e) {
        return QString::fromUtf8(e.what());
    }
    if (subscribe) {
        m_subscriber = std::make_unique<RedisChangeSubscriber>(m_keys.channel(),
            RedisChangeSubscriber::Callbacks { [this] { return newConnection(); }, [this] { return changesWanted(); },
                [this](const QString &id) { notifyChanged(id); } });
        m_subscriber->start();
    }
    return std::nullopt;
}

StartOutcome RedisJobStore::createDone(const Job &candidate, const RedisValue &code, const RedisValue &existing)
{
    using Kind = StartOutcome::Kind;
    if (code.type != RedisValue::Type::Integer)
        throw StoreUnavailable("create script failed: " + code.str.toStdString());
    switch (code.integer) {
    case 1:
        return { candidate, true, Kind::Created, false };
    case 3:
        return { {}, false, Kind::KeyReused, false };
    default:
        break;
    }
    const auto job = parseStoredJob(existing.str);
    if (!job)
        throw std::runtime_error("stored job is unreadable");
    switch (code.integer) {
    case 0:
        return { *job, false, Kind::Deduplicated, false };
    case 2:
        return { *job, false, Kind::Conflict, false };
    case 4:
        return { *job, true, Kind::Created, true };
    case 5:
        return { *job, false, Kind::Deduplicated, true };
    default:
        throw std::runtime_error("create script answered an unknown code");
    }
}

StartOutcome RedisJobStore::start(const StartRequest &request)
{
    const QList<StartResult> results = startMany({ request });
    const StartResult &r = results.constFirst();
    if (r.outcome)
        return *r.outcome;
    if (r.failure == "store_unavailable")
        throw StoreUnavailable("create script failed");
    throw std::runtime_error("stored job is unreadable");
}

QList<StartResult> RedisJobStore::startMany(const QList<StartRequest> &requests)
{
    // One script call for the whole batch: dedup inside it sees the jobs created before in it.
    QList<StartResult> out(requests.size());
    if (requests.isEmpty())
        return out;
    QList<QByteArray> keys { m_keys.stream(), m_keys.stats() };
    QList<QByteArray> args { m_keys.jobPrefix(), QByteArray::number(nowMs()),
        QByteArray::number(m_settings.dedupWindowMs / 1000), QByteArray::number(m_settings.dedupWindowMs),
        m_keys.channel(), QByteArray::number(m_settings.idempotencyTtlSecs) };
    keys.reserve(2 + 2 * requests.size());
    args.reserve(6 + 4 * requests.size());
    for (const StartRequest &r : requests) {
        const Job &c = r.candidate;
        keys.append(m_keys.dedup(c.owner, c.listingId, c.analysisType));
        if (r.idempotencyKey.isEmpty()) {
            keys.append(QByteArray());
            args << c.id.toUtf8() << storageJson(c) << QByteArray(r.force ? "1" : "0") << QByteArray();
        } else {
            // Named by a hash: a client's key is never written to Redis as it is.
            keys.append(m_keys.key(QStringLiteral("idem:") + c.owner + QLatin1Char(':'))
                + QCryptographicHash::hash(r.idempotencyKey.toUtf8(), QCryptographicHash::Sha256).toHex());
            args << c.id.toUtf8() << storageJson(c) << QByteArray(r.force ? "1" : "0") << requestFingerprint(r);
        }
    }
    RedisValue reply;
    try {
        reply = conn().eval(m_scripts.create, keys, args);
    } catch (const StoreUnavailable &) {
        for (auto &r : out)
            r.failure = "store_unavailable";
        return out;
    }
    for (qsizetype i = 0; i < requests.size(); ++i) {
        try {
            if (reply.type != RedisValue::Type::Array || reply.elements.size() != 2 * requests.size())
                throw StoreUnavailable("create script failed: " + reply.str.toStdString());
            out[i].outcome = createDone(requests[i].candidate, reply.elements[2 * i], reply.elements[2 * i + 1]);
        } catch (const StoreUnavailable &) {
            out[i].failure = "store_unavailable";
        } catch (const std::exception &) {
            out[i].failure = "internal_error";
        }
    }
    return out;
}

std::optional<Job> RedisJobStore::get(const QString &id)
{
    const RedisValue r = conn().command({ "GET", m_keys.job(id) });
    if (r.type != RedisValue::Type::String)
        return std::nullopt;
    return parseStoredJob(r.str);
}

QList<std::optional<Job>> RedisJobStore::getMany(const QStringList &ids)
{
    QList<std::optional<Job>> out;
    if (ids.isEmpty())
        return out;
    QList<QByteArray> cmd { "MGET" };
    for (const QString &id : ids)
        cmd.append(m_keys.job(id));
    const RedisValue r = conn().command(cmd);
    for (qsizetype i = 0; i < ids.size(); ++i) {
        const RedisValue *v = i < r.elements.size() ? &r.elements[i] : nullptr;
        out.append(v && v->type == RedisValue::Type::String ? parseStoredJob(v->str) : std::nullopt);
    }
    return out;
}

QList<std::optional<QByteArray>> RedisJobStore::getManyWire(const QString &owner, const QStringList &ids)
{
    QList<std::optional<QByteArray>> out;
    if (ids.isEmpty())
        return out;
    QList<QByteArray> cmd { "MGET" };
    cmd.reserve(ids.size() + 1);
    for (const QString &id : ids)
        cmd.append(m_keys.job(id));
    const RedisValue r = conn().command(cmd);
    if (r.isError())
        throw StoreUnavailable("MGET failed: " + r.str.toStdString());
    out.reserve(ids.size());
    for (qsizetype i = 0; i < ids.size(); ++i) {
        const RedisValue *v = i < r.elements.size() ? &r.elements[i] : nullptr;
        out.append(v && v->type == RedisValue::Type::String ? wireFromStorage(v->str, owner) : std::nullopt);
    }
    return out;
}

std::optional<Job> RedisJobStore::lookup(const QString &owner, const QString &listingId, const QString &analysisType)
{
    const RedisValue id = conn().command({ "GET", m_keys.dedup(owner, listingId, analysisType) });
    if (id.type != RedisValue::Type::String)
        return std::nullopt;
    auto job = get(QString::fromUtf8(id.str));
    if (job && job->owner != owner)
        return std::nullopt;
    return job;
}

CancelResult RedisJobStore::cancel(const QString &owner, const QString &id)
{
    for (int attempt = 0; attempt < kCasTries; ++attempt) {
        const RedisValue cur = conn().command({ "GET", m_keys.job(id) });
        if (cur.type != RedisValue::Type::String)
            return {};
        auto job = parseStoredJob(cur.str);
        if (!job || job->owner != owner)
            return {};
        if (isTerminal(job->status))
            return { CancelOutcome::AlreadyTerminal, job };
        Job next = *job;
        const qint64 now = nowMs();
        CancelOutcome outcome;
        qint64 ttl = 0;
        if (job->status == JobStatus::Queued) {
            JobStateMachine::transition(next, JobStatus::Canceled, now);
            next.error = canceledByUser();
            ttl = m_settings.completedTtlSecs;
            outcome = CancelOutcome::Canceled;
        } else {
            next.updatedAt = std::max(next.updatedAt, now);
            outcome = CancelOutcome::Requested;
        }
        next.cancelRequested = true;
        const RedisValue r = conn().eval(m_scripts.compareAndSet,
            { m_keys.job(id), m_keys.lease(id), m_keys.stats(), m_keys.stream() },
            { cur.str, storageJson(next), "keep", "", "0", QByteArray::number(ttl), statusName(job->status),
                statusName(next.status), m_keys.channel(), id.toUtf8(), m_keys.group(), "" });
        if (r.type == RedisValue::Type::Array && !r.elements.isEmpty() && r.elements[0].integer == 1)
            return { outcome, next };
        if (r.isError())
            throw StoreUnavailable("cancel script failed: " + r.str.toStdString());
    }
    throw StoreUnavailable("cancel kept racing with the worker; retry");
}

bool RedisJobStore::ping()
{
    const RedisValue r = conn().command({ "PING" });
    return r.type == RedisValue::Type::Status && r.str == "PONG";
}

std::optional<qint64> RedisJobStore::acquireRate(const QByteArray &key, double perSecond)
{
    if (perSecond <= 0)
        return 0;
    // The bucket is named by a hash: bearer tokens are never written to Redis.
    const QByteArray bucket
        = m_keys.key(QStringLiteral("ratelimit:")) + QCryptographicHash::hash(key, QCryptographicHash::Sha256).toHex();
    const RedisValue r = conn().eval(m_scripts.rateLimit, { bucket },
        { QByteArray::number(perSecond, 'g', 10), QByteArray::number(std::max(1.0, perSecond), 'g', 10) });
    if (r.type != RedisValue::Type::Integer)
        throw StoreUnavailable("rate limit script failed: " + r.str.toStdString());
    return r.integer;
}

bool RedisJobStore::rememberOnce(const QByteArray &key, qint64 untilMs)
{
    const RedisValue r = conn().command({ "SET", m_keys.key(QStringLiteral("seen:")) + key, "1", "NX", "PXAT",
        QByteArray::number(std::max(untilMs, nowMs() + 1)) });
    if (r.isError())
        throw StoreUnavailable("SET NX failed: " + r.str.toStdString());
    return r.type == RedisValue::Type::Status; // OK; nil when the key was there
}

StoreStats RedisJobStore::stats()
{
    StoreStats s;
    const RedisValue r = conn().command({ "HGETALL", m_keys.stats() });
    for (qsizetype i = 0; i + 1 < r.elements.size(); i += 2)
        s.jobsByStatus.insert(QString::fromUtf8(r.elements[i].str), r.elements[i + 1].str.toLongLong());
    s.queueDepth = std::max<qint64>(0, s.jobsByStatus.value(QStringLiteral("queued")));
    return s;
}

std::optional<Lease> RedisJobStore::claim(const QString &workerId, int waitMs)
{
    QList<Lease> leases = claimBatch(workerId, waitMs, 1);
    if (leases.isEmpty())
        return std::nullopt;
    return std::move(leases.first());
}

QList<Lease> RedisJobStore::claimBatch(const QString &workerId, int waitMs, int maxJobs)
{
    return m_claimer->claimBatch(workerId, waitMs, maxJobs);
}

std::optional<Lease> RedisJobStore::claimJob(const QString &workerId, const QString &jobId)
{
    return m_claimer->claimJob(workerId, jobId);
}

void RedisJobStore::interruptClaims()
{
    m_claimer->interrupt();
}

WriteResult RedisJobStore::progress(Lease &lease, double progress, const QString &partialOutput)
{
    return m_writer->progress(lease, progress, partialOutput);
}

WriteResult RedisJobStore::heartbeat(Lease &lease)
{
    return m_writer->heartbeat(lease);
}

WriteResult RedisJobStore::finish(
    Lease &lease, JobStatus to, std::optional<nlohmann::json> result, const QString &error)
{
    return m_writer->finish(lease, to, std::move(result), error);
}

void RedisJobStore::finishMany(QList<FinishRequest> &requests)
{
    m_writer->finishMany(requests);
}

WriteResult RedisJobStore::retryLater(Lease &lease, const QString &error)
{
    return m_writer->retryLater(lease, error);
}

WriteResult RedisJobStore::resume(Lease &lease)
{
    return m_writer->resume(lease);
}

WriteResult RedisJobStore::saveCheckpoint(Lease &lease, const nlohmann::json &checkpoint)
{
    return m_writer->saveCheckpoint(lease, checkpoint);
}

std::optional<nlohmann::json> RedisJobStore::loadCheckpoint(const QString &jobId)
{
    return m_writer->loadCheckpoint(jobId);
}

void RedisJobStore::release(Lease &lease)
{
    m_writer->release(lease);
}

QList<Lease> RedisJobStore::finishThenClaim(
    QList<FinishRequest> &finished, const QString &workerId, int waitMs, int maxJobs)
{
    if (finished.isEmpty() || m_claimer->interrupted()
        || m_claimer->recoveryDue()) // the claim looks for vanished workers' jobs first
        return JobStore::finishThenClaim(finished, workerId, waitMs, maxJobs);
    RedisLeaseWriter::PreparedFinish prepared
        = m_writer->prepareFinish(finished); // moves the results out of `finished`
    if (prepared.sent.isEmpty())
        return claimBatch(workerId, waitMs, maxJobs);
    // The batch's terminal writes and the next claim in one round trip: a worker of fast jobs
    // otherwise waits for Redis twice per batch.
    const QByteArray tokenPrefix = newLeaseToken().toUtf8() + ":f:";
    QList<RedisValue> replies;
    try {
        replies = conn().evalMany({ { &m_scripts.leasedWrite, prepared.call },
            { &m_scripts.claimBatch, m_claimer->claimBatchCall(workerId, maxJobs, tokenPrefix) } });
    } catch (const std::exception &e) {
        warnFinishesNotStored(prepared.sent.size(), e);
        throw;
    }
    QList<Lease> out;
    try {
        m_claimer->takeClaimed(replies[1], workerId, out);
    } catch (const std::exception &) {
        // An error answer (the group was lost): the regular claim below repairs and reports it.
    }
    try {
        m_writer->completeFinish(finished, prepared, replies[0]);
    } catch (const std::exception &e) {
        warnFinishesNotStored(prepared.sent.size(), e);
    }
    if (!out.isEmpty())
        return out;
    return claimBatch(workerId, waitMs, maxJobs);
}

} // namespace dealscope::server
