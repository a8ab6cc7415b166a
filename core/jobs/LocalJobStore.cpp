#include "jobs/LocalJobStore.h"

#include "jobs/JobJson.h"
#include "jobs/JobsLog.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <sqlite3.h>

using nlohmann::json;

namespace dealscope {

namespace {

constexpr const char *kTerminal = "('succeeded','failed','canceled')";

bool isPlainStepId(const QString &id)
{
    return std::all_of(id.cbegin(), id.cend(), [](QChar c) {
        return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u'_'
            || c == u'-' || c == u'.';
    });
}

// One line per finished step, `[attempt,index,"id",startedAt,finishedAt]\n`: appended to the row
// by SQL concatenation, so a checkpoint never reads the history it extends.
QByteArray stepLines(const QList<JobStepRecord> &steps)
{
    QByteArray out;
    out.reserve(steps.size() * 64);
    for (const JobStepRecord &s : steps) {
        out += '[';
        out += QByteArray::number(s.attempt);
        out += ',';
        out += QByteArray::number(s.stepIndex);
        out += ',';
        if (isPlainStepId(s.stepId)) {
            out += '"';
            out += s.stepId.toUtf8();
            out += '"';
        } else {
            out += QByteArray::fromStdString(json(s.stepId.toStdString()).dump());
        }
        out += ',';
        out += QByteArray::number(s.startedAt);
        out += ',';
        out += QByteArray::number(s.finishedAt);
        out += "]\n";
    }
    return out;
}

QList<JobStepRecord> parseStepLines(const QString &jobId, QByteArrayView text)
{
    QList<JobStepRecord> out;
    for (qsizetype from = 0; from < text.size();) {
        qsizetype end = text.indexOf('\n', from);
        if (end < 0)
            end = text.size();
        const QByteArrayView line = text.sliced(from, end - from);
        from = end + 1;
        if (line.trimmed().isEmpty())
            continue;
        const json j = json::parse(line.begin(), line.end(), nullptr, false);
        if (!j.is_array() || j.size() != 5 || !j[0].is_number_integer() || !j[1].is_number_integer()
            || !j[2].is_string() || !j[3].is_number_integer() || !j[4].is_number_integer()) {
            qCWarning(lcJobs) << "skipping an unreadable step record of job" << jobId;
            continue;
        }
        out.append({ jobId, j[0].get<int>(), j[1].get<int>(), QString::fromStdString(j[2].get<std::string>()),
            j[3].get<qint64>(), j[4].get<qint64>() });
    }
    // By attempt, then index; a step written twice (a merged write) counts once, the last one.
    std::stable_sort(out.begin(), out.end(), [](const JobStepRecord &a, const JobStepRecord &b) {
        return std::pair(a.attempt, a.stepIndex) < std::pair(b.attempt, b.stepIndex);
    });
    QList<JobStepRecord> unique;
    for (const JobStepRecord &s : std::as_const(out)) {
        if (!unique.isEmpty() && unique.last().attempt == s.attempt && unique.last().stepIndex == s.stepIndex)
            unique.last() = s;
        else
            unique.append(s);
    }
    return unique;
}

} // namespace

LocalJobStore::LocalJobStore(QString databasePath)
    : m_path(std::move(databasePath))
{ }

LocalJobStore::~LocalJobStore()
{
    for (auto &statement : m_statements)
        statement = SqliteStatement();
    if (m_db)
        sqlite3_close(m_db);
}

void LocalJobStore::fail(const QString &what, const QString &detail)
{
    m_error = QStringLiteral("%1: %2").arg(what, detail);
    qCWarning(lcJobs).noquote() << "job store:" << m_error;
}

bool LocalJobStore::exec(const char *sql)
{
    char *message = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        fail(m_path, QString::fromUtf8(message ? message : sqlite3_errmsg(m_db)));
        sqlite3_free(message);
        return false;
    }
    return true;
}

bool LocalJobStore::open()
{
    if (m_db)
        return true;
    const QFileInfo info(m_path);
    if (!QDir().mkpath(info.absolutePath())) {
        m_error = QStringLiteral("cannot create the folder %1").arg(info.absolutePath());
        return false;
    }
    sqlite3 *db = nullptr;
    const int rc = sqlite3_open_v2(QFile::encodeName(m_path).constData(), &db,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        m_error = QStringLiteral("cannot open %1: %2")
                      .arg(m_path, QString::fromUtf8(db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
        sqlite3_close(db);
        return false;
    }
    m_db = db;
    // Another process (dealscope-cli next to the app) may hold the write lock briefly.
    sqlite3_busy_timeout(m_db, 5000);
    // WAL: readers never block the writer. synchronous=NORMAL survives a killed process (the crash
    // resume case); only an OS crash may lose the last commits.
    if (!exec("PRAGMA journal_mode=WAL") || !exec("PRAGMA synchronous=NORMAL") || !migrate()) {
        sqlite3_close(m_db);
        m_db = nullptr;
        return false;
    }
    return true;
}

bool LocalJobStore::migrate()
{
    // IMMEDIATE: two processes opening an old file at once migrate it one after the other.
    if (!exec("BEGIN IMMEDIATE"))
        return false;
    const auto rollback = [this] {
        exec("ROLLBACK");
        return false;
    };
    SqliteStatement version(m_db, "PRAGMA user_version");
    if (!version.next())
        return rollback();
    const qint64 found = version.int64(0);
    version = SqliteStatement();
    if (found > kSchemaVersion) {
        m_error = QStringLiteral("%1 was written by a newer Dealscope (job store schema %2; this version reads up "
                                 "to %3): update Dealscope or use another --data-dir")
                      .arg(m_path)
                      .arg(found)
                      .arg(kSchemaVersion);
        return rollback();
    }
    if (found == kSchemaVersion)
        return exec("COMMIT");

    if (!exec("CREATE TABLE IF NOT EXISTS jobs ("
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
              " checkpoint_json TEXT,"
              " steps TEXT)"))
        return rollback();
    // Schema 1 kept one job_steps row per step: nine B-tree inserts at random places per job,
    // which cost more than the job's own row. Its rows move into the jobs' `steps` text.
    SqliteStatement hasSteps(m_db, "SELECT 1 FROM pragma_table_info('jobs') WHERE name='steps'");
    const bool stepsColumn = hasSteps.next();
    hasSteps = SqliteStatement();
    if (!stepsColumn && !exec("ALTER TABLE jobs ADD COLUMN steps TEXT"))
        return rollback();
    SqliteStatement oldTable(m_db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name='job_steps'");
    const bool hasOldTable = oldTable.next();
    oldTable = SqliteStatement();
    if (hasOldTable) {
        if (!exec("UPDATE jobs SET steps = (SELECT group_concat(line, '') FROM (SELECT"
                  " json_array(attempt, step_index, step_id, started_at, finished_at) || char(10) AS line"
                  " FROM job_steps WHERE job_id = jobs.id ORDER BY attempt, step_index))"
                  " WHERE id IN (SELECT job_id FROM job_steps)")
            || !exec("DROP TABLE job_steps"))
            return rollback();
        qCInfo(lcJobs).noquote() << "job store" << m_path << "moved to schema" << kSchemaVersion;
    }
    if (!exec("CREATE INDEX IF NOT EXISTS jobs_pair ON jobs(owner, listing_id, analysis_type, created_at)")
        || !exec("CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status)")
        || !exec("CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created_at)")
        || !exec(QByteArray("PRAGMA user_version=" + QByteArray::number(kSchemaVersion)).constData()))
        return rollback();
    return exec("COMMIT");
}

SqliteStatement &LocalJobStore::prepared(Statement which, const char *sql)
{
    // Prepared once per connection: the runner writes several times per job, and parsing the
    // statement each time cost more than executing it.
    SqliteStatement &slot = m_statements[std::size_t(which)];
    if (!slot.isValid()) {
        slot = SqliteStatement(m_db, sql);
        if (!slot.isValid())
            fail(QStringLiteral("cannot prepare a statement"), slot.error());
    }
    return slot;
}

bool LocalJobStore::saveJob(const Job &job)
{
    return write(job, std::nullopt, {});
}

bool LocalJobStore::saveCheckpoint(const Job &job, const json &checkpoint, const JobStepRecord &step)
{
    return write(job, checkpoint, { step });
}

bool LocalJobStore::write(
    const Job &job, const std::optional<json> &checkpoint, const QList<JobStepRecord> &steps, QByteArrayView jobJson)
{
    if (!m_db)
        return false;
    // One statement, so atomic without a transaction of its own. The identity columns never change
    // once the row exists; leaving them out of the update spares their index entries. A terminal
    // job never resumes: its checkpoint goes.
    static const QByteArray sql
        = QByteArray("INSERT INTO jobs (id, owner, listing_id, analysis_type, status, attempt, created_at, updated_at,"
                     " finished_at, job_json, checkpoint_json, steps)"
                     " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10, CASE WHEN ?5 IN ")
        + kTerminal
        + " THEN NULL ELSE ?11 END, ?12)"
          " ON CONFLICT(id) DO UPDATE SET status=excluded.status, attempt=excluded.attempt,"
          " updated_at=excluded.updated_at, finished_at=excluded.finished_at, job_json=excluded.job_json,"
          " checkpoint_json=CASE WHEN excluded.status IN "
        + kTerminal
        + " THEN NULL ELSE coalesce(excluded.checkpoint_json, jobs.checkpoint_json) END,"
          " steps=CASE WHEN excluded.steps IS NULL THEN jobs.steps ELSE coalesce(jobs.steps, '') || excluded.steps END";
    SqliteStatement &q = prepared(Statement::Write, sql.constData());
    if (!q.isValid())
        return false;
    q.bind(1, job.id);
    q.bind(2, job.owner);
    q.bind(3, job.listingId);
    q.bind(4, job.analysisType);
    q.bind(5, jobStatusName(job.status));
    q.bind(6, qint64(job.attempt));
    q.bind(7, job.createdAt);
    q.bind(8, job.updatedAt);
    q.bind(9, job.finishedAt);
    if (jobJson.isEmpty())
        q.bind(10, QByteArrayView(serializeJob(job, JobJsonScope::Storage)));
    else
        q.bind(10, jobJson);
    if (checkpoint)
        q.bind(11, QByteArrayView(QByteArray::fromStdString(checkpoint->dump())));
    else
        q.bindNull(11);
    if (!steps.isEmpty())
        q.bind(12, QByteArrayView(stepLines(steps)));
    else
        q.bindNull(12);
    const bool ok = q.exec();
    if (!ok)
        fail(QStringLiteral("cannot save job %1").arg(job.id), q.error());
    q.reset();
    return ok;
}

bool LocalJobStore::beginBatch()
{
    if (!m_db || m_inBatch)
        return false;
    m_inBatch = exec("BEGIN");
    return m_inBatch;
}

bool LocalJobStore::commitBatch()
{
    if (!m_inBatch)
        return false;
    m_inBatch = false;
    if (!exec("COMMIT")) {
        qCWarning(lcJobs).noquote() << "cannot commit job store batch:" << m_error;
        exec("ROLLBACK");
        return false;
    }
    return true;
}

std::optional<StoredJob> LocalJobStore::rowToStored(
    QByteArrayView jobJson, std::optional<QByteArrayView> checkpointJson)
{
    // A row damaged on disk (or edited by hand) is skipped with a warning instead of taking the
    // runner down; parseJob() says why.
    auto job = parseJob(jobJson);
    if (!job)
        return std::nullopt;
    StoredJob stored;
    stored.job = std::move(*job);
    if (checkpointJson) {
        json cp = json::parse(checkpointJson->begin(), checkpointJson->end(), nullptr, false);
        if (cp.is_object())
            stored.checkpoint = std::move(cp);
        else
            qCWarning(lcJobs) << "job" << stored.job.id << "has an unreadable checkpoint; it restarts from step one";
    }
    return stored;
}

std::optional<StoredJob> LocalJobStore::load(const QString &jobId)
{
    if (!m_db)
        return std::nullopt;
    SqliteStatement &q = prepared(Statement::Load, "SELECT job_json, checkpoint_json FROM jobs WHERE id=?1");
    q.bind(1, jobId);
    std::optional<StoredJob> out;
    if (q.next())
        out = rowToStored(q.utf8(0), q.isNull(1) ? std::nullopt : std::optional(q.utf8(1)));
    q.reset();
    return out;
}

QList<StoredJob> LocalJobStore::unfinished()
{
    QList<StoredJob> out;
    if (!m_db)
        return out;
    SqliteStatement q(m_db,
        "SELECT job_json, checkpoint_json FROM jobs WHERE status IN ('queued','running') ORDER BY created_at, id");
    while (q.next()) {
        if (auto s = rowToStored(q.utf8(0), q.isNull(1) ? std::nullopt : std::optional(q.utf8(1))))
            out.append(std::move(*s));
    }
    return out;
}

QList<Job> LocalJobStore::all(int limit)
{
    QList<Job> out;
    if (!m_db)
        return out;
    SqliteStatement q(m_db, "SELECT job_json FROM jobs ORDER BY created_at DESC, id DESC LIMIT ?1");
    q.bind(1, qint64(limit < 0 ? -1 : limit));
    while (q.next()) {
        if (auto s = rowToStored(q.utf8(0), std::nullopt))
            out.append(std::move(s->job));
    }
    return out;
}

std::optional<Job> LocalJobStore::latestForPair(
    const QString &owner, const QString &listingId, const QString &analysisType)
{
    if (!m_db)
        return std::nullopt;
    SqliteStatement q(m_db,
        "SELECT job_json FROM jobs WHERE owner=?1 AND listing_id=?2 AND analysis_type=?3"
        " ORDER BY created_at DESC, id DESC LIMIT 1");
    q.bind(1, owner);
    q.bind(2, listingId);
    q.bind(3, analysisType);
    if (!q.next())
        return std::nullopt;
    if (auto s = rowToStored(q.utf8(0), std::nullopt))
        return std::move(s->job);
    return std::nullopt;
}

QList<RecentSuccess> LocalJobStore::successesSince(const QString &owner, qint64 sinceMs)
{
    QList<RecentSuccess> out;
    if (!m_db)
        return out;
    SqliteStatement q(m_db,
        "SELECT id, listing_id, analysis_type, finished_at FROM jobs"
        " WHERE owner=?1 AND status='succeeded' AND finished_at>=?2 ORDER BY finished_at");
    q.bind(1, owner);
    q.bind(2, sinceMs);
    while (q.next())
        out.append({ q.text(0), q.text(1), q.text(2), q.int64(3) });
    return out;
}

QList<JobStepRecord> LocalJobStore::steps(const QString &jobId)
{
    if (!m_db)
        return {};
    SqliteStatement q(m_db, "SELECT steps FROM jobs WHERE id=?1");
    q.bind(1, jobId);
    if (!q.next() || q.isNull(0))
        return {};
    return parseStepLines(jobId, q.utf8(0));
}

int LocalJobStore::count()
{
    if (!m_db)
        return 0;
    SqliteStatement q(m_db, "SELECT COUNT(*) FROM jobs");
    return q.next() ? int(q.int64(0)) : 0;
}

int LocalJobStore::pruneFinishedBefore(qint64 finishedBeforeMs)
{
    if (!m_db)
        return -1;
    // One statement: a job's steps live in its row and go with it.
    SqliteStatement q(m_db,
        QByteArray(QByteArray("DELETE FROM jobs WHERE status IN ") + kTerminal
            + " AND finished_at IS NOT NULL AND finished_at < ?1")
            .constData());
    q.bind(1, finishedBeforeMs);
    if (!q.exec()) {
        fail(QStringLiteral("cannot prune finished jobs"), q.error());
        return -1;
    }
    return q.changes();
}

} // namespace dealscope
