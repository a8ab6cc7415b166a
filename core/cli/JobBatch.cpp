#include "cli/JobBatch.h"

#include "cli/Console.h"
#include "cli/ExitCode.h"
#include "cli/JobFormat.h"
#include "cli/ProgressPrinter.h"
#include "jobs/JobBackend.h"
#include "jobs/JobTracker.h"

#include <QMetaObject>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

JobBatch::JobBatch(JobBackend &backend, InFlightRegistry *registry, ProgressPrinter &progress, QObject *parent)
    : QObject(parent)
    , m_backend(backend)
    , m_registry(registry)
    , m_progress(progress)
{
}

JobBatch::~JobBatch() = default;

JobBatch::Entry &JobBatch::add(const QString &listingId, const QString &analysisType)
{
    auto entry = std::make_unique<Entry>();
    entry->outcome.listingId = listingId;
    entry->outcome.analysisType = analysisType;
    entry->tracker = std::make_unique<JobTracker>(m_backend, m_registry, listingId, analysisType);
    Entry *raw = entry.get();
    connect(raw->tracker.get(), &JobTracker::jobChanged, this, [this, raw](const Job &job) { onChanged(*raw, job); });
    connect(raw->tracker.get(), &JobTracker::finished, this, [this, raw](const Job &job) { onChanged(*raw, job); });
    connect(raw->tracker.get(), &JobTracker::errorOccurred, this, [this, raw](const QString &message) {
        // An error while the job still runs (e.g. a lost connection) is not the end of it.
        if (raw->done || raw->tracker->isActive())
            return;
        raw->outcome.error = message;
        markDone(*raw);
    });
    connect(raw->tracker.get(), &JobTracker::expired, this, [this, raw](const QString &jobId) {
        if (raw->done)
            return;
        raw->outcome.error = QStringLiteral("job %1 expired: the backend no longer knows it").arg(jobId);
        markDone(*raw);
    });
    m_entries.push_back(std::move(entry));
    return *raw;
}

void JobBatch::start(const QString &listingId, const QString &analysisType, const nlohmann::json &params, bool force)
{
    add(listingId, analysisType).tracker->start(params, force);
}

void JobBatch::attach(const QString &listingId, const QString &analysisType, const QString &jobId)
{
    add(listingId, analysisType).tracker->attach(jobId);
}

void JobBatch::seal()
{
    m_sealed = true;
    checkFinished();
}

void JobBatch::onChanged(Entry &entry, const Job &job)
{
    if (entry.done)
        return;
    m_progress.update(job);
    if (isTerminal(job.status)) {
        entry.outcome.job = job;
        markDone(entry);
    }
}

void JobBatch::markDone(Entry &entry)
{
    entry.done = true;
    ++m_done;
    checkFinished();
}

void JobBatch::checkFinished()
{
    if (!m_sealed || m_emitted || m_done < int(m_entries.size()))
        return;
    m_emitted = true;
    // Queued: the tracker that reported the last job must not be destroyed inside its own signal.
    QMetaObject::invokeMethod(this, &JobBatch::finished, Qt::QueuedConnection);
}

QList<JobBatch::Outcome> JobBatch::outcomes() const
{
    QList<Outcome> list;
    list.reserve(qsizetype(m_entries.size()));
    for (const auto &entry : m_entries)
        list.append(entry->outcome);
    return list;
}

int JobBatch::exitCode() const
{
    for (const auto &entry : m_entries) {
        if (!entry->outcome.succeeded())
            return ExitFailure;
    }
    return ExitSuccess;
}

void JobBatch::printOutcomes(bool json, bool single) const
{
    nlohmann::json array = nlohmann::json::array();
    QList<QStringList> rows{JobFormat::tableHeader()};
    QString reports;
    for (const auto &entry : m_entries) {
        const Outcome &o = entry->outcome;
        if (!o.job) {
            Console::err(u"%1 %2: %3\n"_s.arg(o.listingId, o.analysisType, o.error));
            continue;
        }
        array.push_back(jobToJson(*o.job));
        rows.append(JobFormat::tableRow(*o.job));
        reports += JobFormat::report(*o.job);
    }
    if (json) {
        const nlohmann::json &out = single && array.size() == 1 ? array.front() : array;
        if (!(single && array.empty()))
            Console::outBytes(QByteArray::fromStdString(out.dump(2)) + '\n');
    } else if (single) {
        Console::out(reports);
    } else if (rows.size() > 1) {
        Console::out(JobFormat::table(rows));
    }
}

void JobBatch::printSummary() const
{
    const auto succeeded = std::count_if(m_entries.cbegin(), m_entries.cend(),
                                         [](const auto &entry) { return entry->outcome.succeeded(); });
    Console::err(u"%1 analyses: %2 succeeded, %3 failed or canceled\n"_s.arg(size()).arg(succeeded).arg(size() - succeeded));
}

} // namespace dealscope
