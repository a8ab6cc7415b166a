#include "jobs/LocalJobStore.h"

#include "jobs/JobJson.h"
#include "jobs/JobsLog.h"

#include <QAtomicInteger>
#include <QDir>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <stdexcept>

using nlohmann::json;

namespace dealscope {

namespace {
QAtomicInteger<quint64> s_connectionSerial;
constexpr int kSchemaVersion = 1;

QString toText(const json &j)
{
    return QString::fromStdString(j.dump());
}

QVariant optionalTime(const std::optional<qint64> &t)
{
    return t ? QVariant(*t) : QVariant(QMetaType::fromType<qint64>());
}
} // namespace

LocalJobStore::LocalJobStore(QString databasePath)
    : m_path(std::move(databasePath))
    , m_connectionName(QStringLiteral("dealscope-jobs-%1").arg(s_connectionSerial.fetchAndAddRelaxed(1)))
{ }

LocalJobStore::~LocalJobStore()
{
    for (auto &statement : m_statements)
        statement.reset();
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (db.isValid())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

bool LocalJobStore::exec(const QString &sql)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    if (!q.exec(sql)) {
        m_error = QStringLiteral("%1: %2").arg(m_path, q.lastError().text());
        qCWarning(lcJobs).noquote() << "job store:" << m_error;
        return false;
    }
    return true;
}

bool LocalJobStore::open()
{
    if (m_open)
        return true;
    const QFileInfo info(m_path);
    if (!QDir().mkpath(info.absolutePath())) {
        m_error = QStringLiteral("cannot create the folder %1").arg(info.absolutePath());
        return false;
    }
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    db.setDatabaseName(m_path);
    // Another process (dealscope-cli next to the app) may hold the write lock briefly.
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!db.open()) {
        m_error = QStringLiteral("cannot open %1: %2").arg(m_path, db.lastError().text());
        return false;
    }
    // WAL: readers never block the writer. synchronous=NORMAL survives a killed process (the crash
    // resume case); only an OS crash may lose the last commits.
    const QStringList setup = {
        QStringLiteral("PRAGMA journal_mode=WAL"),
        QStringLiteral("PRAGMA synchronous=NORMAL"),
        QStringLiteral("CREATE TABLE IF NOT EXISTS jobs ("
                       " id TEXT PRIMARY KEY NOT NULL,"
                       " owner TEXT NOT NULL,"
                       " listing_id TEXT NOT NULL,"
                       " analysis_type TEXT NOT NULL,"
                       " status TEXT NOT NULL,"
                       " attempt INTEGER NOT NULL,"
                       " created_at INTEGER NOT NULL,"
                       " updated_at INTEGER NOT NULL,"
                       " finished_at INTEGER,"
                       " job_json TEXT NOT NULL,"
                       " checkpoint_json TEXT)"),
        QStringLiteral("CREATE INDEX IF NOT EXISTS jobs_pair ON jobs(owner, listing_id, analysis_type, created_at)"),
        QStringLiteral("CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status)"),
        QStringLiteral("CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created_at)"),
        QStringLiteral("CREATE TABLE IF NOT EXISTS job_steps ("
                       " job_id TEXT NOT NULL,"
                       " attempt INTEGER NOT NULL,"
                       " step_index INTEGER NOT NULL,"
                       " step_id TEXT NOT NULL,"
                       " started_at INTEGER NOT NULL,"
                       " finished_at INTEGER NOT NULL,"
                       " PRIMARY KEY (job_id, attempt, step_index))"),
        QStringLiteral("PRAGMA user_version=%1").arg(kSchemaVersion),
    };
    for (const QString &sql : setup) {
        if (!exec(sql)) {
            db.close();
            return false;
        }
    }
    m_open = true;
    return true;
}

QSqlQuery &LocalJobStore::prepared(Statement which, const QString &sql)
{
    // Prepared once per connection: the runner writes several times per job step, and parsing the
    // upsert each time cost more than executing it.
    auto &slot = m_statements[std::size_t(which)];
    if (!slot) {
        slot = std::make_unique<QSqlQuery>(QSqlDatabase::database(m_connectionName, false));
        if (!slot->prepare(sql)) {
            m_error = slot->lastError().text();
            qCWarning(lcJobs).noquote() << "job store: cannot prepare statement:" << m_error;
        }
    }
    return *slot;
}

bool LocalJobStore::writeJob(const Job &job)
{
    // The upsert keeps checkpoint_json of a running job; a terminal job never resumes, so drop it.
    QSqlQuery &q = prepared(Statement::UpsertJob,
        QStringLiteral(
            "INSERT INTO jobs (id, owner, listing_id, analysis_type, status, attempt, created_at, updated_at,"
            " finished_at, job_json, checkpoint_json) VALUES (?,?,?,?,?,?,?,?,?,?,NULL)"
            " ON CONFLICT(id) DO UPDATE SET owner=excluded.owner, listing_id=excluded.listing_id,"
            " analysis_type=excluded.analysis_type, status=excluded.status, attempt=excluded.attempt,"
            " created_at=excluded.created_at, updated_at=excluded.updated_at, finished_at=excluded.finished_at,"
            " job_json=excluded.job_json,"
            " checkpoint_json=CASE WHEN excluded.status IN ('succeeded','failed','canceled') THEN NULL"
            " ELSE jobs.checkpoint_json END"));
    q.bindValue(0, job.id);
    q.bindValue(1, job.owner);
    q.bindValue(2, job.listingId);
    q.bindValue(3, job.analysisType);
    q.bindValue(4, jobStatusName(job.status));
    q.bindValue(5, job.attempt);
    q.bindValue(6, job.createdAt);
    q.bindValue(7, job.updatedAt);
    q.bindValue(8, optionalTime(job.finishedAt));
    q.bindValue(9, QString::fromUtf8(serializeJob(job, JobJsonScope::Storage)));
    const bool ok = q.exec();
    if (!ok) {
        m_error = QStringLiteral("cannot save job %1: %2").arg(job.id, q.lastError().text());
        qCWarning(lcJobs).noquote() << m_error;
    }
    q.finish();
    return ok;
}

bool LocalJobStore::saveJob(const Job &job)
{
    if (!m_open)
        return false;
    return writeJob(job);
}

bool LocalJobStore::saveCheckpoint(const Job &job, const json &checkpoint, const JobStepRecord &step)
{
    return write(job, checkpoint, { step });
}

bool LocalJobStore::write(const Job &job, const std::optional<json> &checkpoint, const QList<JobStepRecord> &steps)
{
    if (!m_open)
        return false;
    if (!checkpoint && steps.isEmpty())
        return writeJob(job);
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    // Inside a batch the batch's transaction makes the writes atomic already.
    const bool ownTransaction = !m_inBatch;
    if (ownTransaction && !db.transaction()) {
        m_error = db.lastError().text();
        return false;
    }
    bool ok = writeJob(job);
    if (ok && checkpoint && !isTerminal(job.status)) {
        QSqlQuery &q
            = prepared(Statement::UpdateCheckpoint, QStringLiteral("UPDATE jobs SET checkpoint_json=? WHERE id=?"));
        q.bindValue(0, toText(*checkpoint));
        q.bindValue(1, job.id);
        ok = q.exec();
        if (!ok)
            m_error = q.lastError().text();
        q.finish();
    }
    for (const JobStepRecord &step : steps) {
        if (!ok)
            break;
        QSqlQuery &q = prepared(Statement::InsertStep,
            QStringLiteral("INSERT OR REPLACE INTO job_steps (job_id, attempt, step_index, step_id,"
                           " started_at, finished_at) VALUES (?,?,?,?,?,?)"));
        q.bindValue(0, step.jobId);
        q.bindValue(1, step.attempt);
        q.bindValue(2, step.stepIndex);
        q.bindValue(3, step.stepId);
        q.bindValue(4, step.startedAt);
        q.bindValue(5, step.finishedAt);
        ok = q.exec();
        if (!ok)
            m_error = q.lastError().text();
        q.finish();
    }
    if (!ok) {
        qCWarning(lcJobs).noquote() << "cannot save job" << job.id << ':' << m_error;
        if (ownTransaction)
            db.rollback();
        return false;
    }
    if (ownTransaction && !db.commit()) {
        m_error = db.lastError().text();
        db.rollback();
        return false;
    }
    return true;
}

bool LocalJobStore::beginBatch()
{
    if (!m_open || m_inBatch)
        return false;
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    m_inBatch = db.transaction();
    return m_inBatch;
}

bool LocalJobStore::commitBatch()
{
    if (!m_inBatch)
        return false;
    m_inBatch = false;
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    if (!db.commit()) {
        m_error = db.lastError().text();
        qCWarning(lcJobs).noquote() << "cannot commit job store batch:" << m_error;
        db.rollback();
        return false;
    }
    return true;
}

std::optional<StoredJob> LocalJobStore::rowToStored(const QString &jobJson, const QVariant &checkpointJson)
{
    // A row damaged on disk (or edited by hand) is skipped with a warning instead of taking the runner down.
    try {
        StoredJob stored;
        stored.job = jobFromJson(json::parse(jobJson.toStdString()));
        if (!checkpointJson.isNull()) {
            json cp = json::parse(checkpointJson.toString().toStdString());
            if (cp.is_object())
                stored.checkpoint = std::move(cp);
        }
        return stored;
    } catch (const std::exception &e) {
        qCWarning(lcJobs) << "skipping unreadable job row:" << e.what();
        return std::nullopt;
    }
}

std::optional<StoredJob> LocalJobStore::load(const QString &jobId)
{
    if (!m_open)
        return std::nullopt;
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(QStringLiteral("SELECT job_json, checkpoint_json FROM jobs WHERE id=?"));
    q.addBindValue(jobId);
    if (!q.exec() || !q.next())
        return std::nullopt;
    return rowToStored(q.value(0).toString(), q.value(1));
}

QList<StoredJob> LocalJobStore::unfinished()
{
    QList<StoredJob> out;
    if (!m_open)
        return out;
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT job_json, checkpoint_json FROM jobs WHERE status IN ('queued','running')"
                               " ORDER BY created_at, id")))
        return out;
    while (q.next()) {
        if (auto s = rowToStored(q.value(0).toString(), q.value(1)))
            out.append(std::move(*s));
    }
    return out;
}

QList<Job> LocalJobStore::all(int limit)
{
    QList<Job> out;
    if (!m_open)
        return out;
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT job_json FROM jobs ORDER BY created_at DESC, id DESC LIMIT ?"));
    q.addBindValue(limit < 0 ? -1 : limit);
    if (!q.exec())
        return out;
    while (q.next()) {
        if (auto s = rowToStored(q.value(0).toString(), QVariant()))
            out.append(std::move(s->job));
    }
    return out;
}

std::optional<Job> LocalJobStore::latestForPair(
    const QString &owner, const QString &listingId, const QString &analysisType)
{
    if (!m_open)
        return std::nullopt;
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(QStringLiteral("SELECT job_json FROM jobs WHERE owner=? AND listing_id=? AND analysis_type=?"
                             " ORDER BY created_at DESC, id DESC LIMIT 1"));
    q.addBindValue(owner);
    q.addBindValue(listingId);
    q.addBindValue(analysisType);
    if (!q.exec() || !q.next())
        return std::nullopt;
    if (auto s = rowToStored(q.value(0).toString(), QVariant()))
        return s->job;
    return std::nullopt;
}

QList<RecentSuccess> LocalJobStore::successesSince(const QString &owner, qint64 sinceMs)
{
    QList<RecentSuccess> out;
    if (!m_open)
        return out;
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT id, listing_id, analysis_type, finished_at FROM jobs"
                             " WHERE owner=? AND status='succeeded' AND finished_at>=? ORDER BY finished_at"));
    q.addBindValue(owner);
    q.addBindValue(sinceMs);
    if (!q.exec())
        return out;
    while (q.next())
        out.append({ q.value(0).toString(), q.value(1).toString(), q.value(2).toString(), q.value(3).toLongLong() });
    return out;
}

QList<JobStepRecord> LocalJobStore::steps(const QString &jobId)
{
    QList<JobStepRecord> out;
    if (!m_open)
        return out;
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(QStringLiteral("SELECT attempt, step_index, step_id, started_at, finished_at FROM job_steps"
                             " WHERE job_id=? ORDER BY attempt, step_index"));
    q.addBindValue(jobId);
    if (!q.exec())
        return out;
    while (q.next()) {
        out.append({ jobId, q.value(0).toInt(), q.value(1).toInt(), q.value(2).toString(), q.value(3).toLongLong(),
            q.value(4).toLongLong() });
    }
    return out;
}

int LocalJobStore::count()
{
    if (!m_open)
        return 0;
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    if (!q.exec(QStringLiteral("SELECT COUNT(*) FROM jobs")) || !q.next())
        return 0;
    return q.value(0).toInt();
}

int LocalJobStore::pruneFinishedBefore(qint64 finishedBeforeMs)
{
    if (!m_open)
        return -1;
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    // One transaction unless the caller batches already: steps and jobs go together or not at all.
    const bool ownTransaction = !m_inBatch;
    if (ownTransaction && !db.transaction()) {
        m_error = db.lastError().text();
        return -1;
    }
    const QString terminalBefore
        = QStringLiteral("status IN ('succeeded','failed','canceled') AND finished_at IS NOT NULL AND finished_at < ?");
    QSqlQuery steps(db);
    steps.prepare(
        QStringLiteral("DELETE FROM job_steps WHERE job_id IN (SELECT id FROM jobs WHERE %1)").arg(terminalBefore));
    steps.addBindValue(finishedBeforeMs);
    QSqlQuery jobs(db);
    jobs.prepare(QStringLiteral("DELETE FROM jobs WHERE %1").arg(terminalBefore));
    jobs.addBindValue(finishedBeforeMs);
    if (!steps.exec() || !jobs.exec()) {
        m_error = steps.lastError().isValid() ? steps.lastError().text() : jobs.lastError().text();
        if (ownTransaction)
            db.rollback();
        return -1;
    }
    const int removed = jobs.numRowsAffected();
    if (ownTransaction && !db.commit()) {
        m_error = db.lastError().text();
        return -1;
    }
    return removed;
}

} // namespace dealscope
