#pragma once

#include "jobs/Job.h"

#include <QList>
#include <QObject>
#include <QString>

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <vector>

namespace dealscope {

class InFlightRegistry;
class JobBackend;
class JobTracker;
class ProgressPrinter;

// A set of jobs followed through JobTrackers (so they are in the in-flight registry while active)
// until every one is terminal; then finished(). Shared by analyze (start) and resume (attach).
class JobBatch final : public QObject
{
    Q_OBJECT
public:
    JobBatch(JobBackend &backend, InFlightRegistry *registry, ProgressPrinter &progress, QObject *parent = nullptr);
    ~JobBatch() override;

    void start(const QString &listingId, const QString &analysisType, const nlohmann::json &params, bool force);
    void attach(const QString &listingId, const QString &analysisType, const QString &jobId);
    // Call after the last start()/attach(): finished() follows once all are terminal (at once if empty).
    void seal();

    int size() const { return int(m_entries.size()); }

    struct Outcome
    {
        QString listingId;
        QString analysisType;
        std::optional<Job> job;   // the terminal job; empty when the backend could not start/find it
        QString error;            // the backend's message when `job` is empty
        bool succeeded() const { return job && job->status == JobStatus::Succeeded; }
    };
    // In the order of start()/attach().
    QList<Outcome> outcomes() const;
    // ExitSuccess when every job succeeded, else ExitFailure.
    int exitCode() const;
    // The outcomes on stdout: Job objects as JSON (an array unless `single`) or a human report;
    // outcomes without a job go to stderr.
    void printOutcomes(bool json, bool single) const;
    // "N analyses: S succeeded, F failed or canceled" on stderr.
    void printSummary() const;

Q_SIGNALS:
    void finished();

private:
    struct Entry
    {
        std::unique_ptr<JobTracker> tracker;
        Outcome outcome;
        bool done = false;
    };
    Entry &add(const QString &listingId, const QString &analysisType);
    void onChanged(Entry &entry, const Job &job);
    void markDone(Entry &entry);
    void checkFinished();

    JobBackend &m_backend;
    InFlightRegistry *m_registry;
    ProgressPrinter &m_progress;
    std::vector<std::unique_ptr<Entry>> m_entries;
    int m_done = 0;
    bool m_sealed = false;
    bool m_emitted = false;
};

} // namespace dealscope
