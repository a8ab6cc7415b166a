#pragma once

#include "server/http/BatchQueue.h"
#include "server/store/JobStore.h"

#include <QObject>
#include <QPointer>
#include <QThreadPool>

#include <functional>
#include <optional>

namespace dealscope::server {

// Runs the API's store calls off the event loop: a remote store (Redis) answers after a round
// trip, and can stall for its whole connection timeout, while the event loop must keep parsing
// and answering other connections. Work runs on a small thread pool (each thread has its own
// store connection) and its answer comes back on this object's thread. An in-process store
// answers in microseconds, so for it the work runs inline: a thread hop would cost more.
// Starts and status reads are batched: those arriving while a store thread waits on Redis go
// together in one round trip.
class StoreOffloader final : public QObject
{
    Q_OBJECT
public:
    explicit StoreOffloader(JobStore *store, QObject *parent = nullptr);
    ~StoreOffloader() override;

    JobStore *store() const { return m_store; }

    // `work` on a store thread, then `then(result)` on this object's thread; nullopt when the
    // store threw (unreachable). For an in-process store both run now, on the caller's thread.
    template <typename Result> void run(std::function<Result()> work, std::function<void(std::optional<Result>)> then)
    {
        if (!m_store->isRemote()) {
            then(attempt(work));
            return;
        }
        QPointer<StoreOffloader> self(this);
        m_pool.start([self, work = std::move(work), then = std::move(then)]() mutable {
            std::optional<Result> result = attempt(work);
            if (self)
                QMetaObject::invokeMethod(
                    self.data(), [then = std::move(then), result = std::move(result)] { then(result); },
                    Qt::QueuedConnection);
        });
    }

    // A start through startMany(), batched with the starts that arrive meanwhile.
    void start(StartRequest request, std::function<void(const StartResult &)> done);
    // The wire JSON of `owner`'s job `id`: batched with other reads into one MGET per tenant.
    // `done` gets nullopt when the store is unreachable, an empty inner optional for no job.
    void fetchWire(
        const QString &owner, const QString &id, std::function<void(std::optional<std::optional<QByteArray>>)> done);
    // Several jobs at once (batch status); one request per store round trip.
    void fetchManyWire(const QString &owner, const QStringList &ids,
        std::function<void(std::optional<QList<std::optional<QByteArray>>>)> done);

    // Waits for the work on the store threads (shutdown).
    void waitForDone();

private:
    template <typename Result> static std::optional<Result> attempt(const std::function<Result()> &work)
    {
        try {
            return work();
        } catch (const std::exception &e) {
            warnUnavailable(e);
            return std::nullopt;
        }
    }
    static void warnUnavailable(const std::exception &e);
    void drainStarts(); // store thread
    void drainReads(); // store thread
    void drainManyReads(); // store thread

    JobStore *m_store;
    QThreadPool m_pool;

    struct PendingStart
    {
        StartRequest request;
        std::function<void(const StartResult &)> done;
    };
    // More than one start batch on its way to Redis: while one waits behind the workers' scripts
    // the next requests are already sent instead of waiting a whole round trip.
    static constexpr int kStartDrains = 2;
    BatchQueue<PendingStart> m_starts { kStartDrains };
    struct PendingRead
    {
        QString owner;
        QString id;
        std::function<void(std::optional<std::optional<QByteArray>>)> done;
    };
    BatchQueue<PendingRead> m_reads;
    struct PendingManyRead
    {
        QString owner;
        QStringList ids;
        std::function<void(std::optional<QList<std::optional<QByteArray>>>)> done;
    };
    BatchQueue<PendingManyRead> m_manyReads;
};

} // namespace dealscope::server
