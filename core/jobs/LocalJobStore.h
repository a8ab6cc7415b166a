#pragma once

#include "jobs/Job.h"
#include "jobs/SqliteStatement.h"

#include <QByteArrayView>
#include <QList>
#include <QString>

#include <nlohmann/json.hpp>

#include <array>
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

// The local runner's SQLite job store (jobs.sqlite in the data folder): per job one row with the
// job JSON, the checkpoint JSON, the history of its finished steps and indexed columns for the
// lookups the runner needs. WAL mode, so a reader (dealscope-cli jobs) never blocks the running
// app. Opening a file of schema 1 (steps in a job_steps table) moves its steps into the rows; a
// file of a newer schema is refused rather than written in a shape it does not expect.
// Create, use and destroy an instance on one thread; each instance has its own connection.
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
    // finished steps, atomically (one statement). `jobJson`: serializeJob(job, Storage) when the
    // caller has it already.
    bool write(const Job &job, const std::optional<nlohmann::json> &checkpoint, const QList<JobStepRecord> &steps,
        QByteArrayView jobJson = {});

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

    static constexpr int kSchemaVersion = 2;

private:
    enum class Statement { Write, Load, Count };
    SqliteStatement &prepared(Statement which, const char *sql);
    bool exec(const char *sql);
    bool migrate();
    void fail(const QString &what, const QString &detail);
    static std::optional<StoredJob> rowToStored(QByteArrayView jobJson, std::optional<QByteArrayView> checkpointJson);

    QString m_path;
    QString m_error;
    sqlite3 *m_db = nullptr;
    bool m_inBatch = false;
    std::array<SqliteStatement, std::size_t(Statement::Count)> m_statements;
};

} // namespace dealscope
