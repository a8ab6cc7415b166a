#include "storage/ResultsLibrary.h"

#include "storage/StorageLog.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QSaveFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

namespace {

QString str(const nlohmann::json &j, const char *key)
{
    const auto it = j.find(key);
    if (it == j.end() || !it->is_string())
        return {};
    return QString::fromStdString(it->get<std::string>());
}

QString dump(const nlohmann::json &j)
{
    return QString::fromStdString(j.dump());
}

nlohmann::json parse(const QString &text)
{
    return nlohmann::json::parse(text.toStdString(), nullptr, /*allow_exceptions=*/false);
}

QString kindName(AnnotationKind kind)
{
    return kind == AnnotationKind::Listing ? u"listing"_s : u"result"_s;
}

// Tags are kept as ",a,b," so that one tag can be matched whole with LIKE '%,a,%'.
QString packTags(const QStringList &tags)
{
    return tags.isEmpty() ? QString() : u","_s + tags.join(u',') + u","_s;
}

QStringList unpackTags(const QString &packed)
{
    return packed.split(u',', Qt::SkipEmptyParts);
}

StoredResult rowToResult(const QSqlQuery &q, bool withJson)
{
    StoredResult r;
    r.jobId = q.value(0).toString();
    r.listingId = q.value(1).toString();
    r.listingTitle = q.value(2).toString();
    r.analysisType = q.value(3).toString();
    if (!q.value(4).isNull())
        r.score = q.value(4).toDouble();
    r.finishedAt = q.value(5).toLongLong();
    r.backend = q.value(6).toString();
    r.engine = q.value(7).toString();
    r.notes.notes = q.value(8).toString();
    r.notes.tags = unpackTags(q.value(9).toString());
    r.listingNotes.notes = q.value(10).toString();
    r.listingNotes.tags = unpackTags(q.value(11).toString());
    if (withJson) {
        r.job = parse(q.value(12).toString());
        r.listing = parse(q.value(13).toString());
    }
    return r;
}

const QString kColumns
    = u"r.job_id, r.listing_id, r.listing_title, r.analysis_type, r.score, r.finished_at, r.backend, "
      "r.engine, ra.notes, ra.tags, la.notes, la.tags"_s;
const QString kJsonColumns = u", r.job_json, r.listing_json"_s;
// Every read joins the notes and tags of the result and of its listing.
const QString kFrom = u" FROM results r LEFT JOIN annotations ra ON ra.kind = 'result' AND ra.key = r.job_id "
                      "LEFT JOIN annotations la ON la.kind = 'listing' AND la.key = r.listing_id"_s;

// '%' and '_' typed by the user match literally (LIKE … ESCAPE with a backslash).
QString likePattern(const QString &text)
{
    QString needle = text;
    needle.replace(u"\\"_s, u"\\\\"_s).replace(u"%"_s, u"\\%"_s).replace(u"_"_s, u"\\_"_s);
    return u"%"_s + needle + u"%"_s;
}

QString placeholders(qsizetype n)
{
    QStringList marks(n, u"?"_s);
    return marks.join(u',');
}

} // namespace

ResultsLibrary::ResultsLibrary()
    : m_connection(u"dealscope-results-"_s + QUuid::createUuid().toString(QUuid::WithoutBraces))
{ }

ResultsLibrary::~ResultsLibrary()
{
    if (QSqlDatabase::contains(m_connection)) {
        QSqlDatabase::database(m_connection, false).close();
        QSqlDatabase::removeDatabase(m_connection);
    }
}

bool ResultsLibrary::isOpen() const
{
    return QSqlDatabase::contains(m_connection) && QSqlDatabase::database(m_connection, false).isOpen();
}

bool ResultsLibrary::open(const QString &databaseFile)
{
    const QFileInfo info(databaseFile);
    if (!QDir().mkpath(info.absolutePath())) {
        m_error = u"cannot create folder %1"_s.arg(info.absolutePath());
        return false;
    }
    QSqlDatabase db = QSqlDatabase::contains(m_connection) ? QSqlDatabase::database(m_connection, false)
                                                           : QSqlDatabase::addDatabase(u"QSQLITE"_s, m_connection);
    db.setDatabaseName(databaseFile);
    m_file = databaseFile;
    if (!db.open()) {
        m_error = db.lastError().text();
        return false;
    }
    QSqlQuery q(db);
    // A library made before needs no schema statement; skipping them means no write at all, so
    // that the results already stored can be read on a full disk (PRAGMA user_version=1 alone
    // writes the file's header, and failed there).
    constexpr int kSchemaVersion = 2;
    const int fileVersion = q.exec(u"PRAGMA user_version"_s) && q.next() ? q.value(0).toInt() : 0;
    q.finish();
    if (fileVersion >= kSchemaVersion)
        return true;
    const QStringList schema = {
        u"PRAGMA journal_mode=WAL"_s,
        // WAL + NORMAL: no fsync per stored result on the GUI thread; a crash loses at most the
        // last results, which the in-flight registry re-attaches and stores again.
        u"PRAGMA synchronous=NORMAL"_s,
        u"CREATE TABLE IF NOT EXISTS results ("
        "job_id TEXT PRIMARY KEY, listing_id TEXT NOT NULL, listing_title TEXT NOT NULL DEFAULT '', "
        "analysis_type TEXT NOT NULL, score REAL, finished_at INTEGER NOT NULL, backend TEXT, engine TEXT, "
        "job_json TEXT NOT NULL, listing_json TEXT NOT NULL)"_s,
        u"CREATE INDEX IF NOT EXISTS results_listing ON results(listing_id, analysis_type, finished_at)"_s,
        u"CREATE INDEX IF NOT EXISTS results_finished ON results(finished_at)"_s,
        // Version 2: notes and tags on listings and results.
        u"CREATE TABLE IF NOT EXISTS annotations (kind TEXT NOT NULL, key TEXT NOT NULL, "
        "notes TEXT NOT NULL DEFAULT '', tags TEXT NOT NULL DEFAULT '', updated_at INTEGER NOT NULL, "
        "PRIMARY KEY (kind, key))"_s,
        u"PRAGMA user_version=2"_s,
    };
    for (const QString &stmt : schema) {
        if (!q.exec(stmt)) {
            m_error = writeError(u"cannot create the results library"_s, q.lastError());
            if (fileVersion >= 1) {
                // An older library that cannot be upgraded now (a full disk): its results stay
                // readable; notes and tags report the error until the next start upgrades it.
                qCWarning(lcStorage) << "results library not upgraded:" << m_error;
                return true;
            }
            db.close();
            return false;
        }
    }
    return true;
}

bool ResultsLibrary::store(const nlohmann::json &job, const nlohmann::json &listing)
{
    if (!isOpen()) {
        m_error = u"results library is not open"_s;
        return false;
    }
    QSqlQuery q = prepareStore();
    return store(q, job, listing);
}

QSqlQuery ResultsLibrary::prepareStore() const
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"INSERT OR REPLACE INTO results (job_id, listing_id, listing_title, analysis_type, score, "
              "finished_at, backend, engine, job_json, listing_json) VALUES (?,?,?,?,?,?,?,?,?,?)"_s);
    return q;
}

bool ResultsLibrary::store(QSqlQuery &q, const nlohmann::json &job, const nlohmann::json &listing)
{
    if (!job.is_object() || str(job, "id").isEmpty() || !job.contains("result") || !job["result"].is_object()) {
        m_error = u"only a finished job with a result can be stored"_s;
        return false;
    }
    const nlohmann::json &result = job["result"];
    QVariant score;
    if (auto it = result.find("score"); it != result.end() && it->is_number())
        score = it->get<double>();
    qint64 finished = 0;
    if (auto it = job.find("finishedAt"); it != job.end() && it->is_number())
        finished = it->get<qint64>();
    else if (auto it2 = job.find("updatedAt"); it2 != job.end() && it2->is_number())
        finished = it2->get<qint64>();

    q.bindValue(0, str(job, "id"));
    q.bindValue(1, str(job, "listingId"));
    q.bindValue(2, listing.is_object() ? str(listing, "title") : QString());
    q.bindValue(3, str(job, "analysisType"));
    q.bindValue(4, score.isValid() ? score : QVariant(QMetaType::fromType<double>()));
    q.bindValue(5, finished);
    q.bindValue(6, str(job, "backend"));
    q.bindValue(7, str(result, "engine"));
    q.bindValue(8, dump(job));
    q.bindValue(9, dump(listing.is_object() ? listing : nlohmann::json::object()));
    if (!q.exec()) {
        m_error = writeError(u"cannot store the result"_s, q.lastError());
        qCWarning(lcStorage).noquote() << m_error;
        return false;
    }
    return true;
}

QString ResultsLibrary::writeError(const QString &what, const QSqlError &error) const
{
    // The QSQLITE driver's native code is SQLite's primary result code.
    constexpr int kSqliteIoErr = 10, kSqliteFull = 13;
    const int code = error.nativeErrorCode().toInt() & 0xff;
    if (code == kSqliteFull)
        return u"%1: the disk holding the results library (%2) is full. Results stored before are kept; free some "
               "space and store again."_s.arg(what, m_file);
    if (code == kSqliteIoErr)
        // EFBIG (a file size limit) and EIO end here as well as some full disks.
        return u"%1: the results library (%2) could not be written (%3; is the disk full?). Results stored before "
               "are kept."_s.arg(what, m_file, error.databaseText());
    return u"%1: %2 (%3)"_s.arg(what, error.text(), m_file);
}

QList<ResultsLibrary::Stored> ResultsLibrary::storeAll(
    const QList<std::pair<nlohmann::json, nlohmann::json>> &jobsAndListings)
{
    QList<Stored> out;
    out.reserve(jobsAndListings.size());
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    const bool inTransaction = isOpen() && jobsAndListings.size() > 1 && db.transaction();
    // One statement for the burst: preparing it per result cost as much as the insert.
    QSqlQuery q = isOpen() ? prepareStore() : QSqlQuery();
    for (const auto &[job, listing] : jobsAndListings) {
        Stored s;
        if (!isOpen())
            m_error = u"results library is not open"_s;
        else
            s.ok = store(q, job, listing);
        if (!s.ok)
            s.error = m_error;
        out.append(s);
    }
    q.finish();
    if (inTransaction && !db.commit()) {
        const QString error = db.lastError().text();
        qCWarning(lcStorage) << "storing results failed at commit:" << error;
        db.rollback();
        for (Stored &s : out)
            s = Stored { false, error };
    }
    return out;
}

QList<StoredResult> ResultsLibrary::search(const ResultQuery &query) const
{
    QList<StoredResult> out;
    if (!isOpen())
        return out;
    // SQLite takes a bounded number of parameters: a long list of ids is asked for in parts.
    constexpr qsizetype kMaxIds = 2000;
    if (query.jobIds.size() > kMaxIds || query.listingIds.size() > kMaxIds) {
        const bool byJob = query.jobIds.size() > kMaxIds;
        const QStringList &ids = byJob ? query.jobIds : query.listingIds;
        for (qsizetype i = 0; i < ids.size(); i += kMaxIds) {
            ResultQuery part = query;
            (byJob ? part.jobIds : part.listingIds) = ids.mid(i, kMaxIds);
            out += search(part);
        }
        std::stable_sort(out.begin(), out.end(), [](const StoredResult &a, const StoredResult &b) {
            return a.finishedAt != b.finishedAt ? a.finishedAt > b.finishedAt : a.jobId < b.jobId;
        });
        if (out.size() > query.limit)
            out.resize(std::max(0, query.limit));
        return out;
    }
    QString sql = u"SELECT "_s + kColumns + (query.withJson ? kJsonColumns : QString()) + kFrom + u" WHERE 1=1"_s;
    QVariantList binds;
    if (const QString text = query.text.trimmed(); !text.isEmpty()) {
        sql += u" AND (r.listing_id LIKE ? ESCAPE '\\' OR r.listing_title LIKE ? ESCAPE '\\' "
               "OR ra.notes LIKE ? ESCAPE '\\' OR ra.tags LIKE ? ESCAPE '\\' "
               "OR la.notes LIKE ? ESCAPE '\\' OR la.tags LIKE ? ESCAPE '\\')"_s;
        const QString pattern = likePattern(text);
        for (int i = 0; i < 6; ++i)
            binds << pattern;
    }
    if (!query.jobIds.isEmpty()) {
        sql += u" AND r.job_id IN ("_s + placeholders(query.jobIds.size()) + u")"_s;
        for (const QString &id : query.jobIds)
            binds << id;
    }
    if (!query.listingIds.isEmpty()) {
        sql += u" AND r.listing_id IN ("_s + placeholders(query.listingIds.size()) + u")"_s;
        for (const QString &id : query.listingIds)
            binds << id;
    }
    if (!query.analysisType.isEmpty()) {
        sql += u" AND r.analysis_type = ?"_s;
        binds << query.analysisType;
    }
    if (query.fromMs) {
        sql += u" AND r.finished_at >= ?"_s;
        binds << *query.fromMs;
    }
    if (query.toMs) {
        sql += u" AND r.finished_at <= ?"_s;
        binds << *query.toMs;
    }
    if (query.minScore) {
        sql += u" AND r.score >= ?"_s;
        binds << *query.minScore;
    }
    if (query.maxScore) {
        sql += u" AND r.score <= ?"_s;
        binds << *query.maxScore;
    }
    sql += u" ORDER BY r.finished_at DESC, r.job_id LIMIT ?"_s;
    binds << std::max(0, query.limit);

    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    q.prepare(sql);
    for (const QVariant &b : std::as_const(binds))
        q.addBindValue(b);
    if (!q.exec()) {
        qCWarning(lcStorage) << "search failed:" << q.lastError().text();
        return out;
    }
    while (q.next())
        out.append(rowToResult(q, query.withJson));
    return out;
}

std::optional<StoredResult> ResultsLibrary::get(const QString &jobId) const
{
    if (!isOpen())
        return std::nullopt;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"SELECT "_s + kColumns + kJsonColumns + kFrom + u" WHERE r.job_id = ?"_s);
    q.addBindValue(jobId);
    if (!q.exec() || !q.next())
        return std::nullopt;
    return rowToResult(q, true);
}

std::optional<StoredResult> ResultsLibrary::latestFor(const QString &listingId, const QString &analysisType) const
{
    if (!isOpen())
        return std::nullopt;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"SELECT "_s + kColumns + kJsonColumns + kFrom
        + u" WHERE r.listing_id = ? AND r.analysis_type = ? ORDER BY r.finished_at DESC LIMIT 1"_s);
    q.addBindValue(listingId);
    q.addBindValue(analysisType);
    if (!q.exec() || !q.next())
        return std::nullopt;
    return rowToResult(q, true);
}

QSet<QString> ResultsLibrary::storedTypes(const QString &listingId) const
{
    QSet<QString> out;
    if (!isOpen())
        return out;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    q.prepare(u"SELECT DISTINCT analysis_type FROM results WHERE listing_id = ?"_s);
    q.addBindValue(listingId);
    if (!q.exec())
        return out;
    while (q.next())
        out.insert(q.value(0).toString());
    return out;
}

QHash<QString, double> ResultsLibrary::latestScores() const
{
    QHash<QString, double> out;
    if (!isOpen())
        return out;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    // SQLite returns the bare columns of the row that holds MAX() in an aggregate query.
    if (!q.exec(
            u"SELECT listing_id, score, MAX(finished_at) FROM results WHERE score IS NOT NULL GROUP BY listing_id"_s))
        return out;
    while (q.next())
        out.insert(q.value(0).toString(), q.value(1).toDouble());
    return out;
}

bool ResultsLibrary::contains(const QString &jobId) const
{
    if (!isOpen())
        return false;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"SELECT 1 FROM results WHERE job_id = ?"_s);
    q.addBindValue(jobId);
    return q.exec() && q.next();
}

bool ResultsLibrary::remove(const QString &jobId)
{
    if (!isOpen())
        return false;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"DELETE FROM results WHERE job_id = ?"_s);
    q.addBindValue(jobId);
    if (!q.exec()) {
        m_error = writeError(u"cannot delete the result"_s, q.lastError());
        return false;
    }
    return q.numRowsAffected() > 0;
}

int ResultsLibrary::count() const
{
    if (!isOpen())
        return 0;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.exec(u"SELECT COUNT(*) FROM results"_s) || !q.next())
        return 0;
    return q.value(0).toInt();
}

QStringList Annotation::parseTags(const QString &text)
{
    QStringList out;
    for (const QString &part : text.split(u',')) {
        const QString tag = part.simplified();
        if (tag.isEmpty() || out.contains(tag, Qt::CaseInsensitive))
            continue;
        out.append(tag);
    }
    return out;
}

bool ResultsLibrary::setAnnotation(AnnotationKind kind, const QString &key, const Annotation &annotation)
{
    if (!isOpen()) {
        m_error = u"results library is not open"_s;
        return false;
    }
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (annotation.isEmpty()) {
        q.prepare(u"DELETE FROM annotations WHERE kind = ? AND key = ?"_s);
        q.addBindValue(kindName(kind));
        q.addBindValue(key);
    } else {
        q.prepare(u"INSERT OR REPLACE INTO annotations (kind, key, notes, tags, updated_at) VALUES (?,?,?,?,?)"_s);
        q.addBindValue(kindName(kind));
        q.addBindValue(key);
        q.addBindValue(annotation.notes);
        // Commas inside a tag would split it on the way back.
        QStringList tags;
        for (const QString &t : annotation.tags)
            tags << QString(t).replace(u',', u' ').simplified();
        q.addBindValue(packTags(Annotation::parseTags(tags.join(u','))));
        q.addBindValue(QDateTime::currentMSecsSinceEpoch());
    }
    if (!q.exec()) {
        m_error = q.lastError().text();
        return false;
    }
    return true;
}

Annotation ResultsLibrary::annotation(AnnotationKind kind, const QString &key) const
{
    Annotation a;
    if (!isOpen())
        return a;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"SELECT notes, tags FROM annotations WHERE kind = ? AND key = ?"_s);
    q.addBindValue(kindName(kind));
    q.addBindValue(key);
    if (q.exec() && q.next()) {
        a.notes = q.value(0).toString();
        a.tags = unpackTags(q.value(1).toString());
    }
    return a;
}

bool ResultsLibrary::exportJson(const QString &file, const ResultQuery &query)
{
    ResultQuery q = query;
    q.withJson = true;
    q.limit = std::max(q.limit, 1);
    nlohmann::json out = nlohmann::json::array();
    for (const StoredResult &r : search(q))
        out.push_back(nlohmann::json { { "job", r.job }, { "listing", r.listing } });
    QSaveFile f(file);
    if (!f.open(QIODevice::WriteOnly)) {
        m_error = f.errorString();
        return false;
    }
    const std::string text = out.dump(2);
    f.write(text.data(), qint64(text.size()));
    if (!f.commit()) {
        m_error = f.errorString();
        return false;
    }
    return true;
}

} // namespace dealscope
