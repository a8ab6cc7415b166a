#pragma once

#include <QHash>
#include <QList>
#include <QString>

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
class InFlightRegistry final
{
public:
    explicit InFlightRegistry(QSettings &settings);

    QList<InFlightEntry> entries() const;
    void put(const InFlightEntry &entry); // replaces the entry of the same pair
    void remove(const QString &jobId);
    bool contains(const QString &jobId) const;
    void sync(); // writes pending changes to the file now

private:
    QString groupOf(const QString &jobId) const;

    QSettings &m_settings;
    mutable QHash<QString, QString> m_groupByJobId; // jobId → group, a hint validated on use
};

} // namespace dealscope
