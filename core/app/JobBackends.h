#pragma once

#include "jobs/InFlightRegistry.h"
#include "jobs/JobBackend.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>

namespace dealscope {

class LocalJobRunner;

// Every backend this process talks to: the one local runner and one remote backend per server
// URL, made on first use by the factory a client installs (SPEC §6: an in-flight entry resumes on
// the backend that ran it, whatever mode the app is in now). New analyses go to current().
// Lives on one thread; owns what it makes.
class JobBackends final : public QObject
{
    Q_OBJECT
public:
    using RemoteFactory = std::function<JobBackend *(const QUrl &server, QObject *parent)>;

    explicit JobBackends(LocalJobRunner *local, QObject *parent = nullptr);
    ~JobBackends() override;

    LocalJobRunner &local() const { return *m_local; }
    // How remote backends are made; without one, remote entries have no backend.
    void setRemoteFactory(RemoteFactory factory);
    bool hasRemoteFactory() const { return bool(m_factory); }

    // The backend of `server` (normalised: no trailing slash), made on first use; null without a
    // factory or for a URL that is not http(s).
    JobBackend *remote(const QUrl &server);
    // The backend an in-flight entry ran on.
    JobBackend *forEntry(const InFlightEntry &entry);
    // Where new analyses run: the local runner, or the server set with setCurrentServer().
    JobBackend &current();
    void setCurrentServer(const QUrl &server); // empty: local
    QUrl currentServer() const { return m_currentServer; }
    QList<JobBackend *> all() const;

    static QUrl normalizedServer(const QUrl &server);

Q_SIGNALS:
    void backendAdded(dealscope::JobBackend *backend);
    void currentChanged();

private:
    LocalJobRunner *m_local;
    RemoteFactory m_factory;
    QHash<QString, JobBackend *> m_remote; // normalised URL → backend
    QUrl m_currentServer;
};

} // namespace dealscope
