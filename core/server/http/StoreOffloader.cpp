#include "server/http/StoreOffloader.h"

#include "server/ServerLog.h"

#include <QCoreApplication>

namespace dealscope::server {

StoreOffloader::StoreOffloader(JobStore *store, QObject *parent)
    : QObject(parent)
    , m_store(store)
{
    m_pool.setMaxThreadCount(4);
    m_pool.setExpiryTimeout(-1); // keep the threads and their store connections
}

StoreOffloader::~StoreOffloader()
{
    waitForDone();
}

void StoreOffloader::waitForDone()
{
    m_pool.waitForDone();
    QCoreApplication::removePostedEvents(this);
}

void StoreOffloader::warnUnavailable(const std::exception &e)
{
    qCWarning(lcServer) << "store unavailable:" << e.what();
}

void StoreOffloader::start(StartRequest request, std::function<void(const StartResult &)> done)
{
    if (!m_store->isRemote()) {
        // An in-process store answers in microseconds: a thread hop would cost more than it saves.
        StartResult result;
        try {
            result.outcome = m_store->start(request);
        } catch (const StoreUnavailable &) {
            result.failure = "store_unavailable";
        } catch (const std::exception &) {
            result.failure = "internal_error";
        }
        done(result);
        return;
    }
    // Starts arriving while the store thread waits on Redis are sent together, in one pipeline:
    // one round trip and one thread hop per batch instead of per request.
    if (m_starts.push(PendingStart { std::move(request), std::move(done) }))
        m_pool.start([this] { drainStarts(); });
}

void StoreOffloader::drainStarts()
{
    constexpr qsizetype kMaxBatch = 64;
    m_starts.drain(
        kMaxBatch,
        [this](QList<PendingStart> batch) {
            QList<StartRequest> requests;
            requests.reserve(batch.size());
            for (auto &p : batch)
                requests.append(std::move(p.request));
            QList<StartResult> results;
            try {
                results = m_store->startMany(requests);
            } catch (const std::exception &e) {
                // startMany() does not throw by contract; if it does, these starts still get an answer.
                qCWarning(lcServer) << "starting" << requests.size() << "jobs failed:" << e.what();
                results = QList<StartResult>(requests.size());
                for (auto &r : results)
                    r.failure = "internal_error";
            }
            QMetaObject::invokeMethod(
                this,
                [batch = std::move(batch), results = std::move(results)] {
                    for (qsizetype i = 0; i < batch.size(); ++i)
                        batch[i].done(results.value(i));
                },
                Qt::QueuedConnection);
        },
        [this] { m_pool.start([this] { drainStarts(); }); });
}

void StoreOffloader::fetchWire(
    const QString &owner, const QString &id, std::function<void(std::optional<std::optional<QByteArray>>)> done)
{
    if (!m_store->isRemote()) {
        std::optional<std::optional<QByteArray>> wire;
        try {
            wire = m_store->getManyWire(owner, { id }).value(0);
        } catch (const std::exception &e) {
            warnUnavailable(e);
        }
        done(wire);
        return;
    }
    if (m_reads.push(PendingRead { owner, id, std::move(done) }))
        m_pool.start([this] { drainReads(); });
}

void StoreOffloader::drainReads()
{
    constexpr qsizetype kMaxBatch = 100;
    m_reads.drain(
        kMaxBatch,
        [this](QList<PendingRead> batch) {
            // One MGET per tenant in the batch (almost always one).
            QList<std::optional<QByteArray>> wires(batch.size());
            bool unavailable = false;
            try {
                QHash<QString, QList<qsizetype>> byOwner;
                for (qsizetype i = 0; i < batch.size(); ++i)
                    byOwner[batch[i].owner].append(i);
                for (auto it = byOwner.cbegin(); it != byOwner.cend(); ++it) {
                    QStringList ids;
                    for (const qsizetype i : it.value())
                        ids.append(batch[i].id);
                    const auto found = m_store->getManyWire(it.key(), ids);
                    for (qsizetype k = 0; k < it.value().size(); ++k)
                        wires[it.value()[k]] = found.value(k);
                }
            } catch (const std::exception &e) {
                warnUnavailable(e);
                unavailable = true;
            }
            QMetaObject::invokeMethod(
                this,
                [batch = std::move(batch), wires = std::move(wires), unavailable] {
                    for (qsizetype i = 0; i < batch.size(); ++i)
                        batch[i].done(unavailable ? std::nullopt : std::optional(wires[i]));
                },
                Qt::QueuedConnection);
        },
        [this] { m_pool.start([this] { drainReads(); }); });
}

void StoreOffloader::fetchManyWire(const QString &owner, const QStringList &ids,
    std::function<void(std::optional<QList<std::optional<QByteArray>>>)> done)
{
    if (!m_store->isRemote()) {
        std::optional<QList<std::optional<QByteArray>>> found;
        try {
            found = m_store->getManyWire(owner, ids);
        } catch (const std::exception &e) {
            warnUnavailable(e);
        }
        done(found);
        return;
    }
    // One request at a time: a client hammering batch status cannot take more than one store
    // thread's worth of the cores.
    if (m_manyReads.push(PendingManyRead { owner, ids, std::move(done) }))
        m_pool.start([this] { drainManyReads(); });
}

void StoreOffloader::drainManyReads()
{
    m_manyReads.drain(
        1,
        [this](QList<PendingManyRead> batch) {
            PendingManyRead &request = batch.first();
            std::optional<QList<std::optional<QByteArray>>> found;
            try {
                found = m_store->getManyWire(request.owner, request.ids);
            } catch (const std::exception &e) {
                warnUnavailable(e);
            }
            QMetaObject::invokeMethod(
                this, [done = std::move(request.done), found = std::move(found)] { done(found); },
                Qt::QueuedConnection);
        },
        [this] { m_pool.start([this] { drainManyReads(); }); });
}

} // namespace dealscope::server
