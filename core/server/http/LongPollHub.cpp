#include "server/http/LongPollHub.h"

#include "jobs/JobJson.h"
#include "server/http/Metrics.h"
#include "server/http/StoreOffloader.h"

#include <QTcpSocket>
#include <QTimer>

namespace dealscope::server {

LongPollHub::LongPollHub(StoreOffloader *offloader, Metrics *metrics, int maxWaiters, QObject *parent)
    : QObject(parent)
    , m_offloader(offloader)
    , m_metrics(metrics)
    , m_maxWaiters(maxWaiters)
{ }

LongPollHub::~LongPollHub() = default;

void LongPollHub::poll(const ExchangePtr &exchange, const QString &id, const QByteArray &ifNoneMatch, int waitSecs)
{
    if (m_waiterCount >= m_maxWaiters) {
        exchange->sendError(503, "too_many_waiters",
            QStringLiteral("too many long-polls in progress; poll without wait"), { { "Retry-After", "1" } });
        return;
    }
    // Registered before the baseline is read, so that a change made after that read is delivered
    // (the store drops changes while wantsChanges() is false).
    auto waiter = std::make_shared<Waiter>();
    waiter->exchange = exchange;
    waiter->id = id;
    waiter->ifNoneMatch = ifNoneMatch;
    waiter->timer = new QTimer(this);
    m_waiters[id].append(waiter);
    ++m_waiterCount;
    ++m_changeInterest;
    if (m_metrics)
        m_metrics->setGauge(QStringLiteral("long_polls"), double(m_waiterCount));
    const std::weak_ptr<Waiter> weak = waiter;
    waiter->timer->setSingleShot(true);
    connect(waiter->timer, &QTimer::timeout, this, [this, weak] {
        if (const auto w = weak.lock())
            timedOut(w);
    });
    // A client that goes away is not answered (the timer is the context: no call once it is gone).
    if (QTcpSocket *socket = exchange->socket()) {
        connect(socket, &QTcpSocket::disconnected, waiter->timer, [this, weak] {
            if (const auto w = weak.lock())
                remove(w);
        });
    }
    waiter->timer->start(waitSecs * 1000);
    readBaseline(waiter);
}

void LongPollHub::readBaseline(const WaiterPtr &waiter)
{
    const std::weak_ptr<Waiter> weak = waiter;
    m_offloader->fetchWire(
        waiter->exchange->tenant(), waiter->id, [this, weak](const std::optional<std::optional<QByteArray>> &wire) {
            if (const auto w = weak.lock())
                baselineRead(w, wire);
        });
}

void LongPollHub::baselineRead(const WaiterPtr &waiter, const std::optional<std::optional<QByteArray>> &wire)
{
    if (waiter->state != Waiter::State::ReadingBaseline)
        return;
    if (!wire) {
        remove(waiter);
        waiter->exchange->sendStoreUnavailable();
        return;
    }
    if (!*wire) {
        answer(waiter, std::nullopt);
        return;
    }
    const QByteArray etag = jsonEtag(**wire);
    const bool matches = etagMatches(waiter->ifNoneMatch, etag);
    if ((!waiter->ifNoneMatch.isEmpty() && !matches)
        || isTerminal(statusOfJobJson(**wire).value_or(JobStatus::Failed))) {
        remove(waiter);
        if (matches)
            waiter->exchange->sendNotModified(etag);
        else
            waiter->exchange->sendWire(200, **wire);
        return;
    }
    waiter->baselineEtag = etag;
    waiter->state = Waiter::State::Parked;
    // A change announced while the baseline was read may be newer than it, or not: look again.
    if (waiter->changedMeanwhile)
        recheck(waiter->exchange->tenant(), waiter->id);
}

void LongPollHub::jobChanged(const QString &jobId)
{
    std::lock_guard lock(m_changedMutex);
    m_changed.insert(jobId);
    if (m_wakePending)
        return;
    m_wakePending = true;
    QMetaObject::invokeMethod(this, &LongPollHub::wake, Qt::QueuedConnection);
}

void LongPollHub::wake()
{
    QSet<QString> changed;
    {
        std::lock_guard lock(m_changedMutex);
        changed.swap(m_changed);
        m_wakePending = false;
    }
    for (const QString &id : std::as_const(changed)) {
        const auto it = m_waiters.constFind(id);
        if (it == m_waiters.cend())
            continue;
        QSet<QString> tenants;
        for (const WaiterPtr &w : *it) {
            if (w->state == Waiter::State::ReadingBaseline)
                w->changedMeanwhile = true;
            else if (w->state == Waiter::State::Parked)
                tenants.insert(w->exchange->tenant());
        }
        for (const QString &tenant : std::as_const(tenants))
            recheck(tenant, id);
    }
}

void LongPollHub::recheck(const QString &tenant, const QString &id)
{
    const QPair<QString, QString> key { tenant, id };
    if (m_rechecking.contains(key)) {
        m_recheckAgain.insert(key); // read once more when this read is back
        return;
    }
    m_rechecking.insert(key);
    m_offloader->fetchWire(tenant, id, [this, key](const std::optional<std::optional<QByteArray>> &wire) {
        m_rechecking.remove(key);
        if (wire) { // store briefly away: the waiters' timers still answer
            const QByteArray etag = *wire ? jsonEtag(**wire) : QByteArray();
            const QList<WaiterPtr> waiters = m_waiters.value(key.second);
            for (const WaiterPtr &w : waiters) {
                if (w->state == Waiter::State::Parked && w->exchange->tenant() == key.first
                    && (!*wire || etag != w->baselineEtag))
                    answer(w, *wire);
            }
        }
        if (m_recheckAgain.remove(key))
            recheck(key.first, key.second);
    });
}

void LongPollHub::timedOut(const WaiterPtr &waiter)
{
    if (waiter->state == Waiter::State::ReadingBaseline) {
        // The store did not answer for the whole wait: never a guess.
        remove(waiter);
        waiter->exchange->sendStoreUnavailable();
        return;
    }
    if (waiter->state != Waiter::State::Parked)
        return;
    waiter->state = Waiter::State::Closing;
    const std::weak_ptr<Waiter> weak = waiter;
    m_offloader->fetchWire(
        waiter->exchange->tenant(), waiter->id, [this, weak](const std::optional<std::optional<QByteArray>> &wire) {
            const auto w = weak.lock();
            if (!w)
                return;
            if (wire) {
                answer(w, *wire);
            } else {
                remove(w);
                w->exchange->sendStoreUnavailable();
            }
        });
}

void LongPollHub::answer(const WaiterPtr &waiter, const std::optional<QByteArray> &wire)
{
    // Unregistered first: answering may close the connection, whose disconnected signal comes back here.
    remove(waiter);
    Exchange &exchange = *waiter->exchange;
    if (!wire)
        exchange.sendError(404, "job_not_found", QStringLiteral("no job %1").arg(waiter->id));
    else if (jsonEtag(*wire) == waiter->baselineEtag)
        exchange.sendNotModified(waiter->baselineEtag);
    else
        exchange.sendWire(200, *wire);
}

void LongPollHub::remove(const WaiterPtr &waiter)
{
    const auto it = m_waiters.find(waiter->id);
    if (it == m_waiters.end() || !it->removeOne(waiter))
        return; // already removed
    if (it->isEmpty())
        m_waiters.erase(it);
    --m_waiterCount;
    --m_changeInterest;
    if (m_metrics)
        m_metrics->setGauge(QStringLiteral("long_polls"), double(m_waiterCount));
    // The timer goes later (this may run in its own signal); nothing reaches this waiter through
    // it any more.
    waiter->timer->stop();
    QObject::disconnect(waiter->timer, nullptr, nullptr, nullptr);
    if (QTcpSocket *socket = waiter->exchange->socket())
        QObject::disconnect(socket, nullptr, waiter->timer, nullptr);
    waiter->timer->deleteLater();
    waiter->timer = nullptr;
}

void LongPollHub::flush()
{
    QList<WaiterPtr> all;
    for (const auto &list : std::as_const(m_waiters))
        all += list;
    for (const WaiterPtr &w : std::as_const(all)) {
        const bool sawState = !w->baselineEtag.isEmpty();
        remove(w);
        if (sawState)
            w->exchange->sendNotModified(w->baselineEtag);
        else
            w->exchange->sendError(503, "shutting_down", QStringLiteral("the server is shutting down; poll again"),
                { { "Retry-After", "1" } });
    }
}

} // namespace dealscope::server
