#pragma once

#include "jobs/JobKey.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>

namespace dealscope {

struct Job;
class JobBackend;
class JobTracker;

// One listener per backend for jobUpdated/jobLost that hands each update to the trackers of its
// (listingId, analysisType) pair only. With every tracker connected to the backend itself, each
// update of 500 running analyses ran 500+ slots on the GUI thread (O(trackers) per update).
class JobUpdateRouter final : public QObject
{
    Q_OBJECT
public:
    // The router of `backend`, created on first use as its child. Null when the backend lives in
    // another thread than the caller (a child cannot be created across threads): callers then
    // connect to the backend directly.
    static JobUpdateRouter *forBackend(JobBackend &backend);

    void add(JobTracker *tracker);
    void remove(JobTracker *tracker);

private:
    explicit JobUpdateRouter(JobBackend &backend);
    void onJobUpdated(const Job &job);
    void onJobLost(const QString &jobId, const QString &message);

    QHash<JobKey, QList<JobTracker *>> m_byPair;
};

} // namespace dealscope
