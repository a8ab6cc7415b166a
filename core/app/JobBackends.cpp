#include "app/JobBackends.h"

#include "jobs/LocalJobRunner.h"

namespace dealscope {

JobBackends::JobBackends(LocalJobRunner *local, QObject *parent)
    : QObject(parent)
    , m_local(local)
{
    Q_ASSERT(m_local);
}

JobBackends::~JobBackends() = default;

void JobBackends::setRemoteFactory(RemoteFactory factory)
{
    m_factory = std::move(factory);
}

QUrl JobBackends::normalizedServer(const QUrl &server)
{
    QUrl url = server.adjusted(QUrl::StripTrailingSlash | QUrl::NormalizePathSegments);
    url.setQuery(QString());
    url.setFragment(QString());
    url.setScheme(url.scheme().toLower());
    url.setHost(url.host().toLower());
    while (url.path().endsWith(u'/'))
        url.setPath(url.path().chopped(1));
    return url;
}

JobBackend *JobBackends::remote(const QUrl &server)
{
    const QUrl url = normalizedServer(server);
    if (!url.isValid() || url.host().isEmpty() || (url.scheme() != u"http" && url.scheme() != u"https"))
        return nullptr;
    const QString key = url.toString();
    if (JobBackend *known = m_remote.value(key))
        return known;
    if (!m_factory)
        return nullptr;
    JobBackend *backend = m_factory(url, this);
    if (!backend)
        return nullptr;
    m_remote.insert(key, backend);
    Q_EMIT backendAdded(backend);
    return backend;
}

JobBackend *JobBackends::forEntry(const InFlightEntry &entry)
{
    if (entry.backend == u"remote")
        return remote(QUrl(entry.server));
    return m_local;
}

JobBackend &JobBackends::current()
{
    if (!m_currentServer.isEmpty()) {
        if (JobBackend *backend = remote(m_currentServer))
            return *backend;
    }
    return *m_local;
}

void JobBackends::setCurrentServer(const QUrl &server)
{
    const QUrl url = server.isEmpty() ? QUrl() : normalizedServer(server);
    if (url == m_currentServer)
        return;
    m_currentServer = url;
    Q_EMIT currentChanged();
}

QList<JobBackend *> JobBackends::all() const
{
    QList<JobBackend *> out { m_local };
    for (JobBackend *b : m_remote)
        out.append(b);
    return out;
}

} // namespace dealscope
