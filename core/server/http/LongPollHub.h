#pragma once

#include "server/http/Exchange.h"

#include <QHash>
#include <QObject>
#include <QSet>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

class QTimer;

namespace dealscope::server {

class Metrics;
class StoreOffloader;

// The long-polls of `status?jobId=…&wait=S` (docs/API.md §5): each waits for its job to change from
// the state it saw (or the client's If-None-Match), and is answered 200 with the new state, 304
// at the end of the wait, or 404 when the job is gone. Every store read goes through the store
// offloader, so a stalled Redis never holds the event loop: a long-poll is registered before its
// baseline is read, and a change notification that arrives meanwhile makes it read again. Change
// notifications come from any thread (the store's subscriber, the workers) and are coalesced onto
// the event loop.
class LongPollHub final : public QObject
{
    Q_OBJECT
public:
    LongPollHub(StoreOffloader *offloader, Metrics *metrics, int maxWaiters, QObject *parent = nullptr);
    ~LongPollHub() override;

    // Answers `exchange` for its tenant's job `id` at once when the job is terminal, unknown or
    // already different from `ifNoneMatch`; otherwise when it changes or after `waitSecs`.
    void poll(const ExchangePtr &exchange, const QString &id, const QByteArray &ifNoneMatch, int waitSecs);

    // Any thread: coalesces change notifications and wakes the long-polls on the event loop.
    void jobChanged(const QString &jobId);
    // Any thread: whether a change notification can matter (a long-poll is registered).
    bool wantsChanges() const { return m_changeInterest.load() > 0; }
    int waiterCount() const { return int(m_waiterCount); }
    // Answers every long-poll now without asking the store (shutdown): 304 with the state it
    // saw, so the client asks again elsewhere.
    void flush();

private:
    struct Waiter
    {
        enum class State { ReadingBaseline, Parked, Closing };
        ExchangePtr exchange;
        QString id;
        QByteArray ifNoneMatch;
        QByteArray baselineEtag;
        QTimer *timer = nullptr;
        State state = State::ReadingBaseline;
        bool changedMeanwhile = false; // a change notification arrived while its baseline was read
    };
    using WaiterPtr = std::shared_ptr<Waiter>;

    void readBaseline(const WaiterPtr &waiter);
    void baselineRead(const WaiterPtr &waiter, const std::optional<std::optional<QByteArray>> &wire);
    void wake();
    // Reads `id` again for the parked long-polls of `tenant`.
    void recheck(const QString &tenant, const QString &id);
    void timedOut(const WaiterPtr &waiter);
    void remove(const WaiterPtr &waiter);
    void answer(const WaiterPtr &waiter, const std::optional<QByteArray> &wire);

    StoreOffloader *m_offloader;
    Metrics *m_metrics;
    int m_maxWaiters;
    QHash<QString, QList<WaiterPtr>> m_waiters;
    qsizetype m_waiterCount = 0;
    // (tenant, id) read again right now, and those changed again meanwhile.
    QSet<QPair<QString, QString>> m_rechecking;
    QSet<QPair<QString, QString>> m_recheckAgain;
    std::atomic<int> m_changeInterest { 0 };
    std::mutex m_changedMutex;
    QSet<QString> m_changed;
    bool m_wakePending = false;
};

} // namespace dealscope::server
