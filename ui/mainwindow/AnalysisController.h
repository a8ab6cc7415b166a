#pragma once

#include "domain/Listing.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/Job.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>

namespace dealscope {
class AsyncResultsLibrary;
class JobBackend;
class JobTracker;
} // namespace dealscope

namespace dealscope::ui {

// The desktop's side of the jobs (SPEC §6), without widgets: one JobTracker per
// (listing, analysis type), finished results into the results library with the listing snapshot
// (written on the library's storage thread; resultStored follows once the row is committed),
// and re-attachment of the in-flight registry at start-up. Lives on the GUI thread; every
// backend call is asynchronous, so nothing here blocks.
class AnalysisController final : public QObject
{
    Q_OBJECT
public:
    using ListingLookup = std::function<std::optional<Listing>(const QString &listingId)>;

    AnalysisController(JobBackend &backend, InFlightRegistry *registry, AsyncResultsLibrary *library,
        ListingLookup lookup, QObject *parent = nullptr);
    ~AnalysisController() override;

    // Starts unless the pair already has an active job (a second click joins the first: one job).
    // While the pair's last result is still being stored, the start waits for that write.
    void start(const QString &listingId, const QString &analysisType, const nlohmann::json &params, bool force);
    void cancel(const QString &listingId, const QString &analysisType);
    // Re-attaches every entry of this backend; returns how many were attached.
    int resume(const QList<InFlightEntry> &entries);

    JobTracker *tracker(const QString &listingId, const QString &analysisType) const;
    std::optional<Job> job(const QString &listingId, const QString &analysisType) const;
    bool isActive(const QString &listingId, const QString &analysisType) const;
    int activeCount() const;
    int trackerCount() const { return int(m_trackers.size()); }

Q_SIGNALS:
    void jobChanged(const dealscope::Job &job);
    void jobFinished(const dealscope::Job &job);
    void resultStored(const QString &jobId, const QString &listingId, std::optional<double> score);
    void errorOccurred(const QString &listingId, const QString &analysisType, const QString &message);
    // The pair's activity changed without a job change (a start answered with the job already
    // shown, e.g. a recent success): views refresh their buttons.
    void pairStateChanged(const QString &listingId, const QString &analysisType);

private:
    JobTracker *ensureTracker(const QString &listingId, const QString &analysisType);
    void onFinished(const Job &job);
    void checkPendingStarts();
    void removeStoredEntries();
    void removeEntryLater(const QString &jobId);

    JobBackend &m_backend;
    InFlightRegistry *m_registry;
    AsyncResultsLibrary *m_library;
    ListingLookup m_lookup;
    QHash<QString, JobTracker *> m_trackers; // key: listingId + '\n' + analysisType
    QSet<QString> m_pendingStarts;
    QTimer m_pendingTimer;
    struct DeferredStart
    {
        nlohmann::json params;
        bool force = false;
    };
    QHash<QString, QString> m_awaitingStore; // pair -> job whose result the library is storing
    QHash<QString, DeferredStart> m_deferredStarts; // pair -> start asked for meanwhile
    QStringList m_storedEntries; // finished jobs (results stored) whose in-flight entries go with the next flush
    QTimer m_registryFlush;
};

} // namespace dealscope::ui
