#pragma once

#include <QHash>
#include <QList>
#include <QString>

#include <memory>

class QSettings;

namespace dealscope {

struct InFlightEntry final
{
    QString listingId;
    QString analysisType;
    QString jobId;
    QString backend; // "local" | "remote"
    QString server; // base URL for remote jobs, empty for local

    bool operator==(const InFlightEntry &) const = default;
};

// In-flight job ids in QSettings (SPEC §6), group "inflight". Entries are keyed by
// (backend, server, listingId, analysisType). Not thread-safe: use from one thread.
// Changes reach the file when QSettings syncs (event loop, destructor) or on sync().
//
// Write-behind (the desktop): each sync rewrites the whole settings file with an fsync, tens of
// milliseconds on a busy disk, which the GUI thread must not wait for while hundreds of analyses
// start and finish. Then the entries are read from memory, and the changes go, in order, to a
// QSettings object of the same file on a thread of its own, which syncs there; other QSettings
// objects of the file in this process see them once applied (Qt shares a file's cache).
class InFlightRegistry final
{
public:
    enum class Mode { Direct, WriteBehind };
    explicit InFlightRegistry(QSettings &settings, Mode mode = Mode::Direct);
    ~InFlightRegistry(); // write-behind: every change is on disk when it returns
    InFlightRegistry(const InFlightRegistry &) = delete;
    InFlightRegistry &operator=(const InFlightRegistry &) = delete;

    QList<InFlightEntry> entries() const;
    void put(const InFlightEntry &entry); // replaces the entry of the same pair
    void remove(const QString &jobId);
    bool contains(const QString &jobId) const;
    void sync(); // writes pending changes to the file now (write-behind: and waits for them)

private:
    struct Writer;
    QString groupOf(const QString &jobId) const;

    QSettings &m_settings;
    mutable QHash<QString, QString> m_groupByJobId; // jobId → group, a hint validated on use
    std::unique_ptr<Writer> m_writer; // write-behind only
    QHash<QString, InFlightEntry> m_entries; // write-behind only: group → entry, what the file will hold
};

} // namespace dealscope
