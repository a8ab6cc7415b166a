#pragma once

#include "common/Clock.h"
#include "jobs/JobBackend.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <QUrl>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace dealscope {

class PollSchedule;

// The HTTP job API of dealscope-server (SPEC §5, docs/API.md) behind the JobBackend interface, so
// that every screen and command works the same on a server as on local threads (SPEC §6).
//
// - start/fetch/lookup/cancel: one request each (a start is retried with the same Idempotency-Key
//   on a network error, 429 or 503, so it never makes two jobs); Bearer token, X-Request-Id.
// - watch(): every watched job is followed by one poller per server: one batch status request per
//   tick for all of them (`jobIds`, 100 per request), ticks on PollSchedule (0.5 s ×1.5 to 10 s,
//   back to 0.5 s on a change); a single watched job is long-polled (`wait`) once its ETag is known.
//   A server without batch status or long-poll (the original web app) is detected and polled per
//   job, with the same backoff.
// - Faults never lose a job: a network error makes the connection (and each watched job)
//   "reconnecting" and polling goes on with the same backoff, at once when QNetworkInformation
//   says the network is back; 401 makes it "unauthorized" (setToken() resumes); 429/503 wait for
//   Retry-After; a watched job the server answers 404 for is jobLost() ("expired").
// - TLS errors are reported ("tls-error"), never ignored.
// Lives on one thread; callbacks run queued on the context's thread.
class RemoteJobBackend final : public JobBackend
{
    Q_OBJECT
public:
    struct Options
    {
        bool longPoll = true; // long-poll a single watched job when the server offers it
        int longPollSeconds = 25; // the `wait` of a long-poll (the server caps it at 30)
        int timeoutMs = 30'000; // per request (a long-poll: its wait plus this)
        qint64 maxReplyBytes = 64LL * 1024 * 1024; // a bigger answer is refused, not read
        int startAttempts = 4; // tries of one start on network errors, 429 and 503
        const Clock *clock = nullptr; // the schedule's clock; null: the system clock
        std::optional<quint32> jitterSeed; // the schedule's randomness; empty: random
    };
    enum class Support { Unknown, Yes, No };

    explicit RemoteJobBackend(const QUrl &server, QObject *parent = nullptr);
    RemoteJobBackend(const QUrl &server, const Options &options, QObject *parent = nullptr);
    ~RemoteJobBackend() override;

    QString kind() const override { return QStringLiteral("remote"); }
    QString server() const override; // normalised base URL, e.g. "http://127.0.0.1:8080"
    QUrl serverUrl() const { return m_server; }

    // The bearer token (empty: none). Never logged; a new token polls at once after a 401.
    void setToken(const QString &token);
    bool hasToken() const { return !m_token.isEmpty(); }

    void start(const StartRequest &request, QObject *context, Callback callback) override;
    void fetch(const QString &jobId, QObject *context, Callback callback) override;
    void lookup(const QString &listingId, const QString &analysisType, QObject *context, Callback callback) override;
    void cancel(const QString &jobId, QObject *context, Callback callback) override;
    void watch(const QString &jobId) override;
    void unwatch(const QString &jobId) override;

    // Several jobs at once: batch requests (or one request per job on a server without batch
    // status); one reply per id.
    using ManyCallback = std::function<void(const QHash<QString, BackendReply> &replies)>;
    void fetchMany(const QStringList &jobIds, QObject *context, ManyCallback callback);

    // "online" (also before the first answer), "reconnecting", "unauthorized" or "tls-error".
    QString connectionState() const { return m_state; }
    QString lastError() const { return m_lastError; } // why the state is not "online"
    bool isReconnecting(const QString &jobId) const; // the job's last poll failed
    QStringList watched() const { return m_watched.keys(); }
    // Polls now (instead of at the next tick); what a "network is back" signal does.
    void pollNow();

    Support batchSupport() const { return m_batch; }
    Support longPollSupport() const { return m_longPoll; }
    Support lookupSupport() const { return m_lookup; }
    quint64 requestsSent() const { return m_requestsSent; } // every HTTP request so far (benchmarks)

Q_SIGNALS:
    // A watched job's own connection state: "reconnecting" while polls fail, "online" again after.
    void jobConnectionStateChanged(const QString &jobId, const QString &state);

private:
    struct Answer;
    struct Watched
    {
        std::optional<Job> last;
        QByteArray etag;
        bool reconnecting = false;
    };
    struct Tick;

    using AnswerHandler = std::function<void(const Answer &answer)>;
    QNetworkReply *send(const QByteArray &method, const QString &pathAndQuery, const QByteArray &body,
        const QList<QPair<QByteArray, QByteArray>> &headers, int timeoutMs, AnswerHandler handler);
    BackendReply replyOf(const Answer &answer) const;
    BackendReply jobReply(const Answer &answer, const nlohmann::json *jobJson) const;
    void deliver(QObject *context, const Callback &callback, BackendReply reply);
    void startAttempt(const QByteArray &body, const QByteArray &idempotencyKey, int attempt,
        const QPointer<QObject> &context, const Callback &callback);

    void scheduleTick(std::chrono::milliseconds notBefore = std::chrono::milliseconds(0));
    void tick();
    void batchTick(const std::shared_ptr<Tick> &tick, const QStringList &ids);
    void singleTick(const std::shared_ptr<Tick> &tick, const QStringList &ids);
    void longPollTick(const std::shared_ptr<Tick> &tick, const QString &id);
    void applyJob(Tick &tick, const Job &job, const QByteArray &etag);
    void applyMissing(Tick &tick, const QString &id);
    void noteFault(Tick &tick, const Answer &answer);
    void finishTick(Tick &tick);
    void setState(const QString &state, const QString &error);
    void onNetworkReachable();

    QUrl m_server;
    Options m_options;
    QString m_token;
    QNetworkAccessManager *m_nam;
    std::unique_ptr<PollSchedule> m_schedule;
    QTimer m_timer;
    QHash<QString, Watched> m_watched;
    std::shared_ptr<Tick> m_tick; // the tick in flight
    QPointer<QNetworkReply> m_longPollReply;
    QString m_state = QStringLiteral("online");
    QString m_lastError;
    Support m_batch = Support::Unknown;
    Support m_longPoll = Support::Unknown;
    Support m_lookup = Support::Unknown;
    int m_fastLongPolls = 0; // long-polls answered at once without a change (a server ignoring `wait`)
    quint64 m_requestsSent = 0;
};

} // namespace dealscope
