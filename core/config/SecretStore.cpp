#include "config/SecretStore.h"

#include "config/ConfigLog.h"

#include <QPointer>
#include <QTimer>
#include <qt6keychain/keychain.h>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

namespace {

// Errors that mean "there is no usable keychain here", as opposed to "this key is not stored".
bool isBackendMissing(QKeychain::Error error)
{
    switch (error) {
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
    case QKeychain::OtherError:
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        return true;
    default:
        return false;
    }
}

} // namespace

SecretStore::SecretStore(Mode mode, QString service, QObject *parent)
    : QObject(parent)
    , m_service(std::move(service))
{
    if (mode == Mode::MemoryOnly) {
        m_memoryOnly = true;
        m_warning = tr("Secrets are kept in memory only for this session (keychain disabled).");
    }
}

SecretStore::~SecretStore() = default;

void SecretStore::activateFallback(const QString &reason)
{
    if (m_memoryOnly)
        return;
    m_memoryOnly = true;
    m_warning = tr("No system keychain is available (%1). API keys and tokens are kept in memory only "
                   "and must be entered again after a restart.")
                    .arg(reason);
    qCWarning(lcConfig) << "keychain unavailable, secrets are memory-only:" << reason;
    Q_EMIT fallbackActivated(m_warning);
}

void SecretStore::probe()
{
    if (m_memoryOnly)
        return;
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setKey(u"__probe__"_s);
    job->setInsecureFallback(false);
    connect(job, &QKeychain::Job::finished, this, [this](QKeychain::Job *j) {
        if (isBackendMissing(j->error()))
            activateFallback(j->errorString());
    });
    job->start();
}

void SecretStore::write(const QString &key, const QString &secret, DoneCallback done)
{
    m_cache.insert(key, secret);
    Q_EMIT secretChanged(key);
    if (m_memoryOnly) {
        if (done)
            QTimer::singleShot(0, this, [done] { done(false); });
        return;
    }
    auto *job = new QKeychain::WritePasswordJob(m_service, this);
    job->setKey(key);
    job->setInsecureFallback(false); // never the plaintext QSettings fallback
    job->setTextData(secret);
    connect(job, &QKeychain::Job::finished, this, [this, done](QKeychain::Job *j) {
        const bool ok = j->error() == QKeychain::NoError;
        if (!ok && isBackendMissing(j->error()))
            activateFallback(j->errorString());
        if (done)
            done(ok);
    });
    job->start();
}

void SecretStore::read(const QString &key, QObject *context, ReadCallback callback)
{
    QPointer<QObject> guard(context);
    if (m_memoryOnly || m_cache.contains(key)) {
        const std::optional<QString> value = cached(key);
        QTimer::singleShot(0, this, [guard, callback, value] {
            if (guard)
                callback(value);
        });
        return;
    }
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setKey(key);
    job->setInsecureFallback(false);
    connect(job, &QKeychain::Job::finished, this, [this, key, guard, callback](QKeychain::Job *j) {
        std::optional<QString> value;
        if (j->error() == QKeychain::NoError) {
            value = static_cast<QKeychain::ReadPasswordJob *>(j)->textData();
            m_cache.insert(key, *value);
        } else if (isBackendMissing(j->error())) {
            activateFallback(j->errorString());
        }
        if (guard)
            callback(value);
    });
    job->start();
}

void SecretStore::remove(const QString &key)
{
    m_cache.remove(key);
    Q_EMIT secretChanged(key);
    if (m_memoryOnly)
        return;
    auto *job = new QKeychain::DeletePasswordJob(m_service, this);
    job->setKey(key);
    job->setInsecureFallback(false);
    job->start();
}

std::optional<QString> SecretStore::cached(const QString &key) const
{
    const auto it = m_cache.constFind(key);
    if (it == m_cache.constEnd())
        return std::nullopt;
    return *it;
}

} // namespace dealscope
