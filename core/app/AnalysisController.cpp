#include "app/AnalysisController.h"

#include "app/AppLog.h"
#include "app/JobBackends.h"
#include "jobs/JobBackend.h"
#include "jobs/JobTracker.h"
#include "net/RemoteJobBackend.h"
#include "storage/AsyncResultsLibrary.h"

#include <QUrl>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

namespace {
QString pairKey(const QString &listingId, const QString &type)
{
    return listingId + u'\n' + type;
}
} // namespace

AnalysisController::AnalysisController(JobBackends &backends, InFlightRegistry *registry, AsyncResultsLibrary *library,
    ListingLookup lookup, QObject *parent)
    : QObject(parent)
    , m_backends(backends)
    , m_registry(registry)
    , m_library(library)
    , m_lookup(std::move(lookup))
{
    m_pendingTimer.setInterval(50);
    connect(&m_pendingTimer, &QTimer::timeout, this, &AnalysisController::checkPendingStarts);
    m_registryFlush.setSingleShot(true);
    m_registryFlush.setInterval(250);
    connect(&m_registryFlush, &QTimer::timeout, this, &AnalysisController::removeStoredEntries);
    // The results that finish while the event loop handles one burst are written together.
    m_storeTimer.setSingleShot(true);
    m_storeTimer.setInterval(0);
    connect(&m_storeTimer, &QTimer::timeout, this, &AnalysisController::storeFinished);
}

void AnalysisController::flushPaced()
{
    m_paced.drain();
    storeFinished();
}

void AnalysisController::removeStoredEntries()
{
    m_registryFlush.stop();
    const QStringList ids = std::exchange(m_storedEntries, {});
    for (const QString &id : ids)
        m_registry->remove(id);
}

void AnalysisController::removeEntryLater(const QString &jobId)
{
    // Batched: each registry change rewrites the settings file (with an fsync) on this thread;
    // one rewrite for many finished analyses.
    m_storedEntries.append(jobId);
    if (!m_registryFlush.isActive())
        m_registryFlush.start();
}

AnalysisController::~AnalysisController()
{
    // Nothing new starts while going; finished analyses already handed over are written (their
    // entries stay until stored).
    m_queuedStarts.clear();
    m_paced.drain();
    storeFinished();
    if (m_registry)
        removeStoredEntries(); // stored: they must not be resumed at the next start
    // Trackers are children; deleting them first keeps them from outliving the registry and backends.
    for (const Pair &p : std::as_const(m_trackers))
        delete p.tracker;
    m_trackers.clear();
}

JobTracker *AnalysisController::ensureTracker(
    const QString &listingId, const QString &analysisType, JobBackend &backend)
{
    const QString key = pairKey(listingId, analysisType);
    if (const auto it = m_trackers.constFind(key); it != m_trackers.constEnd()) {
        // A pair's tracker follows one backend; once its job is over, a start on another backend
        // (the user switched to a job server) gets a tracker of that backend.
        if (it->backend == &backend || it->tracker->isActive())
            return it->tracker;
        delete it->tracker;
        m_trackers.remove(key);
    }
    auto *t = new JobTracker(backend, m_registry, listingId, analysisType, this);
    // Finished jobs leave the registry here, batched, once their result is stored (SPEC §6).
    t->setKeepsEntryWhenFinished(true);
    m_trackers.insert(key, Pair { t, &backend });
    const QString kind = backend.kind();
    // Paced, in order: a runner's flush hands over hundreds of changes at once.
    connect(t, &JobTracker::jobChanged, this,
        [this](const Job &job) { m_paced.post([this, job] { Q_EMIT jobChanged(job); }); });
    connect(t, &JobTracker::finished, this,
        [this, kind](const Job &job) { m_paced.post([this, job, kind] { onFinished(job, kind); }); });
    connect(t, &JobTracker::errorOccurred, this, [this, listingId, analysisType](const QString &message) {
        Q_EMIT errorOccurred(listingId, analysisType, message);
    });
    connect(t, &JobTracker::expired, this, [this, listingId, analysisType](const QString &jobId) {
        Q_EMIT jobNoteChanged(jobId, u"expired"_s);
        Q_EMIT errorOccurred(listingId, analysisType, tr("Job %1 expired: the backend no longer knows it.").arg(jobId));
    });
    if (auto *remote = qobject_cast<RemoteJobBackend *>(&backend); remote && !m_notedBackends.contains(remote)) {
        m_notedBackends.insert(remote);
        connect(remote, &RemoteJobBackend::jobConnectionStateChanged, this,
            [this](const QString &jobId, const QString &state) {
                Q_EMIT jobNoteChanged(jobId, state == u"online"_s ? QString() : state);
            });
    }
    return t;
}

void AnalysisController::start(
    const QString &listingId, const QString &analysisType, const nlohmann::json &params, bool force)
{
    const QString key = pairKey(listingId, analysisType);
    if (isActive(listingId, analysisType))
        return; // a second click joins the first: one job
    // Queued and started a slice at a time: "analyze all shown" asks for thousands at once.
    m_queuedStarts.insert(key, DeferredStart { listingId, analysisType, params, force });
    m_paced.post([this, key] {
        const auto it = m_queuedStarts.find(key);
        if (it == m_queuedStarts.end())
            return; // canceled meanwhile
        const DeferredStart start = it.value();
        m_queuedStarts.erase(it);
        startNow(start);
    });
}

void AnalysisController::startNow(const DeferredStart &start)
{
    JobTracker *t = ensureTracker(start.listingId, start.analysisType, m_backends.current());
    if (t->isActive())
        return;
    const QString key = pairKey(start.listingId, start.analysisType);
    if (m_awaitingStore.contains(key)) {
        // The pair's last result is still on its way to the library and its in-flight entry is
        // what brings it back after a crash; a new job's entry would replace it. Start once stored.
        m_deferredStarts.insert(key, start);
        Q_EMIT pairStateChanged(start.listingId, start.analysisType);
        return;
    }
    // A job server may not have a listing imported here: the start carries the snapshot.
    std::optional<Listing> listing;
    if (m_lookup && m_backends.current().kind() == u"remote")
        listing = m_lookup(start.listingId);
    t->start(start.params, start.force, std::move(listing));
    // The tracker stays silent when the backend answers with the job it already holds (a recent
    // success returned by dedup); watch the pair until the start is resolved either way.
    m_pendingStarts.insert(key);
    if (!m_pendingTimer.isActive())
        m_pendingTimer.start();
}

void AnalysisController::checkPendingStarts()
{
    for (auto it = m_pendingStarts.begin(); it != m_pendingStarts.end();) {
        const JobTracker *t = tracker(it->section(u'\n', 0, 0), it->section(u'\n', 1));
        const auto job = t ? t->job() : std::nullopt;
        const bool resolved = !t || !t->isActive() || (job && !isTerminal(job->status));
        if (!resolved) {
            ++it;
            continue;
        }
        const QString listingId = it->section(u'\n', 0, 0);
        const QString type = it->section(u'\n', 1);
        it = m_pendingStarts.erase(it);
        Q_EMIT pairStateChanged(listingId, type);
    }
    if (m_pendingStarts.isEmpty())
        m_pendingTimer.stop();
}

void AnalysisController::cancel(const QString &listingId, const QString &analysisType)
{
    const QString key = pairKey(listingId, analysisType);
    if (m_queuedStarts.remove(key) > 0 || m_deferredStarts.remove(key) > 0) {
        Q_EMIT pairStateChanged(listingId, analysisType);
        return; // it never started: nothing else to cancel
    }
    if (JobTracker *t = tracker(listingId, analysisType))
        t->cancel();
}

ResumeSummary AnalysisController::resume(const QList<InFlightEntry> &entries)
{
    ResumeSummary summary;
    for (const InFlightEntry &e : entries) {
        JobBackend *backend = m_backends.forEntry(e);
        if (!backend) {
            // Not dropped: the entry is how this job is found again once the backend exists.
            qCInfo(lcApp) << "cannot resume" << e.jobId << "yet: no backend for" << e.backend << e.server;
            ++summary.waiting;
            if (!summary.waitingServers.contains(e.server))
                summary.waitingServers.append(e.server);
            continue;
        }
        ensureTracker(e.listingId, e.analysisType, *backend)->attach(e.jobId);
        if (backend->kind() == u"local")
            ++summary.local;
        else
            ++summary.remote;
    }
    return summary;
}

QString AnalysisController::resumeNotice(const ResumeSummary &s)
{
    QStringList parts;
    if (s.local > 0 && s.remote > 0) {
        parts << tr("Resumed %n analyses", nullptr, s.resumed()) + u": "_s + tr("%n local", nullptr, s.local) + u", "_s
                + tr("%n on job servers", nullptr, s.remote) + u"."_s;
    } else if (s.local > 0) {
        parts << tr("Resumed %n local analyses.", nullptr, s.local);
    } else if (s.remote > 0) {
        parts << tr("Resumed %n analyses on job servers.", nullptr, s.remote);
    }
    if (s.waiting > 0) {
        parts << tr("%n analyses on job servers cannot be resumed yet (%1): they stay in flight for the next start.",
            nullptr, s.waiting)
                     .arg(s.waitingServers.join(u", "_s));
    }
    return parts.join(u' ');
}

JobTracker *AnalysisController::tracker(const QString &listingId, const QString &analysisType) const
{
    return m_trackers.value(pairKey(listingId, analysisType)).tracker;
}

std::optional<Job> AnalysisController::job(const QString &listingId, const QString &analysisType) const
{
    const JobTracker *t = tracker(listingId, analysisType);
    return t ? t->job() : std::nullopt;
}

bool AnalysisController::isActive(const QString &listingId, const QString &analysisType) const
{
    const JobTracker *t = tracker(listingId, analysisType);
    if (t && t->isActive())
        return true;
    const QString key = pairKey(listingId, analysisType);
    return m_queuedStarts.contains(key) || m_deferredStarts.contains(key);
}

int AnalysisController::activeCount() const
{
    int n = int(m_queuedStarts.size());
    for (const Pair &p : m_trackers)
        n += p.tracker->isActive() ? 1 : 0;
    return n;
}

void AnalysisController::onFinished(const Job &job, const QString &backendKind)
{
    const bool store = job.status == JobStatus::Succeeded && job.result && m_library;
    // The tracker keeps the in-flight entry: it stays until the result is in the library (SPEC §6),
    // so a process killed before the write re-attaches the job and stores it.
    Q_EMIT jobFinished(job);
    if (!store) {
        if (m_registry)
            removeEntryLater(job.id);
        return;
    }
    ToStore item;
    item.job = job;
    if (item.job.backend.isEmpty())
        item.job.backend = backendKind;
    if (m_lookup)
        item.listing = m_lookup(job.listingId);
    if (auto it = job.result->find("score"); it != job.result->end() && it->is_number())
        item.score = it->get<double>();
    m_awaitingStore.insert(pairKey(job.listingId, job.analysisType), job.id);
    m_toStore.append(std::move(item));
    if (!m_storeTimer.isActive())
        m_storeTimer.start();
}

void AnalysisController::storeFinished()
{
    m_storeTimer.stop();
    if (m_toStore.isEmpty() || !m_library)
        return;
    QList<ToStore> batch = std::exchange(m_toStore, {});
    QList<AsyncResultsLibrary::StoreRequest> requests;
    requests.reserve(batch.size());
    struct Done
    {
        QString jobId, listingId, type;
        std::optional<double> score;
    };
    QList<Done> done;
    done.reserve(batch.size());
    for (ToStore &item : batch) {
        done.append({ item.job.id, item.job.listingId, item.job.analysisType, item.score });
        // JSON and SQLite both on the storage thread: nothing of a finished analysis waits here.
        requests.append({ [job = std::move(item.job)] { return jobToJson(job); },
            [listing = std::move(item.listing)] {
                return listing ? listingToJson(*listing) : nlohmann::json::object();
            } });
    }
    m_library->storeAll(
        std::move(requests), this, [this, done = std::move(done)](const QList<ResultsLibrary::Stored> &outcomes) {
            for (qsizetype i = 0; i < done.size(); ++i) {
                const Done &d = done.at(i);
                const ResultsLibrary::Stored outcome = outcomes.value(i);
                m_paced.post(
                    [this, d, outcome] { onStored(d.jobId, d.listingId, d.type, d.score, outcome.ok, outcome.error); });
            }
        });
}

void AnalysisController::onStored(const QString &jobId, const QString &listingId, const QString &type,
    std::optional<double> score, bool ok, const QString &error)
{
    const QString key = pairKey(listingId, type);
    if (m_awaitingStore.value(key) == jobId)
        m_awaitingStore.remove(key);
    // A Re-run asked for while this result was being stored runs now.
    const auto deferred = m_deferredStarts.find(key);
    if (deferred != m_deferredStarts.end() && !m_awaitingStore.contains(key)) {
        const DeferredStart d = deferred.value();
        m_deferredStarts.erase(deferred);
        QMetaObject::invokeMethod(
            this, [this, d] { startNow(d); }, Qt::QueuedConnection);
    }
    if (!ok) {
        qCWarning(lcApp) << "could not store result of" << jobId << ":" << error;
        Q_EMIT errorOccurred(listingId, type, tr("The result could not be saved to the library: %1").arg(error));
        return; // the entry stays: the next start re-attaches and stores it again
    }
    if (m_registry)
        removeEntryLater(jobId);
    Q_EMIT resultStored(jobId, listingId, score);
}

} // namespace dealscope
