#pragma once

#include "jobs/Job.h"
#include "jobs/JobBackend.h"

#include <QObject>
#include <QPointer>
#include <QString>

#include <nlohmann/json.hpp>

#include <optional>

namespace dealscope {

class InFlightRegistry;
class JobUpdateRouter;

// The Qt counterpart of the web useAnalysis hook (SPEC §6): follows the job of one
// (listingId, analysisType) pair on one backend. Records it in the in-flight registry while it is
// active and removes it once terminal (and, when a results library is set, once the result is stored).
class JobTracker final : public QObject
{
    Q_OBJECT
public:
    JobTracker(JobBackend &backend, InFlightRegistry *registry, QString listingId, QString analysisType,
        QObject *parent = nullptr);
    ~JobTracker() override;

    QString listingId() const { return m_listingId; }
    QString analysisType() const { return m_analysisType; }
    std::optional<Job> job() const { return m_job; }
    bool isActive() const; // a start is pending or the job is queued/running
    bool isExpired() const { return m_expired; }

    // Starts (or joins, on dedup) the pair's job. Ignored while a start is pending or the job is active.
    // `listing`: sent along so the job runs on exactly this snapshot (a job server that does not
    // have the listing, e.g. one imported on the desktop).
    void start(const nlohmann::json &params = nlohmann::json::object(), bool force = false,
        std::optional<Listing> listing = std::nullopt);
    // Re-attaches to the pair's active or recent job (by id when known from the registry). A
    // backend that cannot be reached now (network, 429/503, 401) does not end it: the job is
    // watched until the backend answers, and adopted then.
    void attach(const QString &knownJobId = {});
    void cancel();

    // When set, a finished job's in-flight entry is left for the owner to remove (the desktop
    // removes it once the result is in its library, in batches: each registry change rewrites
    // the settings file). Off by default: the entry goes when the job is terminal.
    void setKeepsEntryWhenFinished(bool keep) { m_keepEntryWhenFinished = keep; }
    bool keepsEntryWhenFinished() const { return m_keepEntryWhenFinished; }

Q_SIGNALS:
    void jobChanged(const dealscope::Job &job);
    // A start() was answered: with a new job, or (deduplicated) the pair's active or recent one.
    void started(const dealscope::Job &job, bool deduplicated);
    void finished(const dealscope::Job &job); // exactly once per job reaching a terminal state
    void errorOccurred(const QString &message);
    void expired(const QString &jobId); // remote job the server no longer knows

private:
    friend class JobUpdateRouter;
    void adopt(const Job &job);
    void onJobUpdated(const Job &job);
    void onJobLost(const QString &jobId, const QString &message);
    void finish(const Job &job);
    void markExpired(const QString &jobId, const QString &message);

    JobBackend &m_backend;
    QPointer<JobUpdateRouter> m_router; // null: connected to the backend directly
    InFlightRegistry *m_registry;
    QString m_listingId;
    QString m_analysisType;
    std::optional<Job> m_job;
    bool m_pendingStart = false;
    bool m_pendingAttach = false;
    bool m_cancelAfterStart = false;
    bool m_expired = false;
    bool m_keepEntryWhenFinished = false;
    QString m_finishedJobId;
    QString m_waitingJobId; // attached by id while the backend was unreachable; not seen yet
};

} // namespace dealscope
