#pragma once

#include "jobs/Job.h"
#include "server/http/HttpReply.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QHttpServerRequest>
#include <QPointer>
#include <QString>
#include <QTcpSocket>
#include <QUrl>
#include <QUrlQuery>

#include <memory>

namespace dealscope::server {

class HttpConnection;
class Metrics;

// One request and its one answer. QtHttpServer reuses its request object for the next request
// on the connection, so what the routes need is copied here; an exchange outlives the handler
// that received it when the answer comes later (a store round trip, a long-poll), shared by the
// callbacks that may give it. The first answer is handed to the connection, which writes it in
// request order; any later one is dropped: a request never gets two.
class Exchange final
{
public:
    Exchange(const QHttpServerRequest &request, QTcpSocket *socket, Metrics *metrics);
    // An exchange that goes unanswered (a bug) is answered 500: the connection writes answers in
    // order and would otherwise hold every later one back.
    ~Exchange();
    Exchange(const Exchange &) = delete;
    Exchange &operator=(const Exchange &) = delete;

    QHttpServerRequest::Method method() const { return m_method; }
    const QUrl &url() const { return m_url; }
    QString path() const { return m_url.path(); }
    QUrlQuery query() const { return QUrlQuery(m_url); }
    // The first value of header `name` (case-insensitive); empty when absent.
    QByteArray header(QByteArrayView name) const;
    const QByteArray &body() const { return m_body; }
    const QHostAddress &peer() const { return m_peer; }
    QTcpSocket *socket() const { return m_socket.data(); }

    const QString &requestId() const { return m_requestId; }
    const QString &route() const { return m_route; }
    void setRoute(const QString &route) { m_route = route; }
    const QString &tenant() const { return m_tenant; }
    void setTenant(const QString &tenant) { m_tenant = tenant; }

    bool answered() const { return m_answered; }
    // Whether the client can still read an answer.
    bool connected() const;

    void send(int status, const QByteArray &body, const HeaderPairs &headers = {},
        const QByteArray &contentType = "application/json");
    void sendError(int status, const QByteArray &code, const QString &message, const HeaderPairs &headers = {});
    // 503 store_unavailable with Retry-After: 1, for a store that did not answer.
    void sendStoreUnavailable();
    // Job JSON (wire scope) with its ETag.
    void sendWire(int status, const QByteArray &wire);
    void sendJob(int status, const Job &job);
    // 304 for `etag`.
    void sendNotModified(const QByteArray &etag);

private:
    QHttpServerRequest::Method m_method;
    QUrl m_url;
    QList<QPair<QByteArray, QByteArray>> m_headers;
    QByteArray m_body;
    QHostAddress m_peer;
    QPointer<QTcpSocket> m_socket;
    QPointer<HttpConnection> m_connection;
    quint64 m_seq = 0; // place in the connection's answer order
    Metrics *m_metrics;
    QString m_requestId;
    QString m_route = QStringLiteral("unknown");
    QString m_tenant;
    bool m_close = false;
    bool m_answered = false;
    QElapsedTimer m_timer;
};

using ExchangePtr = std::shared_ptr<Exchange>;

// Whether an If-None-Match value names `etag` (also weakly, or as *).
bool etagMatches(const QByteArray &ifNoneMatch, const QByteArray &etag);

} // namespace dealscope::server
