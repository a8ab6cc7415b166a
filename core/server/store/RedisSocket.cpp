#include "server/store/RedisSocket.h"

#include "server/store/JobStore.h"
#include "server/store/RedisConnection.h"

#include <QDeadlineTimer>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QStringList>
#include <QTcpSocket>

#include <hiredis/hiredis.h>

namespace dealscope::server {

RedisSocket::RedisSocket(const RedisEndpoint &endpoint)
    : m_endpoint(endpoint)
    , m_reader(redisReaderCreate())
{
    if (!m_reader)
        throw StoreUnavailable("out of memory for the Redis reply reader");
}

RedisSocket::~RedisSocket()
{
    if (m_socket)
        m_socket->abort();
    redisReaderFree(m_reader);
}

void RedisSocket::fail(const QString &what) const
{
    throw StoreUnavailable(QStringLiteral("Redis at %1: %2").arg(m_endpoint.displayName(), what).toStdString());
}

void RedisSocket::open()
{
    const QDeadlineTimer deadline(m_endpoint.timeoutMs);
    if (!m_endpoint.tls) {
        m_socket = std::make_unique<QTcpSocket>();
        m_socket->connectToHost(m_endpoint.host, m_endpoint.port);
        if (!m_socket->waitForConnected(int(deadline.remainingTime())))
            fail(QStringLiteral("cannot connect: %1").arg(m_socket->errorString()));
    } else {
        if (!QSslSocket::supportsSsl())
            fail(QStringLiteral("cannot use TLS: Qt has no TLS backend here (%1)")
                     .arg(QSslSocket::sslLibraryVersionString()));
        auto ssl = std::make_unique<QSslSocket>();
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        config.setPeerVerifyMode(QSslSocket::VerifyPeer);
        config.setProtocol(QSsl::TlsV1_2OrLater);
        if (!m_endpoint.caCertificates.isEmpty())
            config.setCaCertificates(m_endpoint.caCertificates);
        ssl->setSslConfiguration(config);
        // The name checked against the certificate is the host of the URL (Qt's default).
        ssl->connectToHostEncrypted(m_endpoint.host, m_endpoint.port);
        if (!ssl->waitForConnected(int(deadline.remainingTime())))
            fail(QStringLiteral("cannot connect: %1").arg(ssl->errorString()));
        if (!ssl->waitForEncrypted(int(deadline.remainingTime()))) {
            QStringList why;
            for (const QSslError &e : ssl->sslHandshakeErrors())
                why << e.errorString();
            if (why.isEmpty())
                why << ssl->errorString();
            QString hint;
            for (const QSslError &e : ssl->sslHandshakeErrors()) {
                switch (e.error()) {
                case QSslError::UnableToGetLocalIssuerCertificate:
                case QSslError::SelfSignedCertificate:
                case QSslError::SelfSignedCertificateInChain:
                case QSslError::UnableToVerifyFirstCertificate:
                case QSslError::UnableToGetIssuerCertificate:
                case QSslError::CertificateUntrusted:
                    hint = m_endpoint.caCertificates.isEmpty()
                        ? QStringLiteral(" (a private CA? name its certificate with --redis-ca-file FILE)")
                        : QStringLiteral(" (not signed by a CA of %1)").arg(m_endpoint.caFile);
                    break;
                case QSslError::HostNameMismatch:
                    hint = QStringLiteral(" (connect by a name the certificate lists)");
                    break;
                default:
                    break;
                }
            }
            fail(QStringLiteral("TLS handshake failed: %1%2").arg(why.join(QStringLiteral("; ")), hint));
        }
        m_socket = std::move(ssl);
    }
    // Commands are small and each waits for its answer: Nagle would only add latency.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
}

void RedisSocket::write(const QByteArray &bytes)
{
    if (m_socket->write(bytes) != bytes.size())
        fail(QStringLiteral("write failed: %1").arg(m_socket->errorString()));
    m_socket->flush();
    const QDeadlineTimer deadline(m_endpoint.timeoutMs);
    while (m_socket->bytesToWrite() > 0) {
        if (!m_socket->waitForBytesWritten(int(deadline.remainingTime())))
            fail(m_socket->error() == QAbstractSocket::SocketTimeoutError
                    ? QStringLiteral("write timed out after %1 ms").arg(m_endpoint.timeoutMs)
                    : QStringLiteral("write failed: %1").arg(m_socket->errorString()));
    }
}

std::optional<RedisValue> RedisSocket::read(int waitMs)
{
    const QDeadlineTimer deadline(waitMs);
    char buffer[16 * 1024];
    for (;;) {
        void *reply = nullptr;
        if (redisReaderGetReply(m_reader, &reply) != REDIS_OK)
            fail(QStringLiteral("protocol error: %1").arg(QString::fromUtf8(m_reader->errstr)));
        if (reply) {
            RedisValue v = toRedisValue(reply);
            freeReplyObject(reply);
            return v;
        }
        if (m_socket->bytesAvailable() > 0) {
            const qint64 n = m_socket->read(buffer, sizeof buffer);
            if (n < 0)
                fail(QStringLiteral("read failed: %1").arg(m_socket->errorString()));
            if (redisReaderFeed(m_reader, buffer, size_t(n)) != REDIS_OK)
                fail(QStringLiteral("out of memory while reading a reply"));
            continue;
        }
        if (m_socket->state() != QAbstractSocket::ConnectedState)
            fail(QStringLiteral("connection closed"));
        if (deadline.hasExpired())
            return std::nullopt;
        if (!m_socket->waitForReadyRead(int(deadline.remainingTime()))
            && m_socket->error() != QAbstractSocket::SocketTimeoutError)
            fail(m_socket->error() == QAbstractSocket::RemoteHostClosedError
                    ? QStringLiteral("connection closed")
                    : QStringLiteral("read failed: %1").arg(m_socket->errorString()));
    }
}

void RedisSocket::appendCommand(QByteArray &out, const QList<QByteArray> &args)
{
    out += '*';
    out += QByteArray::number(args.size());
    out += "\r\n";
    for (const QByteArray &a : args) {
        out += '$';
        out += QByteArray::number(a.size());
        out += "\r\n";
        out += a;
        out += "\r\n";
    }
}

} // namespace dealscope::server
