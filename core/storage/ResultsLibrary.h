#pragma once

#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <optional>

class QSqlError;
class QSqlQuery;

namespace dealscope {

// An analyst's notes and tags on a listing or on one result (issue 14 §6): stored in the library,
// searched with the results, exported with them.
struct Annotation final
{
    QString notes;
    QStringList tags; // trimmed, unique (case-insensitively), in the order given

    bool isEmpty() const { return notes.trimmed().isEmpty() && tags.isEmpty(); }
    bool operator==(const Annotation &) const = default;
    // "a, b,,  c" → {"a", "b", "c"}; commas separate tags, nothing else is special.
    static QStringList parseTags(const QString &text);
};

enum class AnnotationKind { Listing, Result };

// One finished analysis as kept in the library: the job (wire JSON, with its result) and the
// snapshot of the listing it analysed, so it reads the same after the listing changed or vanished.
struct StoredResult final
{
    QString jobId;
    QString listingId;
    QString listingTitle;
    QString analysisType;
    std::optional<double> score;
    qint64 finishedAt = 0; // ms since epoch
    QString backend; // local | remote
    QString engine; // builtin or the LLM model
    nlohmann::json job; // full job JSON; empty in search() rows unless asked
    nlohmann::json listing; // listing snapshot; empty in search() rows unless asked
    Annotation notes; // on this result
    Annotation listingNotes; // on its listing
};

struct ResultQuery final
{
    QString text; // matches listing id or title, or the notes or tags of the result or its listing
    QStringList jobIds; // exactly these results, empty = any
    QStringList listingIds; // results of these listings, empty = any
    QString analysisType; // exact, empty = any
    std::optional<qint64> fromMs; // finishedAt ≥ fromMs
    std::optional<qint64> toMs; // finishedAt ≤ toMs
    std::optional<double> minScore;
    std::optional<double> maxScore;
    int limit = 1000;
    bool withJson = false; // fill job/listing
};

// The desktop's offline results library (SPEC §6): SQLite in the app data folder. Every finished
// analysis, local or remote, searchable by listing, type, date and score; deletable; exportable.
// One instance per thread (it owns a named QSqlDatabase connection).
class ResultsLibrary final
{
public:
    ResultsLibrary();
    ~ResultsLibrary();
    ResultsLibrary(const ResultsLibrary &) = delete;
    ResultsLibrary &operator=(const ResultsLibrary &) = delete;

    // Creates the file and schema when missing. False with errorString() on failure.
    bool open(const QString &databaseFile);
    bool isOpen() const;
    QString errorString() const { return m_error; }

    // Stores a terminal, succeeded job (`job` in wire JSON with "result") with the listing snapshot.
    // Storing the same job id again replaces it. False (with errorString()) for a job without result.
    bool store(const nlohmann::json &job, const nlohmann::json &listing);
    // Several results in one transaction (one commit for a burst of finished analyses). Returns
    // per result whether it was stored, with its error when not; one result's error does not keep
    // the others out.
    struct Stored
    {
        bool ok = false;
        QString error;
    };
    QList<Stored> storeAll(const QList<std::pair<nlohmann::json, nlohmann::json>> &jobsAndListings);

    QList<StoredResult> search(const ResultQuery &query) const;
    std::optional<StoredResult> get(const QString &jobId) const;
    std::optional<StoredResult> latestFor(const QString &listingId, const QString &analysisType) const;
    // The analysis types with a stored result for this listing (one indexed query, no JSON read).
    QSet<QString> storedTypes(const QString &listingId) const;
    // Latest score per listing over all types (the listings table's score column).
    QHash<QString, double> latestScores() const;
    bool contains(const QString &jobId) const;
    bool remove(const QString &jobId);
    int count() const;

    // Notes and tags on a listing (key: listing id) or a result (key: job id); an empty
    // annotation removes them.
    bool setAnnotation(AnnotationKind kind, const QString &key, const Annotation &annotation);
    Annotation annotation(AnnotationKind kind, const QString &key) const;

    // Writes the matching results (with job and listing JSON) as a JSON array, atomically.
    bool exportJson(const QString &file, const ResultQuery &query);

private:
    QSqlQuery prepareStore() const;
    bool store(QSqlQuery &insert, const nlohmann::json &job, const nlohmann::json &listing);
    // What a failed write says to the user: a full disk (or a write the system refused) named as
    // such, with the file, and that the results stored before are kept (SQLite rolls the write
    // back), rather than SQLite's "database or disk is full Unable to fetch row".
    QString writeError(const QString &what, const QSqlError &error) const;

    QString m_connection;
    QString m_file;
    QString m_error;
};

} // namespace dealscope
