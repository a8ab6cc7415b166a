#pragma once

#include "jobs/Job.h"

#include <QList>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <nlohmann/json.hpp>

#include <array>
#include <memory>
#include <optional>

namespace dealscope {

// One finished pipeline step of one attempt, so users and tests can see what ran when.
struct JobStepRecord final
{
    QString jobId;
    int attempt = 1;
    int stepIndex = 0;
    QString stepId;
    qint64 startedAt = 0;
    qint64 finishedAt = 0;

    bool operator==(const JobStepRecord &) const = default;
};

struct StoredJob final
{
    Job job;
    std::optional<nlohmann::json> checkpoint; // {"nextStep": n, "state": {...}} of the last finished step
};

struct RecentSuccess final
{
    QString jobId;
    QString listingId;
    QString analysisType;
    qint64 finishedAt = 0;
};

// The local runner's SQLite job store (jobs.sqlite in the data folder): the job JSON plus the
// checkpoint JSON, with indexed columns for the lookups the runner needs, and job_steps.
// WAL mode, so a reader (dealscope-cli jobs) never blocks the running app.
// A QSqlDatabase connection belongs to the thread that opened it: create, use and destroy an
// instance on one thread. Each instance has its own connection name.
class LocalJobStore final
{
public:
    explicit LocalJobStore(QString databasePath);
    ~LocalJobStore();
    LocalJobStore(const LocalJobStore &) = delete;
    LocalJobStore &operator=(const LocalJobStore &) = delete;

    bool open();
    QString errorString() const { return m_error; }
    QString databasePath() const { return m_path; }

    // Inserts or replaces the job. A terminal job's checkpoint is dropped: it will never resume.
    bool saveJob(const Job &job);
    // Saves the job, its checkpoint and the finished step in one transaction.
    bool saveCheckpoint(const Job &job, const nlohmann::json &checkpoint, const JobStepRecord &step);
    // Saves the job, its checkpoint when given ({"nextStep", "state"}; kept otherwise) and the
    // finished steps, atomically.
    bool write(const Job &job, const std::optional<nlohmann::json> &checkpoint, const QList<JobStepRecord> &steps);

    std::optional<StoredJob> load(const QString &jobId);
    std::optional<Job> job(const QString &jobId)
    {
        auto s = load(jobId);
        return s ? std::optional<Job>(s->job) : std::nullopt;
    }
    QList<StoredJob> unfinished(); // queued or running, oldest first
    QList<Job> all(int limit = -1); // newest first
    std::optional<Job> latestForPair(const QString &owner, const QString &listingId, const QString &analysisType);
    QList<RecentSuccess> successesSince(const QString &owner, qint64 sinceMs);
    QList<JobStepRecord> steps(const QString &jobId); // by attempt, then step index
    int count();
    // Deletes terminal jobs (and their steps) that finished before `finishedBeforeMs`; returns how
    // many went, or -1 on a database error. Queued and running jobs are never touched.
    int pruneFinishedBefore(qint64 finishedBeforeMs);

    // Groups the following writes into one transaction (one commit instead of one per write);
    // what they wrote is durable only after commitBatch().
    bool beginBatch();
    bool commitBatch();
    bool inBatch() const { return m_inBatch; }

private:
    enum class Statement { UpsertJob, UpdateCheckpoint, InsertStep, Count };
    QSqlQuery &prepared(Statement which, const QString &sql);
    bool exec(const QString &sql);
    bool writeJob(const Job &job);
    std::optional<StoredJob> rowToStored(const QString &jobJson, const QVariant &checkpointJson);

    QString m_path;
    QString m_connectionName;
    QString m_error;
    bool m_open = false;
    bool m_inBatch = false;
    std::array<std::unique_ptr<QSqlQuery>, std::size_t(Statement::Count)> m_statements;
};

} // namespace dealscope
