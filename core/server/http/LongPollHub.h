#pragma once

#include "server/http/Exchange.h"

#include <QHash>
#include <QObject>
#include <QSet>

#include <atomic>
#include <mutex>
#include <optional>

class QTimer;

namespace dealscope::server {

class Metrics;
class StoreOffloader;

// The parked long-polls of `status?jobId=…&wait=S` (SPEC §5): each waits for its job to change
// from the state it saw, and is answered 200 with the new state, 304 at the end of the wait or
// 404 when the job disappears. Change notifications come from any thread (the store's
// subscriber, the workers) and are coalesced onto the event loop.
class LongPollHub final : public QObject
{
    Q_OBJECT
public:
    LongPollHub(StoreOffloader *offloader, Metrics *metrics, int maxWaiters, QObject *parent = nullptr);
    ~LongPollHub() override;

    // Answers `exchange` for `owner`'s job `id` now when it is terminal, unknown or already
    // different from `ifNoneMatch`; otherwise parks it for up to `waitSecs`.
    void poll(const ExchangePtr &exchange, const QString &id, const QByteArray &ifNoneMatch, int waitSecs);

    // Any thread: coalesces change notifications and wakes the long-polls on the event loop.
    void jobChanged(const QString &jobId);
    // Any thread: whether a change notification can matter (a long-poll is parked or about to).
    bool wantsChanges() const { return m_changeInterest.load() > 0; }
    int waiterCount() const { return int(m_waiterCount); }
    // Answers every parked long-poll now (shutdown).
    void flush();

private:
    struct Waiter
    {
        ExchangePtr exchange;
        QString id;
        QByteArray baselineEtag;
        QTimer *timer = nullptr;
    };

    std::optional<QByteArray> getWire(const QString &owner, const QString &id);
    void wake();
    void unpark(Waiter *waiter);
    void finish(Waiter *waiter, const std::optional<QByteArray> &wire);
    void fail(Waiter *waiter);

    StoreOffloader *m_offloader;
    Metrics *m_metrics;
    int m_maxWaiters;
    QHash<QString, QList<Waiter *>> m_waiters;
    qsizetype m_waiterCount = 0;
    // Parked long-polls plus those between reading their baseline and parking: a change after
    // the baseline read must find this above zero (the store drops changes while it is zero).
    std::atomic<int> m_changeInterest { 0 };
    std::mutex m_changedMutex;
    QSet<QString> m_changed;
    bool m_wakePending = false;
};

} // namespace dealscope::server
