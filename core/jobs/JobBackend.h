#pragma once

#include "jobs/Job.h"

#include <QObject>
#include <QString>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <optional>

namespace dealscope {

struct StartRequest final
{
    QString listingId;
    QString analysisType;
    nlohmann::json params = nlohmann::json::object();
    bool force = false;
    // Sent along so the job runs on exactly this listing (a listing the backend may not have).
    std::optional<Listing> listing;
};

struct BackendReply final
{
    // RateLimited: 429; Unavailable: 503 or a store that did not answer (both worth retrying
    // after `retryAfter`); Network: the server was not reached (or TLS failed).
    enum class Error {
        None,
        NotFound,
        Invalid,
        Conflict,
        Unauthorized,
        Network,
        Expired,
        Internal,
        RateLimited,
        Unavailable
    };
    std::optional<Job> job;
    bool deduplicated = false;
    Error error = Error::None;
    QString message; // human-readable, never contains a secret
    QString code; // the server's error code ("job_not_found", "rate_limited", …); empty for local
    QString requestId; // the X-Request-Id of the HTTP exchange (remote only)
    int httpStatus = 0; // remote only; 0 when no answer arrived
    std::optional<std::chrono::milliseconds> retryAfter; // the server's Retry-After, when it sent one

    bool ok() const { return error == Error::None; }
};

// Where jobs run: local worker threads or the HTTP job API (SPEC §3, §6). Every call returns at
// once; the callback runs later on `context`'s thread (never synchronously inside the call).
class JobBackend : public QObject
{
    Q_OBJECT
public:
    using Callback = std::function<void(const BackendReply &reply)>;

    explicit JobBackend(QObject *parent = nullptr)
        : QObject(parent)
    { }

    virtual QString kind() const = 0; // "local" | "remote"
    virtual QString server() const { return {}; } // base URL for remote, empty for local

    virtual void start(const StartRequest &request, QObject *context, Callback callback) = 0;
    virtual void fetch(const QString &jobId, QObject *context, Callback callback) = 0;
    virtual void lookup(const QString &listingId, const QString &analysisType, QObject *context, Callback callback) = 0;
    virtual void cancel(const QString &jobId, QObject *context, Callback callback) = 0;

    // Ask for jobUpdated() of this job until it is terminal (remote: polling; local: pushed).
    virtual void watch(const QString &jobId) = 0;
    virtual void unwatch(const QString &jobId) = 0;

Q_SIGNALS:
    // Any change of a watched job (progress, status, partialOutput); emitted on the backend's thread.
    void jobUpdated(const dealscope::Job &job);
    // A watched job the backend can no longer find (remote 404 after TTL).
    void jobLost(const QString &jobId, const QString &message);
    // Remote backend connectivity: "online", "reconnecting", "unauthorized", "tls-error".
    void connectionStateChanged(const QString &state);
};

} // namespace dealscope

Q_DECLARE_METATYPE(dealscope::Job)
