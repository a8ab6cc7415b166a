#include "server/store/RedisJobStore.h"

#include "jobs/JobJson.h"
#include "jobs/JobStateMachine.h"
#include "server/ServerLog.h"
#include "server/store/RedisScripts.h"

#include <QCryptographicHash>

#include <hiredis/hiredis.h>

#include <poll.h>
#include <pthread.h>
#include <unordered_map>

namespace dealscope::server {

namespace {
std::atomic<quint64> g_instances { 0 };

QByteArray storageJson(const Job &job)
{
    return serializeJob(job, JobJsonScope::Storage);
}

QByteArray statusName(JobStatus s)
{
    return jobStatusName(s).toLatin1();
}

constexpr int kCasTries = 20;
} // namespace

std::optional<Job> parseStoredJob(const QByteArray &json)
{
    return parseJob(json);
}

RedisJobStore::RedisJobStore(Endpoint endpoint, StoreSettings settings)
    : m_endpoint(std::move(endpoint))
    , m_settings(settings)
    , m_instance(++g_instances)
{
    m_prefix = m_endpoint.prefix.toUtf8();
    m_stream = m_prefix + "queue:analysis";
    m_stats = m_prefix + "stats";
    m_channel = m_prefix + "jobs:changed";
    m_create = RedisConnection::makeScript(redis_scripts::kCreate);
    m_cas = RedisConnection::makeScript(redis_scripts::kCompareAndSet);
    m_leased = RedisConnection::makeScript(redis_scripts::kLeasedWrite);
    m_heartbeat = RedisConnection::makeScript(redis_scripts::kHeartbeat);
    m_checkpoint = RedisConnection::makeScript(redis_scripts::kCheckpoint);
    m_claimBatch = RedisConnection::makeScript(redis_scripts::kClaimBatch);
    m_rateLimit = RedisConnection::makeScript(redis_scripts::kRateLimit);
}

RedisJobStore::~RedisJobStore()
{
    stopNotifications();
}

void RedisJobStore::stopNotifications()
{
    m_stopSubscriber = true;
    if (m_subscriber.joinable())
        m_subscriber.join();
    setChangeListener({});
}

RedisConnection &RedisJobStore::conn()
{
    // One connection per thread and store: hiredis contexts are not thread-safe.
    thread_local std::unordered_map<quint64, std::unique_ptr<RedisConnection>> connections;
    auto &c = connections[m_instance];
    if (!c)
        c = std::make_unique<RedisConnection>(m_endpoint.host, m_endpoint.port, m_endpoint.db);
    return *c;
}

QByteArray RedisJobStore::dedupKey(const QString &owner, const QString &listingId, const QString &type) const
{
    return m_prefix + "job:byListing:" + owner.toUtf8() + ':' + listingId.toUtf8() + ':' + type.toUtf8();
}

std::optional<QString> RedisJobStore::initialize(bool subscribe)
{
    try {
        const RedisValue r = conn().command({ "XGROUP", "CREATE", m_stream, m_group, "0", "MKSTREAM" });
        if (r.isError() && !r.str.startsWith("BUSYGROUP"))
            return QStringLiteral("cannot create the Redis consumer group: %1").arg(QString::fromUtf8(r.str));
    } catch (const StoreUnavailable &e) {
        return QString::fromUtf8(e.what());
    }
    if (subscribe) {
        m_subscriber = std::thread([this] { subscriberMain(); });
        // Changes made right after start-up must not slip past the subscription.
        const qint64 until = nowMs() + 3000;
        while (!m_subscribed && nowMs() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return std::nullopt;
}

void RedisJobStore::subscriberMain()
{
    pthread_setname_np(pthread_self(), "ds-redis-sub");
    RedisConnection sub(m_endpoint.host, m_endpoint.port, m_endpoint.db);
    while (!m_stopSubscriber) {
        try {
            sub.ensureConnected();
            redisContext *c = sub.context();
            redisAppendCommand(c, "SUBSCRIBE %b", m_channel.constData(), size_t(m_channel.size()));
            int done = 0;
            while (!done) {
                if (redisBufferWrite(c, &done) != REDIS_OK)
                    throw StoreUnavailable("subscribe failed");
            }
            while (!m_stopSubscriber) {
                void *reply = nullptr;
                if (redisGetReplyFromReader(c, &reply) != REDIS_OK)
                    throw StoreUnavailable("bad reply");
                if (reply) {
                    const RedisValue v = toRedisValue(reply);
                    freeReplyObject(reply);
                    if (v.type == RedisValue::Type::Array && v.elements.size() == 3 && v.elements[0].str == "message") {
                        // A batch of changes comes as one message, ids joined by ','.
                        if (!changesWanted())
                            continue;
                        for (const QByteArray &id : v.elements[2].str.split(','))
                            notifyChanged(QString::fromUtf8(id));
                    } else if (v.type == RedisValue::Type::Array && v.elements.value(0).str == "subscribe")
                        m_subscribed = true;
                    continue;
                }
                pollfd pfd { c->fd, POLLIN, 0 };
                const int n = ::poll(&pfd, 1, 200);
                if (n < 0 && errno != EINTR)
                    throw StoreUnavailable("poll failed");
                if (n > 0 && redisBufferRead(c) != REDIS_OK)
                    throw StoreUnavailable("connection lost");
            }
        } catch (const StoreUnavailable &e) {
            sub.drop();
            qCWarning(lcServerStore) << "change subscription interrupted:" << e.what() << "- reconnecting";
            for (int i = 0; i < 5 && !m_stopSubscriber; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
}

StartOutcome RedisJobStore::createDone(const Job &candidate, const RedisValue &code, const RedisValue &existing)
{
    if (code.type != RedisValue::Type::Integer)
        throw StoreUnavailable("create script failed: " + code.str.toStdString());
    if (code.integer == 1)
        return { candidate, true };
    const auto job = parseStoredJob(existing.str);
    if (!job)
        throw std::runtime_error("stored job is unreadable");
    return { *job, false };
}

StartOutcome RedisJobStore::start(const Job &candidate, bool force)
{
    const QList<StartResult> results = startMany({ StartRequest { candidate, force } });
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
    QList<QByteArray> keys { m_stream, m_stats };
    QList<QByteArray> args { m_prefix + "job:", QByteArray::number(nowMs()),
        QByteArray::number(m_settings.dedupWindowMs / 1000), QByteArray::number(m_settings.dedupWindowMs), m_channel };
    keys.reserve(2 + requests.size());
    args.reserve(5 + 3 * requests.size());
    for (const StartRequest &r : requests) {
        const Job &c = r.candidate;
        keys.append(dedupKey(c.owner, c.listingId, c.analysisType));
        args << c.id.toUtf8() << storageJson(c) << QByteArray(r.force ? "1" : "0");
    }
    RedisValue reply;
    try {
        reply = conn().eval(m_create, keys, args);
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
    const RedisValue r = conn().command({ "GET", jobKey(id) });
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
        cmd.append(jobKey(id));
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
        cmd.append(jobKey(id));
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
    const RedisValue id = conn().command({ "GET", dedupKey(owner, listingId, analysisType) });
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
        const RedisValue cur = conn().command({ "GET", jobKey(id) });
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
        const RedisValue r = conn().eval(m_cas, { jobKey(id), leaseKey(id), m_stats, m_stream },
            { cur.str, storageJson(next), "keep", "", "0", QByteArray::number(ttl), statusName(job->status),
                statusName(next.status), m_channel, id.toUtf8(), m_group, "" });
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
        = m_prefix + "ratelimit:" + QCryptographicHash::hash(key, QCryptographicHash::Sha256).toHex();
    const RedisValue r = conn().eval(m_rateLimit, { bucket },
        { QByteArray::number(perSecond, 'g', 10), QByteArray::number(std::max(1.0, perSecond), 'g', 10) });
    if (r.type != RedisValue::Type::Integer)
        throw StoreUnavailable("rate limit script failed: " + r.str.toStdString());
    return r.integer;
}

StoreStats RedisJobStore::stats()
{
    StoreStats s;
    const RedisValue r = conn().command({ "HGETALL", m_stats });
    for (qsizetype i = 0; i + 1 < r.elements.size(); i += 2)
        s.jobsByStatus.insert(QString::fromUtf8(r.elements[i].str), r.elements[i + 1].str.toLongLong());
    s.queueDepth = std::max<qint64>(0, s.jobsByStatus.value(QStringLiteral("queued")));
    return s;
}

void RedisJobStore::ack(const QString &entryId)
{
    if (entryId.isEmpty())
        return;
    conn().command({ "XACK", m_stream, m_group, entryId.toUtf8() }); // kClaimBatch trims it from the stream
}

std::optional<Lease> RedisJobStore::claimEntry(const QString &workerId, const QString &entryId, const QString &jobId,
    bool recovered, std::optional<QByteArray> prefetched)
{
    for (int attempt = 0; attempt < kCasTries; ++attempt) {
        RedisValue cur;
        if (prefetched) {
            if (!prefetched->isEmpty()) {
                cur.type = RedisValue::Type::String;
                cur.str = *prefetched;
            }
            prefetched.reset();
        } else {
            cur = conn().command({ "GET", jobKey(jobId) });
        }
        if (cur.type != RedisValue::Type::String) {
            ack(entryId); // expired or never stored: nothing to run
            return std::nullopt;
        }
        auto job = parseStoredJob(cur.str);
        if (!job || isTerminal(job->status)) {
            ack(entryId);
            return std::nullopt;
        }
        const qint64 now = nowMs();
        Job next = *job;
        if (job->status == JobStatus::Running) {
            if (!recovered) {
                // Someone claimed it directly (push consumer); its own lease covers it.
                ack(entryId);
                return std::nullopt;
            }
            if (job->attempt >= m_settings.maxAttempts) {
                JobStateMachine::transition(next, JobStatus::Failed, now);
                next.error = QStringLiteral("the worker running attempt %1 vanished; gave up after %2 attempts")
                                 .arg(job->attempt)
                                 .arg(m_settings.maxAttempts);
            } else {
                JobStateMachine::transition(next, JobStatus::Queued, now); // attempt + 1
                JobStateMachine::transition(next, JobStatus::Running, now);
            }
        } else {
            JobStateMachine::transition(next, JobStatus::Running, now);
        }
        const bool terminal = isTerminal(next.status);
        const QString token = newLeaseToken();
        const RedisValue r = conn().eval(m_cas, { jobKey(jobId), leaseKey(jobId), m_stats, m_stream },
            { cur.str, storageJson(next), terminal ? "keep" : "take", token.toUtf8(),
                QByteArray::number(m_settings.leaseMs), QByteArray::number(terminal ? m_settings.completedTtlSecs : 0),
                statusName(job->status), statusName(next.status), m_channel, jobId.toUtf8(), m_group,
                terminal ? entryId.toUtf8() : QByteArray() });
        if (r.isError())
            throw StoreUnavailable("claim script failed: " + r.str.toStdString());
        const qint64 code = r.elements.value(0).integer;
        if (code == 2)
            return std::nullopt; // a live worker still holds it
        if (code != 1)
            continue; // changed meanwhile (cancel): look again
        if (terminal) {
            qCWarning(lcServerWorker).noquote() << "job" << jobId << "failed:" << next.error;
            return std::nullopt;
        }
        Lease lease;
        lease.job = next;
        lease.token = token;
        lease.entryId = entryId;
        lease.consumer = workerId;
        lease.recovered = recovered || job->startedAt.has_value(); // taken over, or handed back
        if (recovered)
            qCInfo(lcServerWorker).noquote() << workerId << "took over job" << jobId << "attempt" << next.attempt;
        return lease;
    }
    return std::nullopt;
}

RedisConnection::EvalCall RedisJobStore::claimBatchCall(
    const QString &workerId, int maxJobs, const QByteArray &tokenPrefix) const
{
    return { { m_stream, m_stats },
        { m_group, workerId.toUtf8(), QByteArray::number(std::clamp(maxJobs, 1, 100)),
            m_prefix + "job:", m_prefix + "lease:", tokenPrefix, QByteArray::number(m_settings.leaseMs),
            QByteArray::number(nowMs()), m_channel },
        {} };
}

bool RedisJobStore::takeClaimed(const RedisValue &batch, const QString &workerId, QList<Lease> &out)
{
    if (batch.isError()) {
        if (batch.str.contains("NOGROUP"))
            conn().command({ "XGROUP", "CREATE", m_stream, m_group, "0", "MKSTREAM" });
        throw StoreUnavailable("reading the queue failed: " + batch.str.toStdString());
    }
    bool claimedAny = false;
    // First every job the script already holds under our leases, then the ones left to the
    // careful way: those make more calls, and one that throws must not drop the held ones
    // (they would sit running until their leases ran out).
    const auto held
        = [&](qsizetype k) { return batch.elements[k + 2].str == "claimed" || batch.elements[k + 2].str == "resumed"; };
    for (qsizetype k = 0; k + 4 < batch.elements.size(); k += 5) {
        if (!held(k))
            continue;
        auto job = parseJob(batch.elements[k + 3].str);
        if (!job)
            continue; // cannot happen for what the script wrote; the lease expiry recovers it
        Lease lease;
        lease.job = std::move(*job);
        lease.token = QString::fromUtf8(batch.elements[k + 4].str);
        lease.entryId = QString::fromUtf8(batch.elements[k].str);
        lease.consumer = workerId;
        lease.recovered = batch.elements[k + 2].str == "resumed";
        out.append(std::move(lease));
        claimedAny = true;
    }
    for (qsizetype k = 0; k + 4 < batch.elements.size(); k += 5) {
        if (held(k))
            continue;
        if (auto lease = claimEntry(workerId, QString::fromUtf8(batch.elements[k].str),
                QString::fromUtf8(batch.elements[k + 1].str), false, batch.elements[k + 3].str)) {
            out.append(std::move(*lease));
            claimedAny = true;
        }
    }
    return claimedAny;
}

std::optional<Lease> RedisJobStore::claim(const QString &workerId, int waitMs)
{
    QList<Lease> leases = claimBatch(workerId, waitMs, 1);
    if (leases.isEmpty())
        return std::nullopt;
    return std::move(leases.first());
}

namespace {
// When this worker thread next looks for jobs whose worker vanished (XAUTOCLAIM).
thread_local qint64 t_nextRecoveryMs = 0;
} // namespace

bool RedisJobStore::recoveryDue() const
{
    return nowMs() >= t_nextRecoveryMs;
}

QList<Lease> RedisJobStore::claimBatch(const QString &workerId, int waitMs, int maxJobs)
{
    QList<Lease> out;
    if (m_interrupted)
        return out;
    try {
        claimInto(out, workerId, waitMs, maxJobs);
    } catch (const std::exception &e) {
        // Jobs the claim script already marked running under our leases must reach the worker:
        // dropped here they would sit as running until their leases ran out.
        if (out.isEmpty())
            throw;
        qCWarning(lcServerWorker).noquote() << workerId << "claimed" << out.size() << "jobs, then:" << e.what();
    }
    return out;
}

void RedisJobStore::claimInto(QList<Lease> &out, const QString &workerId, int waitMs, int maxJobs)
{
    maxJobs = std::clamp(maxJobs, 1, 100);
    // First the jobs of workers that went silent for longer than the lease.
    const qint64 now = nowMs();
    if (recoveryDue()) {
        t_nextRecoveryMs = now + std::max<qint64>(250, m_settings.leaseMs / 4);
        const RedisValue r = conn().command({ "XAUTOCLAIM", m_stream, m_group, workerId.toUtf8(),
            QByteArray::number(m_settings.leaseMs), "0-0", "COUNT", "10" });
        if (r.type == RedisValue::Type::Array && r.elements.size() >= 2) {
            for (const RedisValue &entry : r.elements[1].elements) {
                if (entry.elements.size() < 2)
                    continue;
                const QString entryId = QString::fromUtf8(entry.elements[0].str);
                const auto &fields = entry.elements[1].elements;
                if (fields.size() < 2) {
                    ack(entryId);
                    continue;
                }
                if (auto lease = claimEntry(workerId, entryId, QString::fromUtf8(fields[1].str), true)) {
                    out.append(std::move(*lease));
                    return;
                }
            }
        }
    }
    // Entries of canceled or expired jobs are acknowledged and skipped within the same wait.
    const qint64 deadline = nowMs() + waitMs;
    const QByteArray tokenPrefix = newLeaseToken().toUtf8() + ':';
    do {
        // While there is work: up to maxJobs entries claimed in one round trip, without blocking.
        for (int i = 0; i < 64 && !m_interrupted; ++i) {
            const RedisValue batch = conn().eval(
                m_claimBatch, claimBatchCall(workerId, maxJobs, tokenPrefix + QByteArray::number(i) + ':'));
            if (takeClaimed(batch, workerId, out)) // throws on an error answer
                return;
            if (batch.elements.isEmpty())
                break; // empty: block below
        }
        const qint64 block = std::max<qint64>(1, deadline - nowMs());
        const RedisValue r = conn().command({ "XREADGROUP", "GROUP", m_group, workerId.toUtf8(), "COUNT", "1", "BLOCK",
            QByteArray::number(block), "STREAMS", m_stream, ">" });
        if (r.isError()) {
            if (r.str.startsWith("NOGROUP")) // Redis lost its data: recreate the group
                conn().command({ "XGROUP", "CREATE", m_stream, m_group, "0", "MKSTREAM" });
            throw StoreUnavailable("XREADGROUP failed: " + r.str.toStdString());
        }
        if (r.type != RedisValue::Type::Array || r.elements.isEmpty())
            return;
        const auto &entries = r.elements[0].elements.value(1).elements;
        for (const RedisValue &entry : entries) {
            const QString entryId = QString::fromUtf8(entry.elements.value(0).str);
            const auto &fields = entry.elements.value(1).elements;
            if (fields.size() < 2) {
                ack(entryId);
                continue;
            }
            if (auto lease = claimEntry(workerId, entryId, QString::fromUtf8(fields[1].str), false)) {
                out.append(std::move(*lease));
                return;
            }
        }
    } while (!m_interrupted && nowMs() < deadline);
    return;
}

std::optional<Lease> RedisJobStore::claimJob(const QString &workerId, const QString &jobId)
{
    for (int attempt = 0; attempt < kCasTries; ++attempt) {
        const RedisValue cur = conn().command({ "GET", jobKey(jobId) });
        if (cur.type != RedisValue::Type::String)
            return std::nullopt;
        auto job = parseStoredJob(cur.str);
        if (!job || job->status != JobStatus::Queued)
            return std::nullopt;
        Job next = *job;
        JobStateMachine::transition(next, JobStatus::Running, nowMs());
        const QString token = newLeaseToken();
        const RedisValue r = conn().eval(m_cas, { jobKey(jobId), leaseKey(jobId), m_stats, m_stream },
            { cur.str, storageJson(next), "take", token.toUtf8(), QByteArray::number(m_settings.leaseMs), "0", "queued",
                "running", m_channel, jobId.toUtf8(), m_group, "" });
        const qint64 code = r.elements.value(0).integer;
        if (code == 2)
            return std::nullopt;
        if (code != 1)
            continue;
        Lease lease;
        lease.job = next;
        lease.token = token;
        lease.consumer = workerId;
        lease.recovered = job->startedAt.has_value(); // handed back: resumes from its checkpoint
        return lease;
    }
    return std::nullopt;
}

RedisConnection::EvalCall RedisJobStore::leasedWriteCall(const Lease &lease, const Job &next, const char *kind) const
{
    const QByteArray ttl = QByteArray::number(m_settings.completedTtlSecs);
    const QByteArray staging = stagingKey(next.id, lease.token);
    const bool staged = qstrcmp(kind, "finish") == 0;
    RedisConnection::EvalCall call { { jobKey(next.id), leaseKey(next.id), m_stats, m_stream,
                                         dedupKey(next.owner, next.listingId, next.analysisType),
                                         checkpointKey(next.id), staging },
        { lease.token.toUtf8(), staged ? QByteArray() : storageJson(next), kind, QByteArray::number(m_settings.leaseMs),
            ttl, statusName(lease.job.status), statusName(next.status), m_channel, next.id.toUtf8(),
            lease.entryId.toUtf8(), m_group, QByteArray::number(m_settings.dedupWindowMs / 1000) },
        {} };
    if (staged)
        call.before.append({ "SET", staging, storageJson(next), "EX", ttl });
    return call;
}

WriteResult RedisJobStore::leasedWriteDone(Lease &lease, Job next, const RedisValue &r)
{
    if (r.isError())
        throw StoreUnavailable("worker write failed: " + r.str.toStdString());
    if (r.str == "OK") {
        lease.job = std::move(next);
        return WriteResult::Ok;
    }
    if (r.str == "CANCEL") {
        lease.job.cancelRequested = true;
        return WriteResult::CancelRequested;
    }
    lease.ended = true;
    return WriteResult::LeaseLost;
}

WriteResult RedisJobStore::leasedWrite(Lease &lease, Job next, const char *kind)
{
    if (lease.ended)
        return WriteResult::LeaseLost;
    const RedisConnection::EvalCall call = leasedWriteCall(lease, next, kind);
    const RedisValue r = conn().eval(m_leased, call);
    return leasedWriteDone(lease, std::move(next), r.isError() ? r : r.elements.value(0));
}

WriteResult RedisJobStore::progress(Lease &lease, double progress, const QString &partialOutput)
{
    Job next = lease.job;
    next.progress = JobStateMachine::clampProgress(next, progress);
    next.partialOutput = partialOutput;
    next.updatedAt = std::max(next.updatedAt, nowMs());
    return leasedWrite(lease, std::move(next), "progress");
}

WriteResult RedisJobStore::heartbeat(Lease &lease)
{
    if (lease.ended)
        return WriteResult::LeaseLost;
    const RedisValue r = conn().eval(m_heartbeat, { leaseKey(lease.job.id), m_stream, jobKey(lease.job.id) },
        { lease.token.toUtf8(), QByteArray::number(m_settings.leaseMs), m_group, lease.consumer.toUtf8(),
            lease.entryId.toUtf8() });
    if (r.isError())
        throw StoreUnavailable("heartbeat failed: " + r.str.toStdString());
    if (r.str == "OK")
        return WriteResult::Ok;
    if (r.str == "CANCEL") {
        lease.job.cancelRequested = true;
        return WriteResult::CancelRequested;
    }
    lease.ended = true;
    return WriteResult::LeaseLost;
}

WriteResult RedisJobStore::finish(
    Lease &lease, JobStatus to, std::optional<nlohmann::json> result, const QString &error)
{
    Job next = lease.job;
    if (JobStateMachine::transition(next, to, nowMs()))
        return WriteResult::LeaseLost;
    if (to == JobStatus::Succeeded)
        next.result = std::move(result);
    else
        next.error = error;
    WriteResult r = leasedWrite(lease, std::move(next), "finish");
    if (r == WriteResult::CancelRequested)
        r = finishCanceled(lease);
    if (r == WriteResult::Ok)
        lease.ended = true;
    return r;
}

Job RedisJobStore::canceledJob(const Lease &lease)
{
    Job next = lease.job;
    next.cancelRequested = true;
    JobStateMachine::transition(next, JobStatus::Canceled, nowMs());
    next.error = canceledByUser();
    return next;
}

WriteResult RedisJobStore::finishCanceled(Lease &lease)
{
    // The script refused the write because a cancel was accepted meanwhile; only the lease holder
    // writes a running job, so writing it canceled now cannot race with another writer.
    const WriteResult r = leasedWrite(lease, canceledJob(lease), "finish");
    if (r != WriteResult::Ok)
        return WriteResult::LeaseLost;
    lease.ended = true;
    return WriteResult::CancelRequested;
}

RedisJobStore::PreparedFinish RedisJobStore::prepareFinish(QList<FinishRequest> &requests) const
{
    // The same script as finish(), all writes in one call (one stats update, one change message).
    PreparedFinish prepared;
    const qint64 now = nowMs();
    prepared.call.keys.reserve(requests.size() * 7);
    prepared.call.args.reserve(requests.size() * 12);
    prepared.call.before.reserve(requests.size());
    for (qsizetype i = 0; i < requests.size(); ++i) {
        FinishRequest &r = requests[i];
        r.outcome = WriteResult::LeaseLost;
        if (r.lease.ended)
            continue;
        Job next = r.lease.job;
        if (JobStateMachine::transition(next, r.to, now))
            continue;
        if (r.to == JobStatus::Succeeded)
            next.result = std::move(r.result);
        else
            next.error = r.error;
        prepared.call.append(leasedWriteCall(r.lease, next, "finish"));
        prepared.nexts.push_back(std::move(next));
        prepared.sent.append(i);
    }
    return prepared;
}

void RedisJobStore::completeFinish(QList<FinishRequest> &requests, PreparedFinish &prepared, const RedisValue &reply)
{
    QList<qsizetype> canceled;
    for (qsizetype k = 0; k < prepared.sent.size(); ++k) {
        FinishRequest &r = requests[prepared.sent[k]];
        r.outcome = leasedWriteDone(
            r.lease, std::move(prepared.nexts[size_t(k)]), reply.isError() ? reply : reply.elements.value(k));
        if (r.outcome == WriteResult::Ok)
            r.lease.ended = true;
        else if (r.outcome == WriteResult::CancelRequested)
            canceled.append(prepared.sent[k]);
    }
    if (canceled.isEmpty())
        return;
    // Jobs whose cancel was accepted while they ran (or waited in the batch) end canceled,
    // again in one call.
    RedisConnection::EvalCall batch;
    std::vector<Job> nexts;
    for (const qsizetype i : canceled) {
        FinishRequest &r = requests[i];
        r.to = JobStatus::Canceled;
        r.result.reset();
        r.error = canceledByUser();
        nexts.push_back(canceledJob(r.lease));
        batch.append(leasedWriteCall(r.lease, nexts.back(), "finish"));
    }
    const RedisValue again = conn().eval(m_leased, batch);
    for (qsizetype k = 0; k < canceled.size(); ++k) {
        FinishRequest &r = requests[canceled[k]];
        const WriteResult w
            = leasedWriteDone(r.lease, std::move(nexts[size_t(k)]), again.isError() ? again : again.elements.value(k));
        r.outcome = w == WriteResult::Ok ? WriteResult::CancelRequested : WriteResult::LeaseLost;
        r.lease.ended = true;
    }
}

void RedisJobStore::finishMany(QList<FinishRequest> &requests)
{
    PreparedFinish prepared = prepareFinish(requests);
    if (prepared.sent.isEmpty())
        return;
    const RedisValue reply = conn().eval(m_leased, prepared.call);
    completeFinish(requests, prepared, reply);
}

QList<Lease> RedisJobStore::finishThenClaim(
    QList<FinishRequest> &finished, const QString &workerId, int waitMs, int maxJobs)
{
    if (finished.isEmpty() || m_interrupted || recoveryDue()) // the claim looks for vanished workers' jobs first
        return JobStore::finishThenClaim(finished, workerId, waitMs, maxJobs);
    PreparedFinish prepared = prepareFinish(finished); // moves the results out of `finished`
    if (prepared.sent.isEmpty())
        return claimBatch(workerId, waitMs, maxJobs);
    // The batch's terminal writes and the next claim in one round trip: a worker of fast jobs
    // otherwise waits for Redis twice per batch.
    const QByteArray tokenPrefix = newLeaseToken().toUtf8() + ":f:";
    QList<RedisValue> replies;
    try {
        replies = conn().evalMany(
            { { &m_leased, prepared.call }, { &m_claimBatch, claimBatchCall(workerId, maxJobs, tokenPrefix) } });
    } catch (const std::exception &e) {
        warnFinishesNotStored(prepared.sent.size(), e);
        throw;
    }
    QList<Lease> out;
    try {
        takeClaimed(replies[1], workerId, out);
    } catch (const std::exception &) {
        // An error answer (the group was lost): the regular claim below repairs and reports it.
    }
    try {
        completeFinish(finished, prepared, replies[0]);
    } catch (const std::exception &e) {
        warnFinishesNotStored(prepared.sent.size(), e);
    }
    if (!out.isEmpty())
        return out;
    return claimBatch(workerId, waitMs, maxJobs);
}

WriteResult RedisJobStore::retryLater(Lease &lease, const QString &error)
{
    Job next = lease.job;
    if (JobStateMachine::transition(next, JobStatus::Queued, nowMs()))
        return WriteResult::LeaseLost;
    next.partialOutput = QStringLiteral("retrying after: ") + error;
    return leasedWrite(lease, std::move(next), "requeue");
}

WriteResult RedisJobStore::resume(Lease &lease)
{
    Job next = lease.job;
    if (JobStateMachine::transition(next, JobStatus::Running, nowMs()))
        return WriteResult::LeaseLost;
    return leasedWrite(lease, std::move(next), "resume");
}

WriteResult RedisJobStore::saveCheckpoint(Lease &lease, const nlohmann::json &checkpoint)
{
    if (lease.ended)
        return WriteResult::LeaseLost;
    const RedisValue r = conn().eval(m_checkpoint, { leaseKey(lease.job.id), checkpointKey(lease.job.id) },
        { lease.token.toUtf8(), QByteArray::fromStdString(checkpoint.dump()), "86400" });
    if (r.isError())
        throw StoreUnavailable("checkpoint write failed: " + r.str.toStdString());
    if (r.str == "OK")
        return WriteResult::Ok;
    lease.ended = true;
    return WriteResult::LeaseLost;
}

std::optional<nlohmann::json> RedisJobStore::loadCheckpoint(const QString &jobId)
{
    const RedisValue r = conn().command({ "GET", checkpointKey(jobId) });
    if (r.type != RedisValue::Type::String)
        return std::nullopt;
    auto parsed = nlohmann::json::parse(r.str.constData(), r.str.constData() + r.str.size(), nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
        return std::nullopt;
    return parsed;
}

void RedisJobStore::release(Lease &lease)
{
    Job next = lease.job;
    if (next.status == JobStatus::Running)
        JobStateMachine::transition(next, JobStatus::Queued, nowMs(), JobStateMachine::Requeue::HandBack);
    try {
        if (leasedWrite(lease, next, "release") == WriteResult::CancelRequested)
            finishCanceled(lease); // an accepted cancel is not handed back but ends the job
    } catch (const StoreUnavailable &e) {
        // The lease expires on its own and XAUTOCLAIM hands the job to another worker.
        qCWarning(lcServerWorker) << "could not hand back job" << next.id << ":" << e.what();
    }
    lease.ended = true;
}

} // namespace dealscope::server
