#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <optional>

struct sqlite3;
struct sqlite3_stmt;

namespace dealscope {

// One prepared statement of the SQLite C API, finalized with the object. The job store binds its
// job JSON as UTF-8 here: through QtSql every write went UTF-8 → UTF-16 (QString) → UTF-8 again,
// plus a QVariant per bound value.
class SqliteStatement final
{
public:
    SqliteStatement() = default;
    SqliteStatement(sqlite3 *db, const char *sql);
    ~SqliteStatement();
    SqliteStatement(SqliteStatement &&other) noexcept;
    SqliteStatement &operator=(SqliteStatement &&other) noexcept;
    SqliteStatement(const SqliteStatement &) = delete;
    SqliteStatement &operator=(const SqliteStatement &) = delete;

    bool isValid() const { return m_stmt != nullptr; }

    // Parameters are numbered from 1, as in SQL (?1, ?2, …). Text is copied by SQLite.
    void bind(int index, qint64 value);
    void bind(int index, const QString &text);
    void bind(int index, QByteArrayView utf8);
    void bind(int index, const std::optional<qint64> &value);
    void bindNull(int index);

    // Runs to the next row: true while there is one. Errors end it (false) and are kept in error().
    bool next();
    // Runs a statement that returns no rows; false on an error.
    bool exec();
    // Clears bindings and rewinds, ready for the next use.
    void reset();

    qint64 int64(int column) const;
    bool isNull(int column) const;
    QByteArrayView utf8(int column) const; // valid until the next step or reset
    QString text(int column) const;

    QString error() const { return m_error; }
    int changes() const;

private:
    sqlite3 *m_db = nullptr;
    sqlite3_stmt *m_stmt = nullptr;
    QString m_error;
};

} // namespace dealscope
