#pragma once

#include "server/http/Exchange.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <functional>

namespace dealscope::server {

// The routes of the API: a path (or a path prefix with one trailing segment, /api/listings/{id})
// and a method lead to a handler. What guards a route (a token, a signature, nothing) is said
// here too, so the request gate applies it the same way to every route.
class RouteTable final
{
public:
    enum class Access {
        Probe, // no token; also served by a worker process (/healthz, /readyz, /metrics)
        Signed, // no token; the handler verifies a signature (/api/analysis/consume)
        Token, // Authorization: Bearer, rate limit, JSON bodies
    };
    // `arg` is the trailing path segment of a prefix route, still percent-encoded; empty otherwise.
    using Handler = std::function<void(const ExchangePtr &exchange, const QString &arg)>;

    struct Route
    {
        QString name; // the metrics label
        QHttpServerRequest::Method method = QHttpServerRequest::Method::Get;
        Access access = Access::Token;
        Handler handler;
    };

    struct Match
    {
        const Route *route = nullptr; // the route of the path; nullptr: no such route
        bool methodAllowed = false; // false: the path exists, but not with this method (405)
        QString arg;
    };

    // The methods a route answers, for the Allow header of a 405.
    static QByteArray allowed(const Route &route);

    void add(const QString &path, Route route);
    // A route for every path `prefix` + one non-empty segment without '/'.
    void addPrefix(const QString &prefix, Route route);

    Match find(const QString &path, QHttpServerRequest::Method method) const;

private:
    static bool answers(const Route &route, QHttpServerRequest::Method method);

    QHash<QString, Route> m_exact;
    QList<QPair<QString, Route>> m_prefixes;
};

} // namespace dealscope::server
