#include "server/http/ConsumeRoute.h"

#include "server/auth/QStashVerifier.h"
#include "server/http/RouteTable.h"
#include "server/http/StoreOffloader.h"
#include "server/worker/WorkerPool.h"

#include <QDateTime>

namespace dealscope::server {

ConsumeRoute::ConsumeRoute(RequestValidator validator, StoreOffloader *offloader)
    : m_validator(validator)
    , m_offloader(offloader)
{ }

ConsumeRoute::~ConsumeRoute() = default;

void ConsumeRoute::setVerifier(std::unique_ptr<QStashVerifier> verifier, const QString &publicUrl)
{
    m_verifier = std::move(verifier);
    m_publicUrl = publicUrl;
}

void ConsumeRoute::addTo(RouteTable &routes)
{
    routes.add(QStringLiteral("/api/analysis/consume"),
        { QStringLiteral("consume"), QHttpServerRequest::Method::Post, RouteTable::Access::Signed,
            [this](const ExchangePtr &e, const QString &) { consume(e); } });
}

void ConsumeRoute::consume(const ExchangePtr &exchange)
{
    if (!m_verifier || !m_verifier->isConfigured() || !m_pool) {
        exchange->sendError(404, "not_found",
            QStringLiteral("the push-queue consumer is not enabled on this server (needs QStash keys and workers)"));
        return;
    }
    // The URL QStash called: the configured public one with this request's path, never the
    // Host header, which the client chooses.
    const QUrl &url = exchange->url();
    const QString called = m_publicUrl + url.path(QUrl::FullyEncoded)
        + (url.hasQuery() ? QLatin1Char('?') + url.query(QUrl::FullyEncoded) : QString());
    const auto verified = m_verifier->verify(
        exchange->header("upstash-signature"), exchange->body(), { called }, QDateTime::currentSecsSinceEpoch());
    if (!verified.ok()) {
        exchange->sendError(401, "invalid_signature", *verified.error);
        return;
    }
    JobStore *store = m_offloader->store();
    m_offloader->run<bool>(
        [store, key = verified.replayKey, until = verified.expiresAtSecs * 1000] {
            return store->rememberOnce("qstash:" + key, until);
        },
        [this, exchange](const std::optional<bool> &first) {
            if (!first) {
                exchange->sendError(503, "store_unavailable", QStringLiteral("the job store cannot be reached"),
                    { { "Retry-After", "5" } });
                return;
            }
            if (!*first) {
                exchange->sendError(401, "invalid_signature",
                    QStringLiteral("this delivery was accepted before (a signature is used once)"));
                return;
            }
            accept(exchange);
        });
}

void ConsumeRoute::accept(const ExchangePtr &exchange)
{
    const HeaderPairs nonRetryable { { "Upstash-NonRetryable-Error", "true" } };
    auto validated = m_validator.jobIdBody(exchange->body());
    if (const auto *e = std::get_if<RequestError>(&validated)) {
        if (e->code == "malformed_json" || e->code == "invalid_body")
            exchange->sendError(489, "malformed_json",
                QStringLiteral("the message body must be a JSON object {\"jobId\"}"), nonRetryable);
        else
            exchange->sendError(489, "invalid_field", e->message, nonRetryable);
        return;
    }
    const QString id = std::get<QString>(validated);
    JobStore *store = m_offloader->store();
    m_offloader->run<std::optional<Job>>([store, id] { return store->get(id); },
        [this, exchange, id, nonRetryable](const std::optional<std::optional<Job>> &job) {
            if (!job) {
                exchange->sendError(503, "store_unavailable", QStringLiteral("the job store cannot be reached"),
                    { { "Retry-After", "5" } });
                return;
            }
            if (!*job) {
                exchange->sendError(
                    489, "job_not_found", QStringLiteral("no job %1 (expired or never created)").arg(id), nonRetryable);
                return;
            }
            if (isTerminal((*job)->status)) {
                exchange->sendJob(200, **job);
                return;
            }
            run(exchange, id);
        });
}

void ConsumeRoute::run(const ExchangePtr &exchange, const QString &id)
{
    const HeaderPairs nonRetryable { { "Upstash-NonRetryable-Error", "true" } };
    m_pool->runJob(id, m_offloader, [exchange, nonRetryable](bool claimed, std::optional<Job> done) {
        if (!done) {
            exchange->sendError(503, "store_unavailable", QStringLiteral("the job store cannot be reached"),
                { { "Retry-After", "5" } });
        } else if (done->status == JobStatus::Succeeded || done->status == JobStatus::Canceled) {
            exchange->sendJob(200, *done);
        } else if (done->status == JobStatus::Failed) {
            exchange->sendError(489, "job_failed", done->error, nonRetryable);
        } else {
            exchange->sendError(claimed ? 503 : 429, "job_busy",
                QStringLiteral("the job is %1 on another worker; deliver again later").arg(jobStatusName(done->status)),
                { { "Retry-After", "10" } });
        }
    });
}

} // namespace dealscope::server
