#include "jobs/JobTracker.h"

#include "jobs/InFlightRegistry.h"
#include "jobs/JobUpdateRouter.h"
#include "jobs/JobsLog.h"

namespace dealscope {

JobTracker::JobTracker(
    JobBackend &backend, InFlightRegistry *registry, QString listingId, QString analysisType, QObject *parent)
    : QObject(parent)
    , m_backend(backend)
    , m_registry(registry)
    , m_listingId(std::move(listingId))
    , m_analysisType(std::move(analysisType))
{
    qRegisterMetaType<dealscope::Job>();
    m_router = JobUpdateRouter::forBackend(m_backend);
    if (m_router) {
        m_router->add(this);
    } else {
        connect(&m_backend, &JobBackend::jobUpdated, this, &JobTracker::onJobUpdated);
        connect(&m_backend, &JobBackend::jobLost, this, &JobTracker::onJobLost);
    }
}

void JobTracker::onJobLost(const QString &jobId, const QString &message)
{
    if (!m_waitingJobId.isEmpty() && m_waitingJobId == jobId) {
        m_waitingJobId.clear();
        markExpired(jobId, message);
        return;
    }
    if (!m_job || m_job->id != jobId)
        return;
    markExpired(jobId, message);
}

JobTracker::~JobTracker()
{
    if (m_router)
        m_router->remove(this);
    // The job keeps running without us; the registry entry stays so the next start-up re-attaches.
    if (m_job && !isTerminal(m_job->status))
        m_backend.unwatch(m_job->id);
    if (!m_waitingJobId.isEmpty())
        m_backend.unwatch(m_waitingJobId);
}

bool JobTracker::isActive() const
{
    return m_pendingStart || m_pendingAttach || !m_waitingJobId.isEmpty() || (m_job && !isTerminal(m_job->status));
}

void JobTracker::start(const nlohmann::json &params, bool force, std::optional<Listing> listing)
{
    if (isActive())
        return;
    m_pendingStart = true;
    m_expired = false;
    StartRequest request;
    request.listingId = m_listingId;
    request.analysisType = m_analysisType;
    request.params = params.is_object() ? params : nlohmann::json::object();
    request.force = force;
    request.listing = std::move(listing);
    m_backend.start(request, this, [this](const BackendReply &reply) {
        m_pendingStart = false;
        if (!reply.ok() || !reply.job) {
            m_cancelAfterStart = false;
            Q_EMIT errorOccurred(
                reply.message.isEmpty() ? QStringLiteral("could not start the analysis") : reply.message);
            return;
        }
        const bool sameJob = m_job && m_job->id == reply.job->id;
        adopt(*reply.job);
        if (m_job && m_job->id == reply.job->id) {
            // A start answered with the job already held (a recent success, by dedup) changes
            // nothing, but the user asked: say so, so the UI can show it.
            if (sameJob)
                Q_EMIT jobChanged(*m_job);
            Q_EMIT started(*m_job, reply.deduplicated);
        }
        if (m_cancelAfterStart) {
            m_cancelAfterStart = false;
            cancel();
        }
    });
}

void JobTracker::attach(const QString &knownJobId)
{
    if (isActive())
        return;
    m_pendingAttach = true;
    auto onReply = [this, knownJobId](const BackendReply &reply) {
        m_pendingAttach = false;
        if (reply.ok() && reply.job) {
            adopt(*reply.job);
            return;
        }
        const bool transient = reply.error == BackendReply::Error::Network
            || reply.error == BackendReply::Error::Unavailable || reply.error == BackendReply::Error::RateLimited
            || reply.error == BackendReply::Error::Unauthorized;
        if (transient && !knownJobId.isEmpty()) {
            // The server is away (or wants a token): the job is not lost. Follow it until the
            // backend reaches it again (its connection state says "reconnecting" meanwhile).
            m_waitingJobId = knownJobId;
            m_backend.watch(knownJobId);
            return;
        }
        if (reply.error == BackendReply::Error::NotFound || reply.error == BackendReply::Error::Expired) {
            if (!knownJobId.isEmpty()) {
                // The backend no longer knows the job the registry remembered (SPEC §6: expired, not silently failed).
                markExpired(knownJobId, reply.message);
            }
            return;
        }
        Q_EMIT errorOccurred(
            reply.message.isEmpty() ? QStringLiteral("could not reach the job backend") : reply.message);
    };
    if (knownJobId.isEmpty())
        m_backend.lookup(m_listingId, m_analysisType, this, onReply);
    else
        m_backend.fetch(knownJobId, this, onReply);
}

void JobTracker::cancel()
{
    if (m_pendingStart) {
        m_cancelAfterStart = true;
        return;
    }
    if (!m_job || isTerminal(m_job->status))
        return;
    m_backend.cancel(m_job->id, this, [this](const BackendReply &reply) {
        if (reply.job && m_job && reply.job->id == m_job->id) {
            // A 409 (already terminal) also carries the job: show the state it ended in.
            onJobUpdated(*reply.job);
        }
        if (!reply.ok() && reply.error != BackendReply::Error::Conflict)
            Q_EMIT errorOccurred(
                reply.message.isEmpty() ? QStringLiteral("could not cancel the analysis") : reply.message);
    });
}

void JobTracker::adopt(const Job &job)
{
    if (job.listingId != m_listingId || job.analysisType != m_analysisType) {
        qCWarning(lcJobs) << "tracker for" << m_listingId << m_analysisType << "ignores job" << job.id << "of"
                          << job.listingId << job.analysisType;
        return;
    }
    const bool sameJob = m_job && m_job->id == job.id;
    if (sameJob) {
        onJobUpdated(job);
        return;
    }
    if (m_job && !isTerminal(m_job->status))
        m_backend.unwatch(m_job->id);
    m_job = job;
    m_expired = false;
    if (!isTerminal(job.status)) {
        if (m_registry) {
            m_registry->put(
                InFlightEntry { m_listingId, m_analysisType, job.id, m_backend.kind(), m_backend.server() });
        }
        m_backend.watch(job.id);
    }
    Q_EMIT jobChanged(job);
    if (isTerminal(job.status))
        finish(job);
}

void JobTracker::onJobUpdated(const Job &job)
{
    if (!m_waitingJobId.isEmpty() && job.id == m_waitingJobId) {
        m_waitingJobId.clear();
        adopt(job); // the job of an attach made while its backend was unreachable
        return;
    }
    if (!m_job || job.id != m_job->id)
        return;
    // A terminal job is final: a late, queued update from before the end must not revive it.
    if (isTerminal(m_job->status) && !isTerminal(job.status))
        return;
    if (job.updatedAt < m_job->updatedAt && job.status == m_job->status)
        return;
    if (job == *m_job)
        return;
    m_job = job;
    Q_EMIT jobChanged(job);
    if (isTerminal(job.status))
        finish(job);
}

void JobTracker::finish(const Job &job)
{
    if (m_registry && !m_keepEntryWhenFinished)
        m_registry->remove(job.id);
    m_backend.unwatch(job.id);
    if (m_finishedJobId == job.id)
        return;
    m_finishedJobId = job.id;
    Q_EMIT finished(job);
}

void JobTracker::markExpired(const QString &jobId, const QString &message)
{
    qCInfo(lcJobs).noquote() << "job" << jobId << "expired:" << message;
    if (m_registry)
        m_registry->remove(jobId);
    m_backend.unwatch(jobId);
    m_expired = true;
    if (m_job && m_job->id == jobId)
        m_job.reset();
    Q_EMIT expired(jobId);
}

} // namespace dealscope
