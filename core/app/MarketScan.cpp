#include "app/MarketScan.h"

#include "app/AppLog.h"
#include "app/JobBackends.h"
#include "jobs/JobBackend.h"
#include "jobs/JobStateMachine.h"
#include "storage/AsyncResultsLibrary.h"

#include <QSet>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

MarketScan::MarketScan(JobBackends &backends, AsyncResultsLibrary *library, ListingLookup lookup, QObject *parent)
    : QObject(parent)
    , m_backends(backends)
    , m_library(library)
    , m_lookup(std::move(lookup))
{
    m_changes.setSingleShot(true);
    m_changes.setInterval(200);
    connect(&m_changes, &QTimer::timeout, this, &MarketScan::emitChanges);
    m_storeTimer.setSingleShot(true);
    m_storeTimer.setInterval(0);
    connect(&m_storeTimer, &QTimer::timeout, this, &MarketScan::storeFinished);
}

MarketScan::~MarketScan()
{
    if (m_backend) {
        for (const Entry &e : m_entries) {
            if (!e.jobId.isEmpty() && !e.done)
                m_backend->unwatch(e.jobId);
        }
    }
    storeFinished(); // what finished is written (the library finishes queued writes on its own)
}

void MarketScan::start(const QStringList &listingIds, const QString &analysisType, const nlohmann::json &params)
{
    if (m_state != State::Idle)
        return;
    m_type = analysisType;
    m_params = params;
    m_backend = &m_backends.current();
    connect(m_backend, &JobBackend::jobUpdated, this, &MarketScan::onJobUpdated);
    connect(m_backend, &JobBackend::jobLost, this, [this](const QString &jobId, const QString &message) {
        if (const auto it = m_indexByJob.constFind(jobId); it != m_indexByJob.constEnd())
            finishEntry(*it, nullptr, message);
    });
    QSet<QString> seen;
    for (const QString &id : listingIds) {
        if (id.isEmpty() || seen.contains(id))
            continue;
        seen.insert(id);
        Entry e;
        e.listingId = id;
        m_entries.push_back(e);
        RankedListing row;
        row.listingId = id;
        row.analysisType = analysisType;
        if (m_lookup) {
            if (const auto listing = m_lookup(id)) {
                row.title = listing->title;
                row.industry = listing->industry;
                row.state = listing->state;
                row.askingPrice
                    = listing->askingPrice ? std::optional<double>(double(*listing->askingPrice)) : std::nullopt;
            }
        }
        m_rows.append(row);
    }
    m_counts = Progress {};
    m_counts.total = int(m_entries.size());
    m_state = State::Running;
    m_clock.start();
    qCInfo(lcApp) << "market scan:" << m_counts.total << analysisType << "on" << m_backend->kind();
    for (int i = 0; i < int(m_entries.size()); ++i)
        m_paced.post([this, i] { startOne(i); });
    Q_EMIT progressChanged();
    checkFinished(); // an empty scan is finished at once
}

void MarketScan::startOne(int index)
{
    Entry &e = m_entries[size_t(index)];
    if (e.done || e.started)
        return;
    if (m_state == State::Canceling) {
        finishEntry(index, nullptr, tr("canceled by user"));
        return;
    }
    e.started = true;
    StartRequest request;
    request.listingId = e.listingId;
    request.analysisType = m_type;
    request.params = m_params;
    m_backend->start(request, this, [this, index](const BackendReply &reply) { onStartReply(index, reply); });
}

void MarketScan::onStartReply(int index, const BackendReply &reply)
{
    Entry &e = m_entries[size_t(index)];
    if (!reply.ok() || !reply.job) {
        finishEntry(index, nullptr, reply.message.isEmpty() ? tr("could not start the analysis") : reply.message);
        return;
    }
    Job job = *reply.job;
    e.jobId = job.id;
    m_indexByJob.insert(job.id, index);
    if (reply.deduplicated)
        ++m_counts.deduplicated;
    if (const auto early = m_unclaimed.constFind(job.id); early != m_unclaimed.cend()) {
        if (JobStateMachine::isLater(*early, job))
            job = *early;
        m_unclaimed.erase(early);
    }
    if (!isTerminal(job.status)) {
        m_backend->watch(job.id);
        if (e.cancelAfterStart || m_state == State::Canceling)
            m_backend->cancel(job.id, this, [](const BackendReply &) {});
    }
    update(index, job);
}

void MarketScan::onJobUpdated(const Job &job)
{
    const auto it = m_indexByJob.constFind(job.id);
    if (it == m_indexByJob.constEnd()) {
        // A fast local job can finish before the reply to its start arrives: keep its latest state.
        if (job.listingId.isEmpty() || job.analysisType != m_type || m_state == State::Idle)
            return;
        auto known = m_unclaimed.find(job.id);
        if (known == m_unclaimed.end())
            m_unclaimed.insert(job.id, job);
        else if (JobStateMachine::isLater(job, *known))
            *known = job;
        return;
    }
    update(*it, job);
}

void MarketScan::update(int index, const Job &job)
{
    Entry &e = m_entries[size_t(index)];
    if (e.done)
        return;
    const double progress = isTerminal(job.status) ? 100.0 : std::clamp(job.progress, 0.0, 100.0);
    m_progressSum += progress - e.progress;
    e.progress = progress;
    if (!isTerminal(job.status)) {
        markDirty(index);
        return;
    }
    m_backend->unwatch(job.id);
    if (job.status == JobStatus::Succeeded && job.result)
        finishEntry(index, &job, QString());
    else
        finishEntry(index, &job, job.error.isEmpty() ? jobStatusName(job.status) : job.error);
}

void MarketScan::finishEntry(int index, const Job *job, const QString &error)
{
    Entry &e = m_entries[size_t(index)];
    if (e.done)
        return;
    e.done = true;
    m_progressSum += 100.0 - e.progress;
    e.progress = 100.0;
    ++m_counts.finished;
    RankedListing &row = m_rows[index];
    if (job)
        row.jobId = job->id;
    if (error.isEmpty() && job && job->result) {
        ++m_counts.succeeded;
        std::optional<Listing> listing = m_lookup ? m_lookup(e.listingId) : std::nullopt;
        const RankedListing ranked = MarketRanking::fromResult(job->id, m_type, *job->result,
            listing ? listingToJson(*listing) : nlohmann::json { { "id", e.listingId.toStdString() } });
        row.score = ranked.score;
        row.askingPremium = ranked.askingPremium;
        row.dscr = ranked.dscr;
        row.maxPriceAtTargetDscr = ranked.maxPriceAtTargetDscr;
        if (ranked.askingPrice)
            row.askingPrice = ranked.askingPrice;
        if (m_library) {
            Job stored = *job;
            if (stored.backend.isEmpty())
                stored.backend = m_backend->kind();
            m_toStore.append({ std::move(stored), std::move(listing) });
            if (!m_storeTimer.isActive())
                m_storeTimer.start();
        }
    } else {
        const bool canceled = job ? job->status == JobStatus::Canceled : m_state == State::Canceling;
        ++(canceled ? m_counts.canceled : m_counts.failed);
        row.error = error.isEmpty() ? tr("no result") : error;
    }
    markDirty(index);
    checkFinished();
}

void MarketScan::storeFinished()
{
    m_storeTimer.stop();
    if (m_toStore.isEmpty() || !m_library)
        return;
    QList<AsyncResultsLibrary::StoreRequest> requests;
    QList<std::pair<QString, std::optional<double>>> scores;
    for (ToStore &item : m_toStore) {
        std::optional<double> score;
        if (auto it = item.job.result->find("score"); it != item.job.result->end() && it->is_number())
            score = it->get<double>();
        scores.append({ item.job.listingId, score });
        requests.append({ [job = std::move(item.job)] { return jobToJson(job); },
            [listing = std::move(item.listing)] {
                return listing ? listingToJson(*listing) : nlohmann::json::object();
            } });
    }
    m_toStore.clear();
    ++m_storing;
    m_library->storeAll(std::move(requests), this, [this, scores](const QList<ResultsLibrary::Stored> &outcomes) {
        --m_storing;
        for (qsizetype i = 0; i < scores.size(); ++i) {
            if (outcomes.value(i).ok)
                m_paced.post([this, s = scores.at(i)] { Q_EMIT resultStored(s.first, s.second); });
            else
                qCWarning(lcApp) << "market scan: result of" << scores.at(i).first
                                 << "not stored:" << outcomes.value(i).error;
        }
        checkFinished();
    });
}

void MarketScan::cancelAll()
{
    if (m_state != State::Running)
        return;
    m_state = State::Canceling;
    for (int i = 0; i < int(m_entries.size()); ++i) {
        Entry &e = m_entries[size_t(i)];
        if (e.done)
            continue;
        if (!e.started) {
            finishEntry(i, nullptr, tr("canceled by user"));
        } else if (e.jobId.isEmpty()) {
            e.cancelAfterStart = true; // its start's reply is on its way
        } else {
            const QString jobId = e.jobId;
            m_backend->cancel(jobId, this, [this, i](const BackendReply &reply) {
                // A job that had finished meanwhile answers with its final state (409).
                if (reply.job)
                    update(i, *reply.job);
            });
        }
    }
    emitChanges();
}

void MarketScan::markDirty(int index)
{
    m_dirtyFirst = m_dirtyFirst < 0 ? index : std::min(m_dirtyFirst, index);
    m_dirtyLast = std::max(m_dirtyLast, index);
    if (!m_changes.isActive())
        m_changes.start();
}

void MarketScan::emitChanges()
{
    m_changes.stop();
    if (m_dirtyFirst >= 0) {
        const int first = std::exchange(m_dirtyFirst, -1);
        const int last = std::exchange(m_dirtyLast, -1);
        Q_EMIT rowsChanged(first, last);
    }
    Q_EMIT progressChanged();
}

void MarketScan::checkFinished()
{
    if (m_state == State::Finished || m_state == State::Idle)
        return;
    if (m_counts.finished < m_counts.total || !m_toStore.isEmpty() || m_storing > 0)
        return;
    m_state = State::Finished;
    qCInfo(lcApp) << "market scan finished:" << m_counts.succeeded << "succeeded," << m_counts.failed << "failed,"
                  << m_counts.canceled << "canceled in" << m_clock.elapsed() << "ms";
    m_paced.post([this] {
        emitChanges();
        Q_EMIT finished();
    });
}

MarketScan::Progress MarketScan::progress() const
{
    Progress p = m_counts;
    p.percent = p.total > 0 ? m_progressSum / p.total : 100.0;
    p.elapsedMs = m_clock.isValid() ? m_clock.elapsed() : 0;
    if (m_state == State::Running && p.percent > 0.5 && p.percent < 100.0)
        p.etaMs = qint64(double(p.elapsedMs) * (100.0 - p.percent) / p.percent);
    else if (m_state == State::Finished)
        p.etaMs = 0;
    return p;
}

QList<RankedListing> MarketScan::ranking() const
{
    QList<RankedListing> out;
    for (int i = 0; i < int(m_entries.size()); ++i) {
        if (m_entries[size_t(i)].done)
            out.append(m_rows.at(i));
    }
    MarketRanking::sort(out);
    return out;
}

QStringList MarketScan::jobIds() const
{
    QStringList ids;
    for (const RankedListing &r : m_rows) {
        if (r.hasResult() && !r.jobId.isEmpty())
            ids.append(r.jobId);
    }
    return ids;
}

} // namespace dealscope
