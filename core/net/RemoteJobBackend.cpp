#include "net/RemoteJobBackend.h"

#include "common/BoundedJsonParser.h"
#include "common/JsonQt.h"
#include "net/NetLog.h"
#include "net/PollSchedule.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QMetaObject>
#include <QNetworkAccessManager>
#include <QNetworkInformation>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslError>
#include <QUrlQuery>
#include <QUuid>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;
using std::chrono::milliseconds;

namespace dealscope {

namespace {
constexpr int kBatchLimit = 100; // the server's cap on `jobIds`
constexpr milliseconds kMaxRetryAfter { 3600 * 1000 };

QString newRequestId()
{
    return u"dsc-"_s + QUuid::createUuid().toString(QUuid::WithoutBraces);
}

std::optional<milliseconds> parseRetryAfter(const QByteArray &value)
{
    const QByteArray v = value.trimmed();
    if (v.isEmpty())
        return std::nullopt;
    bool ok = false;
    const qint64 seconds = v.toLongLong(&ok);
    if (ok && seconds >= 0)
        return std::min(milliseconds(seconds * 1000), kMaxRetryAfter);
    const QDateTime when = QDateTime::fromString(QString::fromLatin1(v), Qt::RFC2822Date);
    if (!when.isValid())
        return std::nullopt;
    const qint64 ms = QDateTime::currentDateTimeUtc().msecsTo(when);
    return std::clamp(milliseconds(ms), milliseconds(0), kMaxRetryAfter);
}

QString expiredMessageOf(const QString &jobId)
{
    return u"job %1 is no longer on the server: it expired (finished jobs are kept for an hour) or never "
           "existed"_s.arg(jobId);
}
} // namespace

// What one HTTP exchange gave: an answer, or why there was none.
struct RemoteJobBackend::Answer
{
    int status = 0; // 0: no HTTP answer
    QByteArray body;
    QByteArray etag;
    QString requestId;
    std::optional<milliseconds> retryAfter;
    QNetworkReply::NetworkError networkError = QNetworkReply::NoError;
    QString networkMessage;
    bool tls = false;
    bool tooLarge = false;
    bool aborted = false; // canceled by us (unwatch, shutdown): not a fault
    qint64 elapsedMs = 0;
};

// One poll of every watched job: its requests, and what they found.
struct RemoteJobBackend::Tick
{
    int pending = 0;
    bool changed = false;
    bool longPoll = false; // answered by a long-poll: the next one may go at once
    bool fault = false; // network error or TLS: reconnecting
    bool tls = false;
    bool unauthorized = false;
    bool aborted = false;
    QString error;
    std::optional<milliseconds> retryAfter;
    QStringList polled;
};

RemoteJobBackend::RemoteJobBackend(const QUrl &server, QObject *parent)
    : RemoteJobBackend(server, Options {}, parent)
{ }

RemoteJobBackend::RemoteJobBackend(const QUrl &server, const Options &options, QObject *parent)
    : JobBackend(parent)
    , m_server(server.adjusted(QUrl::StripTrailingSlash))
    , m_options(options)
    , m_nam(new QNetworkAccessManager(this))
{
    qRegisterMetaType<dealscope::Job>();
    const Clock &clock = m_options.clock ? *m_options.clock : Clock::system();
    m_schedule = m_options.jitterSeed ? std::make_unique<PollSchedule>(clock, *m_options.jitterSeed)
                                      : std::make_unique<PollSchedule>(clock);
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer); // a coarse timer may fire 5 % early: before a Retry-After
    connect(&m_timer, &QTimer::timeout, this, &RemoteJobBackend::tick);
    // Keep-alive connections to the server: a poll reuses one instead of a handshake per tick.
    m_nam->setAutoDeleteReplies(false);
    // Poll at once when the network comes back. No backend (no D-Bus, a container): polling
    // continues on its backoff all the same.
    if (QNetworkInformation::instance()
        || QNetworkInformation::loadBackendByFeatures(QNetworkInformation::Feature::Reachability)) {
        connect(QNetworkInformation::instance(), &QNetworkInformation::reachabilityChanged, this,
            [this](QNetworkInformation::Reachability reachability) {
                if (reachability == QNetworkInformation::Reachability::Online)
                    onNetworkReachable();
            });
    }
}

RemoteJobBackend::~RemoteJobBackend()
{
    m_tick.reset();
    // Replies are the manager's children: deleting it aborts them without calling our handlers.
    const auto replies = m_nam->findChildren<QNetworkReply *>();
    for (QNetworkReply *reply : replies)
        reply->disconnect(this);
}

QString RemoteJobBackend::server() const
{
    return m_server.toString();
}

void RemoteJobBackend::setToken(const QString &token)
{
    const bool changed = token != m_token;
    m_token = token;
    if (changed && m_state == u"unauthorized"_s)
        pollNow();
}

bool RemoteJobBackend::isReconnecting(const QString &jobId) const
{
    const auto it = m_watched.constFind(jobId);
    return it != m_watched.cend() && it->reconnecting;
}

QNetworkReply *RemoteJobBackend::send(const QByteArray &method, const QString &pathAndQuery, const QByteArray &body,
    const QList<QPair<QByteArray, QByteArray>> &headers, int timeoutMs, AnswerHandler handler)
{
    QUrl url = m_server;
    const qsizetype q = pathAndQuery.indexOf(u'?');
    url.setPath(m_server.path() + (q < 0 ? pathAndQuery : pathAndQuery.left(q)));
    if (q >= 0)
        url.setQuery(pathAndQuery.mid(q + 1), QUrl::StrictMode);
    QNetworkRequest request(url);
    const QString requestId = newRequestId();
    request.setRawHeader("X-Request-Id", requestId.toLatin1());
    request.setRawHeader("Accept", "application/json");
    if (!m_token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    if (!body.isNull())
        request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json"_ba);
    for (const auto &header : headers)
        request.setRawHeader(header.first, header.second);
    request.setTransferTimeout(timeoutMs);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);

    QNetworkReply *reply = nullptr;
    if (method == "GET")
        reply = m_nam->get(request);
    else if (method == "POST")
        reply = m_nam->post(request, body);
    else
        reply = m_nam->sendCustomRequest(request, method, body);
    ++m_requestsSent;

    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    auto tooLarge = std::make_shared<bool>(false);
    auto tlsErrors = std::make_shared<QString>();
    const qint64 maxBytes = m_options.maxReplyBytes;
    connect(reply, &QNetworkReply::downloadProgress, this, [reply, maxBytes, tooLarge](qint64 received, qint64) {
        if (received > maxBytes && !*tooLarge) {
            *tooLarge = true;
            reply->abort();
        }
    });
    // TLS problems are reported, never ignored: no ignoreSslErrors() anywhere.
    connect(reply, &QNetworkReply::sslErrors, this, [tlsErrors](const QList<QSslError> &errors) {
        QStringList texts;
        for (const QSslError &e : errors)
            texts << e.errorString();
        *tlsErrors = texts.join(u"; "_s);
    });
    connect(reply, &QNetworkReply::finished, this,
        [this, reply, requestId, timer, tooLarge, tlsErrors, handler = std::move(handler)] {
            reply->deleteLater();
            Answer a;
            a.elapsedMs = timer->elapsed();
            a.requestId = QString::fromLatin1(reply->rawHeader("X-Request-Id"));
            if (a.requestId.isEmpty())
                a.requestId = requestId;
            a.tooLarge = *tooLarge;
            a.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            a.networkError = reply->error();
            const bool tlsError = a.networkError == QNetworkReply::SslHandshakeFailedError || !tlsErrors->isEmpty();
            if (a.tooLarge) {
                a.status = 0;
            } else if (a.networkError == QNetworkReply::OperationCanceledError && a.status == 0) {
                // abort() by us, or the transfer timeout (Qt reports both as canceled)
                a.aborted = timer->elapsed() < reply->request().transferTimeout() - 50;
                a.networkMessage = a.aborted ? u"aborted"_s : u"the server did not answer in time"_s;
            } else if (a.status == 0) {
                a.tls = tlsError;
                a.networkMessage = a.tls
                    ? u"TLS error: %1"_s.arg(tlsErrors->isEmpty() ? reply->errorString() : *tlsErrors)
                    : reply->errorString();
                if (a.networkError == QNetworkReply::TimeoutError)
                    a.networkMessage = u"the server did not answer in time"_s;
            }
            if (a.status != 0) {
                a.body = reply->readAll();
                a.etag = reply->rawHeader("ETag");
                a.retryAfter = parseRetryAfter(reply->rawHeader("Retry-After"));
            }
            handler(a);
        });
    return reply;
}

// The error a failed exchange means; ok() for 2xx (the caller reads the body).
BackendReply RemoteJobBackend::replyOf(const Answer &a) const
{
    BackendReply r;
    r.requestId = a.requestId;
    r.httpStatus = a.status;
    r.retryAfter = a.retryAfter;
    if (a.tooLarge) {
        r.error = BackendReply::Error::Internal;
        r.message = u"the server's answer is larger than %1 MiB; not read"_s.arg(m_options.maxReplyBytes >> 20);
        return r;
    }
    if (a.status == 0 && a.networkError == QNetworkReply::UnknownContentError) {
        r.error = BackendReply::Error::Internal;
        r.message
            = u"the server %1 sent an unusable answer: %2 (request %3)"_s.arg(server(), a.networkMessage, a.requestId);
        return r;
    }
    if (a.status == 0) {
        r.error = BackendReply::Error::Network;
        r.message = u"cannot reach the server %1: %2"_s.arg(server(), a.networkMessage);
        return r;
    }
    if (a.status >= 200 && a.status < 300)
        return r;
    // {"error": {"code", "message", "requestId"}}; anything else (a proxy's HTML page) gets a
    // message of its own.
    const auto parsed = BoundedJsonParser::parse(a.body);
    QString serverMessage;
    if (parsed.ok() && parsed.value.is_object()) {
        const auto it = parsed.value.find("error");
        if (it != parsed.value.end() && it->is_object()) {
            if (const auto code = it->find("code"); code != it->end() && code->is_string())
                r.code = QString::fromStdString(code->get<std::string>()).left(64);
            if (const auto msg = it->find("message"); msg != it->end() && msg->is_string())
                serverMessage = QString::fromStdString(msg->get<std::string>()).left(500);
        }
    }
    if (serverMessage.isEmpty())
        serverMessage = u"HTTP %1 without an error message"_s.arg(a.status);
    r.message = u"%1 (HTTP %2%3, request %4)"_s.arg(
        serverMessage, QString::number(a.status), r.code.isEmpty() ? QString() : u" "_s + r.code, a.requestId);
    switch (a.status) {
    case 401:
        r.error = BackendReply::Error::Unauthorized;
        r.message = u"the server %1 refused the token: %2"_s.arg(server(), r.message);
        break;
    case 403:
        r.error = BackendReply::Error::Unauthorized;
        break;
    case 404:
    case 410:
        r.error = BackendReply::Error::NotFound;
        break;
    case 409:
        r.error = BackendReply::Error::Conflict;
        break;
    case 429:
        r.error = BackendReply::Error::RateLimited;
        break;
    case 502:
    case 503:
    case 504:
        r.error = BackendReply::Error::Unavailable;
        break;
    default:
        r.error = a.status >= 500 ? BackendReply::Error::Internal : BackendReply::Error::Invalid;
        break;
    }
    return r;
}

// A reply carrying the job in `jobJson` (the body itself, or a member of it).
BackendReply RemoteJobBackend::jobReply(const Answer &a, const nlohmann::json *jobJson) const
{
    BackendReply r = replyOf(a);
    if (!jobJson)
        return r;
    try {
        Job job = jobFromJson(*jobJson);
        job.backend = kind();
        job.owner.clear();
        job.listing.reset();
        r.job = std::move(job);
    } catch (const std::exception &e) {
        if (r.ok()) {
            r.error = BackendReply::Error::Internal;
            r.message = u"the server %1 sent a job that is not valid (%2; request %3)"_s.arg(
                server(), QString::fromUtf8(e.what()).left(200), a.requestId);
        }
    }
    return r;
}

void RemoteJobBackend::deliver(QObject *context, const Callback &callback, BackendReply reply)
{
    if (reply.error == BackendReply::Error::Unauthorized)
        setState(u"unauthorized"_s, reply.message);
    else if (reply.httpStatus != 0 && m_state != u"online"_s && m_state != u"unauthorized"_s)
        setState(u"online"_s, {});
    if (!callback)
        return;
    QPointer<QObject> guard(context ? context : this);
    QMetaObject::invokeMethod(
        guard.data(),
        [guard, callback, reply = std::move(reply)] {
            if (guard)
                callback(reply);
        },
        Qt::QueuedConnection);
}

namespace {
// The body of a 2xx job answer: the parsed JSON, or a reply saying why it is unusable.
std::optional<nlohmann::json> parseBody(const QByteArray &body, BackendReply &r, const QString &server)
{
    const auto parsed = BoundedJsonParser::parse(body);
    if (!parsed.ok() || !parsed.value.is_object()) {
        r.error = BackendReply::Error::Internal;
        r.message = body.isEmpty() ? u"the server %1 sent an empty answer (request %2)"_s.arg(server, r.requestId)
                                   : u"the server %1 sent an answer that is not a JSON object (%2; request %3)"_s.arg(
                                       server, parsed.ok() ? u"another JSON value"_s : parsed.message(), r.requestId);
        return std::nullopt;
    }
    return parsed.value;
}
} // namespace

void RemoteJobBackend::start(const StartRequest &request, QObject *context, Callback callback)
{
    nlohmann::json body
        = { { "listingId", request.listingId.toStdString() }, { "analysisType", request.analysisType.toStdString() },
              { "params", request.params.is_object() ? request.params : nlohmann::json::object() },
              { "force", request.force } };
    if (request.listing)
        body["listing"] = listingToJson(*request.listing);
    // One key per intended start: a start retried after a lost answer returns the job it made.
    const QByteArray key = QUuid::createUuid().toString(QUuid::WithoutBraces).toLatin1();
    startAttempt(QByteArray::fromStdString(body.dump()), key, 1, QPointer<QObject>(context), callback);
}

void RemoteJobBackend::startAttempt(const QByteArray &body, const QByteArray &idempotencyKey, int attempt,
    const QPointer<QObject> &context, const Callback &callback)
{
    send("POST", u"/api/analysis/start"_s, body, { { "Idempotency-Key", idempotencyKey } }, m_options.timeoutMs,
        [this, body, idempotencyKey, attempt, context, callback](const Answer &a) {
            if (!context)
                return;
            BackendReply r = replyOf(a);
            const bool transient = r.error == BackendReply::Error::Network
                || r.error == BackendReply::Error::RateLimited || r.error == BackendReply::Error::Unavailable;
            if (transient && !a.tls && attempt < m_options.startAttempts) {
                const milliseconds wait
                    = std::max(r.retryAfter.value_or(milliseconds(0)), milliseconds(500 * (1 << (attempt - 1))));
                qCInfo(lcNet).noquote() << "start on" << server() << "failed (" << r.message << "), again in"
                                        << wait.count() << "ms";
                QTimer::singleShot(wait, this, [this, body, idempotencyKey, attempt, context, callback] {
                    if (context)
                        startAttempt(body, idempotencyKey, attempt + 1, context, callback);
                });
                return;
            }
            if (r.ok() || r.error == BackendReply::Error::Conflict) {
                BackendReply failed = r;
                const auto json = parseBody(a.body, failed, server());
                if (!json) {
                    if (r.ok())
                        r = failed;
                } else {
                    const auto it = json->find("job");
                    r = jobReply(a, it != json->end() ? &*it : nullptr);
                    if (r.ok() && !r.job) {
                        r.error = BackendReply::Error::Internal;
                        r.message = u"the server %1 answered the start without a job (request %2)"_s.arg(
                            server(), a.requestId);
                    }
                    if (const auto d = json->find("deduplicated"); d != json->end() && d->is_boolean())
                        r.deduplicated = d->get<bool>();
                    if (r.error == BackendReply::Error::Conflict) {
                        r.message = replyOf(a).message;
                        r.code = replyOf(a).code;
                    }
                }
            }
            deliver(context, callback, std::move(r));
        });
}

void RemoteJobBackend::fetch(const QString &jobId, QObject *context, Callback callback)
{
    QUrlQuery query;
    query.addQueryItem(u"jobId"_s, jobId);
    QPointer<QObject> guard(context);
    send("GET", u"/api/analysis/status?"_s + query.toString(QUrl::FullyEncoded), {}, {}, m_options.timeoutMs,
        [this, jobId, guard, callback](const Answer &a) {
            if (!guard)
                return;
            BackendReply r = replyOf(a);
            if (r.ok()) {
                const auto json = parseBody(a.body, r, server());
                if (json)
                    r = jobReply(a, &*json);
                if (r.job && r.job->id != jobId) {
                    r.job.reset();
                    r.error = BackendReply::Error::Internal;
                    r.message = u"the server %1 answered with another job than %2"_s.arg(server(), jobId);
                }
                if (r.job) {
                    if (auto it = m_watched.find(jobId); it != m_watched.end()) {
                        it->last = r.job;
                        it->etag = a.etag;
                    }
                }
            } else if (r.error == BackendReply::Error::NotFound && r.code != u"not_found"_s) {
                r.message = expiredMessageOf(jobId);
            }
            deliver(guard, callback, std::move(r));
        });
}

void RemoteJobBackend::lookup(
    const QString &listingId, const QString &analysisType, QObject *context, Callback callback)
{
    QUrlQuery query;
    query.addQueryItem(u"listingId"_s, listingId);
    query.addQueryItem(u"analysisType"_s, analysisType);
    QPointer<QObject> guard(context);
    send("GET", u"/api/analysis/lookup?"_s + query.toString(QUrl::FullyEncoded), {}, {}, m_options.timeoutMs,
        [this, guard, callback](const Answer &a) {
            if (!guard)
                return;
            BackendReply r = replyOf(a);
            if (r.ok()) {
                m_lookup = Support::Yes;
                const auto json = parseBody(a.body, r, server());
                if (json)
                    r = jobReply(a, &*json);
            } else if ((r.error == BackendReply::Error::NotFound && r.code != u"job_not_found"_s) || a.status == 405) {
                // No such route: the original web app's API has no lookup.
                m_lookup = Support::No;
                r.error = BackendReply::Error::NotFound;
                r.message = u"the server %1 does not offer lookup; attach by job id"_s.arg(server());
            }
            deliver(guard, callback, std::move(r));
        });
}

void RemoteJobBackend::cancel(const QString &jobId, QObject *context, Callback callback)
{
    const nlohmann::json body = { { "jobId", jobId.toStdString() } };
    QPointer<QObject> guard(context);
    send("POST", u"/api/analysis/cancel"_s, QByteArray::fromStdString(body.dump()), {}, m_options.timeoutMs,
        [this, jobId, guard, callback](const Answer &a) {
            if (!guard)
                return;
            BackendReply r = replyOf(a);
            if (r.ok() || r.error == BackendReply::Error::Conflict) {
                BackendReply failed = r;
                if (const auto json = parseBody(a.body, failed, server())) {
                    const auto it = json->find("job");
                    const bool nested = it != json->end() && it->is_object();
                    BackendReply withJob = jobReply(a, nested ? &*it : (r.ok() ? &*json : nullptr));
                    if (r.ok())
                        r = withJob;
                    else
                        r.job = withJob.job;
                } else if (r.ok()) {
                    r = failed;
                }
            } else if (r.error == BackendReply::Error::NotFound) {
                r.message = expiredMessageOf(jobId);
            }
            deliver(guard, callback, std::move(r));
        });
}

void RemoteJobBackend::fetchMany(const QStringList &jobIds, QObject *context, ManyCallback callback)
{
    auto results = std::make_shared<QHash<QString, BackendReply>>();
    auto pending = std::make_shared<int>(int(jobIds.size()));
    QPointer<QObject> guard(context);
    if (jobIds.isEmpty()) {
        QMetaObject::invokeMethod(
            guard ? guard.data() : this,
            [guard, callback] {
                if (guard)
                    callback({});
            },
            Qt::QueuedConnection);
        return;
    }
    for (const QString &id : jobIds) {
        fetch(id, this, [results, pending, id, guard, callback](const BackendReply &r) {
            results->insert(id, r);
            if (--*pending == 0 && guard)
                callback(*results);
        });
    }
}

void RemoteJobBackend::watch(const QString &jobId)
{
    if (m_watched.contains(jobId))
        return;
    m_watched.insert(jobId, Watched {});
    // A long-poll of another job would hold the new one back for its whole wait.
    if (m_longPollReply)
        m_longPollReply->abort();
    m_schedule->reset();
    if (!m_tick && (!m_timer.isActive() || m_timer.remainingTime() > int(PollSchedule::kInitial.count())))
        scheduleTick();
}

void RemoteJobBackend::unwatch(const QString &jobId)
{
    if (!m_watched.remove(jobId))
        return;
    if (m_watched.isEmpty()) {
        m_timer.stop();
        if (m_longPollReply)
            m_longPollReply->abort();
    }
}

void RemoteJobBackend::pollNow()
{
    if (m_watched.isEmpty())
        return;
    m_schedule->reset();
    if (m_longPollReply)
        m_longPollReply->abort();
    if (m_tick)
        return; // the tick in flight reschedules
    m_schedule->dueNow();
    m_timer.start(0);
}

void RemoteJobBackend::onNetworkReachable()
{
    if (m_state == u"reconnecting"_s) {
        qCInfo(lcNet).noquote() << "network is back: polling" << server() << "now";
        pollNow();
    }
}

void RemoteJobBackend::scheduleTick(milliseconds notBefore)
{
    if (m_watched.isEmpty())
        return;
    const milliseconds delay = m_schedule->scheduleNext(notBefore);
    m_timer.start(delay);
}

void RemoteJobBackend::tick()
{
    if (m_tick || m_watched.isEmpty())
        return;
    auto t = std::make_shared<Tick>();
    m_tick = t;
    QStringList ids = m_watched.keys();
    std::sort(ids.begin(), ids.end());
    t->polled = ids;
    qCDebug(lcNet).noquote() << "tick of" << server() << ids.size() << "jobs, interval"
                             << m_schedule->interval().count() << "ms";
    if (ids.size() == 1 && m_options.longPoll && m_longPoll != Support::No && !m_watched[ids[0]].etag.isEmpty()
        && m_state == u"online"_s) {
        longPollTick(t, ids[0]);
        return;
    }
    if (m_batch != Support::No && ids.size() > 1)
        batchTick(t, ids);
    else
        singleTick(t, ids);
}

void RemoteJobBackend::batchTick(const std::shared_ptr<Tick> &t, const QStringList &ids)
{
    for (qsizetype from = 0; from < ids.size(); from += kBatchLimit) {
        const QStringList chunk = ids.mid(from, kBatchLimit);
        ++t->pending;
        QUrlQuery query;
        query.addQueryItem(u"jobIds"_s, chunk.join(u','));
        send("GET", u"/api/analysis/status?"_s + query.toString(QUrl::FullyEncoded), {}, {}, m_options.timeoutMs,
            [this, t, chunk](const Answer &a) {
                if (m_tick != t)
                    return;
                const BackendReply r = replyOf(a);
                if (r.ok()) {
                    const auto parsed = BoundedJsonParser::parse(a.body);
                    const nlohmann::json *jobs = nullptr;
                    const nlohmann::json *missing = nullptr;
                    if (parsed.ok() && parsed.value.is_object()) {
                        if (auto it = parsed.value.find("jobs"); it != parsed.value.end() && it->is_array())
                            jobs = &*it;
                        if (auto it = parsed.value.find("missing"); it != parsed.value.end() && it->is_array())
                            missing = &*it;
                    }
                    if (jobs) {
                        m_batch = Support::Yes;
                        for (const nlohmann::json &j : *jobs) {
                            try {
                                Job job = jobFromJson(j);
                                if (chunk.contains(job.id))
                                    applyJob(*t, job, {});
                            } catch (const std::exception &e) {
                                qCWarning(lcNet).noquote()
                                    << "server" << server() << "sent an invalid job in a batch:" << e.what();
                            }
                        }
                        if (missing) {
                            for (const nlohmann::json &m : *missing) {
                                if (m.is_string() && chunk.contains(QString::fromStdString(m.get<std::string>())))
                                    applyMissing(*t, QString::fromStdString(m.get<std::string>()));
                            }
                        }
                    } else if (parsed.ok() && parsed.value.is_object() && parsed.value.contains("id")) {
                        // A server that ignores `jobIds` and answers one job: no batch status.
                        m_batch = Support::No;
                        singleTick(t, chunk);
                    } else {
                        noteFault(*t,
                            Answer { 0, {}, {}, a.requestId, {}, QNetworkReply::UnknownContentError,
                                u"the batch status answer is not {\"jobs\": […]}"_s, false, false, false, 0 });
                    }
                } else if (m_batch == Support::Unknown
                    && (r.error == BackendReply::Error::Invalid || r.error == BackendReply::Error::NotFound)) {
                    // The original web app's status route wants `jobId`: poll job by job.
                    qCInfo(lcNet).noquote()
                        << "server" << server() << "has no batch status (" << r.message << "): polling per job";
                    m_batch = Support::No;
                    singleTick(t, chunk);
                } else {
                    noteFault(*t, a);
                }
                if (--t->pending == 0)
                    finishTick(*t);
            });
    }
}

void RemoteJobBackend::singleTick(const std::shared_ptr<Tick> &t, const QStringList &ids)
{
    for (const QString &id : ids) {
        ++t->pending;
        QUrlQuery query;
        query.addQueryItem(u"jobId"_s, id);
        const QByteArray etag = m_watched.value(id).etag;
        QList<QPair<QByteArray, QByteArray>> headers;
        if (!etag.isEmpty())
            headers.append({ "If-None-Match", etag });
        send("GET", u"/api/analysis/status?"_s + query.toString(QUrl::FullyEncoded), {}, headers, m_options.timeoutMs,
            [this, t, id](const Answer &a) {
                if (m_tick != t)
                    return;
                const BackendReply r = replyOf(a);
                if (a.status == 304) {
                    // unchanged
                } else if (r.ok()) {
                    BackendReply body = r;
                    if (const auto json = parseBody(a.body, body, server())) {
                        try {
                            applyJob(*t, jobFromJson(*json), a.etag);
                        } catch (const std::exception &e) {
                            noteFault(*t,
                                Answer { 0, {}, {}, a.requestId, {}, QNetworkReply::UnknownContentError,
                                    u"invalid job: %1"_s.arg(QString::fromUtf8(e.what())), false, false, false, 0 });
                        }
                    } else {
                        noteFault(*t,
                            Answer { 0, {}, {}, a.requestId, {}, QNetworkReply::UnknownContentError, body.message,
                                false, false, false, 0 });
                    }
                } else if (r.error == BackendReply::Error::NotFound && r.code != u"not_found"_s) {
                    applyMissing(*t, id);
                } else {
                    noteFault(*t, a);
                }
                if (--t->pending == 0)
                    finishTick(*t);
            });
    }
}

void RemoteJobBackend::longPollTick(const std::shared_ptr<Tick> &t, const QString &id)
{
    ++t->pending;
    t->longPoll = true;
    QUrlQuery query;
    query.addQueryItem(u"jobId"_s, id);
    query.addQueryItem(u"wait"_s, QString::number(m_options.longPollSeconds));
    const QByteArray etag = m_watched.value(id).etag;
    m_longPollReply = send("GET", u"/api/analysis/status?"_s + query.toString(QUrl::FullyEncoded), {},
        { { "If-None-Match", etag } }, m_options.longPollSeconds * 1000 + m_options.timeoutMs,
        [this, t, id](const Answer &a) {
            if (m_tick != t)
                return;
            const BackendReply r = replyOf(a);
            const bool fast = a.elapsedMs < qint64(m_options.longPollSeconds) * 1000 / 2;
            if (a.aborted) {
                t->aborted = true;
            } else if (a.status == 304) {
                // A server that ignores `wait` answers at once, again and again.
                if (fast && ++m_fastLongPolls >= 3) {
                    qCInfo(lcNet).noquote() << "server" << server() << "ignores wait=: polling with backoff";
                    m_longPoll = Support::No;
                    t->longPoll = false;
                }
                if (!fast) {
                    m_fastLongPolls = 0;
                    m_longPoll = Support::Yes;
                }
            } else if (r.ok()) {
                BackendReply body = r;
                if (const auto json = parseBody(a.body, body, server())) {
                    try {
                        const bool before = t->changed;
                        applyJob(*t, jobFromJson(*json), a.etag);
                        if (!t->changed && !before && fast && ++m_fastLongPolls >= 3) {
                            m_longPoll = Support::No;
                            t->longPoll = false;
                        }
                        if (t->changed) {
                            m_fastLongPolls = 0;
                            if (m_longPoll == Support::Unknown)
                                m_longPoll = Support::Yes;
                        }
                    } catch (const std::exception &e) {
                        noteFault(*t,
                            Answer { 0, {}, {}, a.requestId, {}, QNetworkReply::UnknownContentError,
                                u"invalid job: %1"_s.arg(QString::fromUtf8(e.what())), false, false, false, 0 });
                    }
                } else {
                    noteFault(*t,
                        Answer { 0, {}, {}, a.requestId, {}, QNetworkReply::UnknownContentError, body.message, false,
                            false, false, 0 });
                }
            } else if (r.error == BackendReply::Error::Invalid) {
                m_longPoll = Support::No; // invalid_wait: an API without long-poll
                t->longPoll = false;
            } else if (r.error == BackendReply::Error::NotFound && r.code != u"not_found"_s) {
                applyMissing(*t, id);
            } else if (r.code == u"too_many_waiters"_s) {
                t->longPoll = false; // poll without wait this time
            } else {
                noteFault(*t, a);
            }
            if (--t->pending == 0)
                finishTick(*t);
        });
}

void RemoteJobBackend::applyJob(Tick &t, const Job &incoming, const QByteArray &etag)
{
    auto it = m_watched.find(incoming.id);
    if (it == m_watched.end())
        return;
    Job job = incoming;
    job.backend = kind();
    job.owner.clear();
    job.listing.reset();
    if (!etag.isEmpty())
        it->etag = etag;
    if (it->last && *it->last == job)
        return;
    it->last = job;
    t.changed = true;
    // A terminal job never changes again: no more polls for it (the listeners unwatch it too).
    if (isTerminal(job.status)) {
        const bool wasReconnecting = it->reconnecting;
        m_watched.erase(it);
        if (wasReconnecting)
            Q_EMIT jobConnectionStateChanged(job.id, QStringLiteral("online"));
    }
    Q_EMIT jobUpdated(job);
}

void RemoteJobBackend::applyMissing(Tick &t, const QString &id)
{
    if (!m_watched.remove(id))
        return;
    t.changed = true;
    qCInfo(lcNet).noquote() << "job" << id << "is no longer on" << server();
    Q_EMIT jobLost(id, expiredMessageOf(id));
}

void RemoteJobBackend::noteFault(Tick &t, const Answer &a)
{
    const BackendReply r = replyOf(a);
    if (a.retryAfter)
        t.retryAfter = std::max(t.retryAfter.value_or(milliseconds(0)), *a.retryAfter);
    switch (r.error) {
    case BackendReply::Error::Unauthorized:
        t.unauthorized = true;
        break;
    case BackendReply::Error::RateLimited:
    case BackendReply::Error::Unavailable:
        if (!t.retryAfter)
            t.retryAfter = milliseconds(1000);
        break;
    default:
        t.fault = true;
        t.tls = t.tls || a.tls;
        break;
    }
    t.error = r.message;
}

void RemoteJobBackend::finishTick(Tick &t)
{
    auto keep = m_tick; // `t` lives in it
    m_tick.reset();
    m_longPollReply.clear();
    if (t.aborted && !t.fault && !t.unauthorized) {
        scheduleTick(); // a new job joined or pollNow(): poll soon
        if (m_schedule->interval() == PollSchedule::kInitial)
            m_timer.start(0);
        return;
    }
    const bool failed = t.fault || t.unauthorized;
    if (t.fault)
        setState(t.tls ? u"tls-error"_s : u"reconnecting"_s, t.error);
    else if (t.unauthorized)
        setState(u"unauthorized"_s, t.error);
    else if (!t.retryAfter)
        setState(u"online"_s, {});
    for (const QString &id : std::as_const(t.polled)) {
        auto it = m_watched.find(id);
        if (it == m_watched.end() || it->reconnecting == failed)
            continue;
        it->reconnecting = failed;
        Q_EMIT jobConnectionStateChanged(id, failed ? u"reconnecting"_s : u"online"_s);
    }
    if (failed) {
        qCInfo(lcNet).noquote() << "poll of" << server() << "failed:" << t.error;
        m_schedule->grow();
    } else if (t.changed) {
        m_schedule->reset();
    } else if (!t.longPoll) {
        m_schedule->grow();
    }
    if (t.longPoll && !failed && !t.retryAfter && m_longPoll != Support::No) {
        m_timer.start(0); // the long-poll itself waited: ask again at once
        return;
    }
    scheduleTick(t.retryAfter.value_or(milliseconds(0)));
}

void RemoteJobBackend::setState(const QString &state, const QString &error)
{
    m_lastError = error;
    if (state == m_state)
        return;
    qCInfo(lcNet).noquote() << "server" << server() << "is" << state << (error.isEmpty() ? QString() : error);
    m_state = state;
    Q_EMIT connectionStateChanged(state);
}

} // namespace dealscope
