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
    return route.method == QHttpServerRequest::Method::Post ? "POST" : "GET";
}

RouteTable::Match RouteTable::find(const QString &path, QHttpServerRequest::Method method) const
{
    const auto it = m_exact.constFind(path);
    if (it != m_exact.cend())
        return { &*it, it->method == method, {} };
    for (const auto &[prefix, route] : m_prefixes) {
        if (path.size() > prefix.size() && path.startsWith(prefix)
            && !QStringView(path).mid(prefix.size()).contains(QLatin1Char('/'))) {
            return { &route, route.method == method, path.mid(prefix.size()) };
        }
    }
    return {};
}

} // namespace dealscope::server
