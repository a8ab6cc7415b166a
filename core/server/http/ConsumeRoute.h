#pragma once

#include "server/http/Exchange.h"
#include "server/http/RequestValidator.h"

#include <memory>

namespace dealscope::server {

class QStashVerifier;
class RouteTable;
class StoreOffloader;
class WorkerPool;

// POST /api/analysis/consume: the push-queue consumer (QStash-compatible, docs/API.md §8). A delivery
// carries {jobId} and a signed Upstash-Signature (for the configured public URL, accepted once:
// a replayed delivery is refused until its token expires); the job runs on this process' worker
// pool and the answer says whether to deliver again: 2xx once the result is stored, 5xx or 429
// with Retry-After for transient failures, 489 with Upstash-NonRetryable-Error for permanent ones.
class ConsumeRoute final
{
public:
    ConsumeRoute(RequestValidator validator, StoreOffloader *offloader);
    ~ConsumeRoute();

    // `publicUrl`: where QStash delivers (--public-url); deliveries are signed for it.
    void setVerifier(std::unique_ptr<QStashVerifier> verifier, const QString &publicUrl);
    void setWorkerPool(WorkerPool *pool) { m_pool = pool; }

    void addTo(RouteTable &routes);
    void consume(const ExchangePtr &exchange);

private:
    // A verified delivery, seen for the first time: its body, then its job.
    void accept(const ExchangePtr &exchange);
    // Runs the queued job `id` on the worker pool and answers once it is stored.
    void run(const ExchangePtr &exchange, const QString &id);

    RequestValidator m_validator;
    StoreOffloader *m_offloader;
    std::unique_ptr<QStashVerifier> m_verifier;
    QString m_publicUrl;
    WorkerPool *m_pool = nullptr;
};

} // namespace dealscope::server
