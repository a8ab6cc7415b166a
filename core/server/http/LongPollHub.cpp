#include "server/http/LongPollHub.h"

#include "jobs/JobJson.h"
#include "server/http/Metrics.h"
#include "server/http/StoreOffloader.h"

#include <QScopeGuard>
#include <QTcpSocket>
#include <QTimer>

namespace dealscope::server {

LongPollHub::LongPollHub(StoreOffloader *offloader, Metrics *metrics, int maxWaiters, QObject *parent)
    : QObject(parent)
    , m_offloader(offloader)
    , m_metrics(metrics)
    , m_maxWaiters(maxWaiters)
{ }

LongPollHub::~LongPollHub()
{
    for (auto &list : m_waiters)
        qDeleteAll(list);
}

std::optional<QByteArray> LongPollHub::getWire(const QString &owner, const QString &id)
{
    return m_offloader->store()->getManyWire(owner, { id }).value(0);
}

void LongPollHub::poll(const ExchangePtr &exchange, const QString &id, const QByteArray &ifNoneMatch, int waitSecs)
{
    // Registered before the baseline is read, so that a change made after that read is
    // delivered (the store drops changes while wantsChanges() is false); a request that does
    // not park takes it back on the way out.
    bool parked = false;
    ++m_changeInterest;
    const auto interest = qScopeGuard([&] {
        if (!parked)
            --m_changeInterest;
    });
    const auto wire = getWire(exchange->tenant(), id);
    if (!wire) {
        exchange->sendError(404, "job_not_found", QStringLiteral("no job %1").arg(id));
        return;
    }
    const QByteArray etag = jsonEtag(*wire);
    const bool matches = etagMatches(ifNoneMatch, etag);
    if ((!ifNoneMatch.isEmpty() && !matches) || isTerminal(statusOfJobJson(*wire).value_or(JobStatus::Failed))) {
        if (matches)
            exchange->sendNotModified(etag);
        else
            exchange->sendWire(200, *wire);
        return;
    }
    if (m_waiterCount >= m_maxWaiters) {
        exchange->sendError(503, "too_many_waiters",
            QStringLiteral("too many long-polls in progress; poll without wait"), { { "Retry-After", "1" } });
        return;
    }
    auto *waiter = new Waiter { exchange, id, etag, new QTimer(this) };
    m_waiters[id].append(waiter);
    ++m_waiterCount;
    parked = true; // the waiter keeps its share of m_changeInterest until it is answered
    if (m_metrics)
        m_metrics->setGauge(QStringLiteral("long_polls"), double(m_waiterCount));
    waiter->timer->setSingleShot(true);
    connect(waiter->timer, &QTimer::timeout, this, [this, waiter] {
        std::optional<QByteArray> wire;
        try {
            wire = getWire(waiter->exchange->tenant(), waiter->id);
        } catch (const std::exception &) {
            fail(waiter); // store away at the end of the wait: 503, never a guess
            return;
        }
        finish(waiter, wire);
    });
    if (QTcpSocket *socket = exchange->socket())
        connect(socket, &QTcpSocket::disconnected, waiter->timer, [this, waiter] { finish(waiter, std::nullopt); });
    waiter->timer->start(waitSecs * 1000);
}

void LongPollHub::unpark(Waiter *waiter)
{
    for (auto it = m_waiters.begin(); it != m_waiters.end(); ++it) {
        if (it->removeOne(waiter)) {
            if (it->isEmpty())
                m_waiters.erase(it);
            break;
        }
    }
    --m_waiterCount;
    --m_changeInterest;
    if (m_metrics)
        m_metrics->setGauge(QStringLiteral("long_polls"), double(m_waiterCount));
    // Cut the timer's and the socket's connections now: the timer is only deleted later and a
    // late signal must not reach this (then deleted) waiter.
    waiter->timer->stop();
    QObject::disconnect(waiter->timer, nullptr, nullptr, nullptr);
    if (QTcpSocket *socket = waiter->exchange->socket())
        QObject::disconnect(socket, nullptr, waiter->timer, nullptr);
    waiter->timer->deleteLater();
}

void LongPollHub::finish(Waiter *waiter, const std::optional<QByteArray> &wire)
{
    // Unpark first: answering may re-enter the event loop through the socket.
    unpark(waiter);
    Exchange &exchange = *waiter->exchange;
    if (exchange.connected()) {
        if (!wire)
            exchange.sendError(404, "job_not_found", QStringLiteral("the job no longer exists"));
        else if (jsonEtag(*wire) == waiter->baselineEtag)
            exchange.sendNotModified(waiter->baselineEtag);
        else
            exchange.sendWire(200, *wire);
    }
    delete waiter;
}

void LongPollHub::fail(Waiter *waiter)
{
    unpark(waiter);
    waiter->exchange->sendStoreUnavailable();
    delete waiter;
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
        // Every waiter of a job is its owner's (another tenant got 404 before it could park).
        const QList<Waiter *> waiters = *it;
        const QString tenant = waiters.constFirst()->exchange->tenant();
        std::optional<QByteArray> wire;
        try {
            wire = getWire(tenant, id);
        } catch (const std::exception &) {
            continue; // store briefly away: the waiters' timers still answer
        }
        const QByteArray etag = wire ? jsonEtag(*wire) : QByteArray();
        for (Waiter *w : waiters) {
            if (w->exchange->tenant() != tenant)
                finish(w, std::nullopt);
            else if (!wire || etag != w->baselineEtag)
                finish(w, wire);
        }
    }
}

void LongPollHub::flush()
{
    const auto copy = m_waiters;
    for (auto it = copy.cbegin(); it != copy.cend(); ++it) {
        for (Waiter *w : it.value()) {
            std::optional<QByteArray> wire;
            try {
                wire = getWire(w->exchange->tenant(), it.key());
            } catch (const std::exception &) { }
            finish(w, wire);
        }
    }
}

} // namespace dealscope::server
