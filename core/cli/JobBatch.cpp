#include "cli/JobBatch.h"

#include "cli/Console.h"
#include "cli/ExitCode.h"
#include "cli/JobFormat.h"
#include "cli/ProgressPrinter.h"
#include "cli/RemoteServers.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/JobBackend.h"
#include "jobs/JobStateMachine.h"
#include "storage/ResultsLibrary.h"

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
    connect(&m_backend, &JobBackend::jobUpdated, this, &JobBatch::onJobUpdated);
    connect(&m_backend, &JobBackend::jobLost, this, [this](const QString &jobId, const QString &message) {
        if (Entry *entry = m_byJobId.value(jobId); entry && !entry->done) {
            entry->outcome.error = message;
            if (entry->registered)
                unregister(jobId);
            markDone(*entry);
        }
    });
}

JobBatch::~JobBatch() = default;

JobBatch::Entry &JobBatch::add(const QString &listingId, const QString &analysisType)
{
    auto entry = std::make_unique<Entry>();
    entry->outcome.listingId = listingId;
    entry->outcome.analysisType = analysisType;
    m_entries.push_back(std::move(entry));
    return *m_entries.back();
}

void JobBatch::start(const QString &listingId, const QString &analysisType, const nlohmann::json &params, bool force,
    const std::optional<Listing> &listing)
{
    Entry &entry = add(listingId, analysisType);
    entry.registered = m_registry != nullptr;
    m_backend.start(StartRequest { listingId, analysisType, params, force, listing }, this,
        [this, e = &entry](const BackendReply &reply) { onReply(*e, reply); });
}

void JobBatch::attach(const QString &listingId, const QString &analysisType, const QString &jobId, bool registered)
{
    Entry &entry = add(listingId, analysisType);
    entry.registered = registered && m_registry != nullptr;
    m_backend.fetch(jobId, this, [this, e = &entry, jobId](const BackendReply &reply) {
        const bool transient = reply.error == BackendReply::Error::Network
            || reply.error == BackendReply::Error::Unavailable || reply.error == BackendReply::Error::RateLimited
            || reply.error == BackendReply::Error::Unauthorized;
        if (transient) {
            // The server is away (or wants a token) now; the job is not lost: follow it until the
            // server answers again (the backend says "reconnecting" meanwhile).
            e->jobId = jobId;
            m_byJobId.insert(jobId, e);
            m_backend.watch(jobId);
            return;
        }
        const bool gone = reply.error == BackendReply::Error::NotFound || reply.error == BackendReply::Error::Expired;
        if (gone && e->registered)
            unregister(jobId); // the backend does not know it: nothing will ever finish it
        onReply(*e, reply);
    });
}

void JobBatch::seal()
{
    m_sealed = true;
    checkFinished();
}

void JobBatch::onReply(Entry &entry, const BackendReply &reply)
{
    if (!reply.ok() || !reply.job) {
        entry.outcome.error = reply.message.isEmpty() ? u"the job backend gave no job"_s : reply.message;
        if (reply.error == BackendReply::Error::Unauthorized)
            entry.outcome.error += u"; "_s + RemoteServers::loginHint(m_backend.server());
        markDone(entry);
        return;
    }
    Job job = *reply.job;
    entry.jobId = job.id;
    m_byJobId.insert(job.id, &entry);
    if (const auto early = m_unclaimed.constFind(job.id); early != m_unclaimed.cend()) {
        if (JobStateMachine::isLater(*early, job))
            job = *early;
        m_unclaimed.erase(early);
    }
    if (!isTerminal(job.status)) {
        if (entry.registered) {
            m_registry->put(
                InFlightEntry { job.listingId, job.analysisType, job.id, m_backend.kind(), m_backend.server() });
            scheduleRegistrySync();
        }
        m_backend.watch(job.id);
    }
    update(entry, job);
    checkFinished();
}

void JobBatch::onJobUpdated(const Job &job)
{
    Entry *entry = m_byJobId.value(job.id);
    if (!entry) {
        auto it = m_unclaimed.find(job.id);
        if (it == m_unclaimed.end())
            m_unclaimed.insert(job.id, job);
        else if (JobStateMachine::isLater(job, *it))
            *it = job;
        return;
    }
    update(*entry, job);
}

void JobBatch::update(Entry &entry, const Job &job)
{
    if (entry.done)
        return;
    m_progress.update(job);
    if (!isTerminal(job.status))
        return;
    entry.outcome.job = job;
    m_backend.unwatch(job.id);
    if (m_library && job.status == JobStatus::Succeeded && job.result) {
        m_toStore.append(job);
        // SPEC §6: the entry leaves the registry only once the result is in the library.
        if (entry.registered)
            m_unregisterAfterStore.insert(job.id, true);
        if (!std::exchange(m_storePending, true))
            QMetaObject::invokeMethod(this, &JobBatch::storeSucceeded, Qt::QueuedConnection);
    } else if (entry.registered) {
        unregister(job.id);
    }
    markDone(entry);
}

void JobBatch::markDone(Entry &entry)
{
    if (entry.done)
        return;
    entry.done = true;
    ++m_done;
    checkFinished();
}

void JobBatch::checkFinished()
{
    if (!m_sealed)
        return;
    // Queued: a listener may quit the loop or destroy the batch, never inside a backend callback.
    if (!m_finishedEmitted && m_done == int(m_entries.size())) {
        m_finishedEmitted = true;
        storeSucceeded(); // every result is in the library before the command reports
        QMetaObject::invokeMethod(this, &JobBatch::finished, Qt::QueuedConnection);
    }
}

void JobBatch::storeResultsIn(ResultsLibrary *library, ListingJson listingJson)
{
    m_library = library;
    m_listingJson = std::move(listingJson);
}

void JobBatch::storeSucceeded()
{
    m_storePending = false;
    if (!m_library || m_toStore.isEmpty())
        return;
    QList<std::pair<nlohmann::json, nlohmann::json>> rows;
    rows.reserve(m_toStore.size());
    for (Job &job : m_toStore) {
        if (job.backend.isEmpty())
            job.backend = m_backend.kind();
        rows.append(std::pair(jobToJson(job), m_listingJson ? m_listingJson(job.listingId) : nlohmann::json::object()));
    }
    const QList<Job> batch = std::exchange(m_toStore, {});
    const QList<ResultsLibrary::Stored> stored = m_library->storeAll(rows);
    for (qsizetype i = 0; i < batch.size(); ++i) {
        const bool ok = i < stored.size() && stored[i].ok;
        if (!ok && i < stored.size() && !std::exchange(m_storeFailed, true))
            Console::err(u"results not saved to the library: %1\n"_s.arg(stored[i].error));
        // A result that did not reach the library keeps its entry: the next resume stores it.
        if (m_unregisterAfterStore.remove(batch[i].id) && ok)
            unregister(batch[i].id);
    }
}

void JobBatch::unregister(const QString &jobId)
{
    if (!m_registry)
        return;
    m_registry->remove(jobId);
    scheduleRegistrySync();
}

void JobBatch::scheduleRegistrySync()
{
    // The registry must be on disk before a crash can lose it, but one write per burst of
    // replies is enough: each sync rewrites the whole settings file.
    if (m_syncPending)
        return;
    m_syncPending = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_syncPending = false;
            m_registry->sync();
        },
        Qt::QueuedConnection);
}

QList<JobBatch::Outcome> JobBatch::outcomes() const
{
    QList<Outcome> list;
    list.reserve(qsizetype(m_entries.size()));
    for (const auto &entry : m_entries)
        list.append(entry->outcome);
    return list;
}

int JobBatch::exitCodeOf(const QList<Outcome> &outcomes)
{
    const bool allSucceeded
        = std::all_of(outcomes.cbegin(), outcomes.cend(), [](const Outcome &o) { return o.succeeded(); });
    return allSucceeded ? ExitSuccess : ExitFailure;
}

void JobBatch::printOutcomeList(const QList<Outcome> &outcomes, bool json, bool single)
{
    nlohmann::json array = nlohmann::json::array();
    QList<QStringList> rows { JobFormat::tableHeader() };
    QString reports;
    for (const Outcome &o : outcomes) {
        if (!o.job) {
            Console::err(u"%1 %2: %3\n"_s.arg(o.listingId, o.analysisType, o.error));
            continue;
        }
        // Only the form that is printed is made: each costs about 0.3 s for 20,000 jobs.
        if (json)
            array.push_back(jobToJson(*o.job));
        else if (single)
            reports += JobFormat::report(*o.job);
        else
            rows.append(JobFormat::tableRow(*o.job));
    }
    if (json) {
        if (!single)
            Console::outBytes(QByteArray::fromStdString(array.dump(2)) + '\n');
        else if (array.size() == 1)
            Console::outBytes(QByteArray::fromStdString(array.front().dump(2)) + '\n');
    } else if (single) {
        Console::out(reports);
    } else if (rows.size() > 1) {
        Console::out(JobFormat::table(rows));
    }
}

void JobBatch::printSummaryOf(const QList<Outcome> &outcomes)
{
    const auto succeeded
        = std::count_if(outcomes.cbegin(), outcomes.cend(), [](const Outcome &o) { return o.succeeded(); });
    const auto size = outcomes.size();
    Console::err(
        u"%1 analyses: %2 succeeded, %3 failed or canceled\n"_s.arg(size).arg(succeeded).arg(size - succeeded));
}

} // namespace dealscope
