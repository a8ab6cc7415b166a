#include "server/http/RouteTable.h"

namespace dealscope::server {

void RouteTable::add(const QString &path, Route route)
{
    m_exact.insert(path, std::move(route));
}

void RouteTable::addPrefix(const QString &prefix, Route route)
{
    m_prefixes.append({ prefix, std::move(route) });
}

QByteArray RouteTable::allowed(const Route &route)
{
    return route.method == QHttpServerRequest::Method::Post ? "POST" : "GET, HEAD";
}

bool RouteTable::answers(const Route &route, QHttpServerRequest::Method method)
{
    // HEAD is GET without the body (RFC 9110 §9.3.2); the connection leaves the body out.
    return method == route.method
        || (method == QHttpServerRequest::Method::Head && route.method == QHttpServerRequest::Method::Get);
}

RouteTable::Match RouteTable::find(const QString &path, QHttpServerRequest::Method method) const
{
    const auto it = m_exact.constFind(path);
    if (it != m_exact.cend())
        return { &*it, answers(*it, method), {} };
    for (const auto &[prefix, route] : m_prefixes) {
        if (path.size() > prefix.size() && path.startsWith(prefix)
            && !QStringView(path).mid(prefix.size()).contains(QLatin1Char('/'))) {
            return { &route, answers(route, method), path.mid(prefix.size()) };
        }
    }
    return {};
}

} // namespace dealscope::server
