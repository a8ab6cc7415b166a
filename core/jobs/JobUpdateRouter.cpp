#include "jobs/JobUpdateRouter.h"

#include "jobs/Job.h"
#include "jobs/JobBackend.h"
#include "jobs/JobTracker.h"

#include <QPointer>
#include <QThread>

namespace dealscope {

JobUpdateRouter *JobUpdateRouter::forBackend(JobBackend &backend)
{
    if (backend.thread() != QThread::currentThread())
        return nullptr;
    if (auto *r = backend.findChild<JobUpdateRouter *>(QString(), Qt::FindDirectChildrenOnly))
        return r;
    return new JobUpdateRouter(backend);
}

JobUpdateRouter::JobUpdateRouter(JobBackend &backend)
    : QObject(&backend)
{
    connect(&backend, &JobBackend::jobUpdated, this, &JobUpdateRouter::onJobUpdated);
    connect(&backend, &JobBackend::jobLost, this, &JobUpdateRouter::onJobLost);
}

void JobUpdateRouter::add(JobTracker *tracker)
{
    m_byPair[JobKey { tracker->listingId(), tracker->analysisType() }].append(tracker);
}

void JobUpdateRouter::remove(JobTracker *tracker)
{
    auto it = m_byPair.find(JobKey { tracker->listingId(), tracker->analysisType() });
    if (it == m_byPair.end())
        return;
    it->removeAll(tracker);
    if (it->isEmpty())
        m_byPair.erase(it);
}

void JobUpdateRouter::onJobUpdated(const Job &job)
{
    const auto it = m_byPair.constFind(JobKey::of(job));
    if (it == m_byPair.constEnd())
        return;
    // A tracker's slot may delete trackers (and so change the list): dispatch over a guarded copy.
    QList<QPointer<JobTracker>> targets;
    targets.reserve(it->size());
    for (JobTracker *t : *it)
        targets.append(t);
    for (const QPointer<JobTracker> &t : std::as_const(targets)) {
        if (t)
            t->onJobUpdated(job);
    }
}

void JobUpdateRouter::onJobLost(const QString &jobId, const QString &message)
{
    // Rare (a remote job past its TTL) and keyed by id only: ask every tracker, each checks its job.
    QList<QPointer<JobTracker>> targets;
    for (const QList<JobTracker *> &list : std::as_const(m_byPair)) {
        for (JobTracker *t : list)
            targets.append(t);
    }
    for (const QPointer<JobTracker> &t : std::as_const(targets)) {
        if (t)
            t->onJobLost(jobId, message);
    }
}

} // namespace dealscope
