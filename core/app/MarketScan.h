#pragma once

#include "domain/Listing.h"
#include "export/MarketRanking.h"
#include "jobs/Job.h"
#include "tasks/PacedQueue.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <vector>

namespace dealscope {

class AsyncResultsLibrary;
class JobBackend;
class JobBackends;
struct BackendReply;

// "Analyze all shown listings" (issue 14 §3): one analysis type over many listings as one
// batch, on the current backend (JobBackends::current(), local or a job server), with aggregate
// progress, an ETA and cancel-all. The backend's dedup applies to every start (an active or a
// recent succeeded job of the pair is joined, not run again), and a listing shown twice is
// analysed once. Finished analyses go to the results library in one transaction per burst;
// what the scan keeps per listing is its row of the ranking (MarketRanking), not the result, so
// a 10,000-listing scan stays small. Starts are paced, a few milliseconds per event loop pass.
//
// Unlike the listing panel's analyses, a scan is not recorded in the in-flight registry: after a
// crash, run it again; dedup returns what finished within the hour without running it again.
class MarketScan final : public QObject
{
    Q_OBJECT
public:
    using ListingLookup = std::function<std::optional<Listing>(const QString &listingId)>;

    MarketScan(JobBackends &backends, AsyncResultsLibrary *library, ListingLookup lookup, QObject *parent = nullptr);
    ~MarketScan() override; // running jobs keep running on their backend; nothing is lost

    enum class State { Idle, Running, Canceling, Finished };
    // Starts `analysisType` over `listingIds` (in that order; repeats are dropped). A scan runs
    // once: start() on a scan that has started does nothing.
    void start(const QStringList &listingIds, const QString &analysisType, const nlohmann::json &params);
    // Cancels every job not finished yet; listings not started yet are not started.
    void cancelAll();

    struct Progress
    {
        int total = 0;
        int finished = 0; // terminal, in any state
        int succeeded = 0;
        int failed = 0;
        int canceled = 0;
        int deduplicated = 0; // answered with an existing job (active or a recent success)
        double percent = 0; // mean progress of all analyses, 0..100
        std::optional<qint64> etaMs; // from the pace so far; unknown until some progress
        qint64 elapsedMs = 0;
    };
    Progress progress() const;
    State state() const { return m_state; }
    QString analysisType() const { return m_type; }

    // The scan's rows, in the order started: the ranking's figures once an analysis succeeded,
    // its error once it failed or was canceled.
    const QList<RankedListing> &rows() const { return m_rows; }
    double rowProgress(int row) const { return m_entries.at(size_t(row)).progress; }
    bool rowFinished(int row) const { return m_entries.at(size_t(row)).done; }
    bool rowStarted(int row) const { return m_entries.at(size_t(row)).started; }
    // Ranked best first (MarketRanking::sort): finished rows only.
    QList<RankedListing> ranking() const;
    QStringList jobIds() const; // of the succeeded analyses, for export

Q_SIGNALS:
    // Coalesced to a few per second: the rows in [first, last] changed (their figures or error).
    void rowsChanged(int first, int last);
    void progressChanged();
    void finished();
    // A result is in the library (the listings table shows its score).
    void resultStored(const QString &listingId, std::optional<double> score);

private:
    struct Entry
    {
        QString listingId;
        QString jobId;
        double progress = 0;
        bool started = false;
        bool done = false;
        bool cancelAfterStart = false;
    };
    void startOne(int index);
    void onStartReply(int index, const BackendReply &reply);
    void onJobUpdated(const Job &job);
    void update(int index, const Job &job);
    void finishEntry(int index, const Job *job, const QString &error);
    void storeFinished();
    void markDirty(int index);
    void emitChanges();
    void checkFinished();

    JobBackends &m_backends;
    JobBackend *m_backend = nullptr; // the backend the scan started on
    AsyncResultsLibrary *m_library;
    ListingLookup m_lookup;
    QString m_type;
    nlohmann::json m_params;
    State m_state = State::Idle;
    std::vector<Entry> m_entries;
    QList<RankedListing> m_rows;
    QHash<QString, int> m_indexByJob;
    QHash<QString, Job> m_unclaimed; // updates that came before their start's reply
    double m_progressSum = 0;
    Progress m_counts;
    QElapsedTimer m_clock;
    struct ToStore
    {
        Job job;
        std::optional<Listing> listing;
    };
    QList<ToStore> m_toStore;
    int m_storing = 0; // batches on their way to the library
    int m_dirtyFirst = -1;
    int m_dirtyLast = -1;
    QTimer m_changes; // coalesces rowsChanged/progressChanged
    QTimer m_storeTimer;
    PacedQueue m_paced;
};

} // namespace dealscope
