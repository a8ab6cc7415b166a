#pragma once

// Helpers of the Redis TLS/AUTH tests: a private CA and server certificates made with the openssl
// command in a temp folder, and a real redis-server serving TLS (and a plain port, both on
// loopback) with a password for the default user and an ACL user.

#include "ServerTestSupport.h"
#include "server/store/RedisEndpoint.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

namespace servertest {

class TestCertificates
{
public:
    // A CA, a certificate for 127.0.0.1 signed by it, one for another name signed by it, and a
    // self-signed one for 127.0.0.1 that no CA vouches for.
    bool make()
    {
        if (!m_dir.isValid())
            return false;
        return openssl({ "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                   "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=Dealscope Test CA", "-addext",
                   "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign" })
            && leaf("server", "IP:127.0.0.1") && leaf("othername", "DNS:elsewhere.invalid")
            && openssl({ "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "selfsigned.key", "-out", "selfsigned.crt", "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1" });
    }
    QString path(const QString &name) const { return m_dir.filePath(name); }
    QList<QSslCertificate> ca() const { return QSslCertificate::fromPath(path(QStringLiteral("ca.crt"))); }

private:
    bool leaf(const char *name, const char *san)
    {
        const QString n = QString::fromLatin1(name);
        QFile ext(path(n + QStringLiteral(".ext")));
        if (!ext.open(QIODevice::WriteOnly))
            return false;
        ext.write(QByteArray("subjectAltName=") + san + "\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
        ext.close();
        return openssl({ "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                   "-keyout", (n + QStringLiteral(".key")).toLatin1(), "-out", (n + QStringLiteral(".csr")).toLatin1(),
                   "-subj", "/CN=Dealscope test server" })
            && openssl({ "x509", "-req", "-in", (n + QStringLiteral(".csr")).toLatin1(), "-CA", "ca.crt", "-CAkey",
                "ca.key", "-CAcreateserial", "-out", (n + QStringLiteral(".crt")).toLatin1(), "-days", "2", "-extfile",
                (n + QStringLiteral(".ext")).toLatin1() });
    }
    bool openssl(const QList<QByteArray> &args)
    {
        QStringList a;
        for (const QByteArray &x : args)
            a << QString::fromLatin1(x);
        QProcess p;
        p.setWorkingDirectory(m_dir.path());
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(QStringLiteral("openssl"), a);
        if (!p.waitForFinished(30000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
            qWarning().noquote() << "openssl" << a.join(QLatin1Char(' ')) << "failed:" << p.readAll();
            return false;
        }
        return true;
    }

    QTemporaryDir m_dir;
};

// redis-server with TLS on one loopback port and plain TCP on another, a password for the
// default user and the ACL user alice.
class TlsRedisServer
{
public:
    static constexpr const char *kDefaultPassword = "default-secret-3141";
    static constexpr const char *kUser = "alice";
    static constexpr const char *kUserPassword = "alice-secret-2718";

    ~TlsRedisServer() { stop(); }

    bool start(const QString &certFile, const QString &keyFile, const QString &caFile)
    {
        m_tlsPort = freePort();
        m_plainPort = freePort();
        QFile conf(m_dir.filePath(QStringLiteral("redis.conf")));
        if (!conf.open(QIODevice::WriteOnly))
            return false;
        conf.write(QStringLiteral("port %1\ntls-port %2\nbind 127.0.0.1\ndir %3\nsave \"\"\nappendonly no\n"
                                  "tls-cert-file %4\ntls-key-file %5\ntls-ca-cert-file %6\ntls-auth-clients no\n"
                                  "requirepass %7\nuser %8 on >%9 ~* &* +@all\n")
                       .arg(m_plainPort)
                       .arg(m_tlsPort)
                       .arg(m_dir.path(), certFile, keyFile, caFile, QString::fromLatin1(kDefaultPassword),
                           QString::fromLatin1(kUser), QString::fromLatin1(kUserPassword))
                       .toUtf8());
        conf.close();
        m_proc = std::make_unique<QProcess>();
        m_proc->setProcessChannelMode(QProcess::MergedChannels);
        m_proc->start(QStringLiteral("/usr/bin/redis-server"), { conf.fileName() });
        if (!m_proc->waitForStarted(5000))
            return false;
        const bool up = waitFor(
            [this] {
                if (m_proc->state() == QProcess::NotRunning)
                    return true;
                QTcpSocket s;
                s.connectToHost(QHostAddress::LocalHost, m_plainPort);
                if (!s.waitForConnected(100))
                    return false;
                s.write("PING\r\n");
                return s.waitForReadyRead(500) && s.readAll().startsWith("-NOAUTH");
            },
            10000);
        if (!up || m_proc->state() == QProcess::NotRunning) {
            qWarning().noquote() << "redis-server with TLS did not start:" << m_proc->readAll();
            return false;
        }
        return true;
    }
    void stop()
    {
        if (m_proc && m_proc->state() != QProcess::NotRunning) {
            m_proc->terminate();
            if (!m_proc->waitForFinished(10000))
                m_proc->kill();
            m_proc->waitForFinished(5000);
        }
        m_proc.reset();
    }
    quint16 tlsPort() const { return m_tlsPort; }
    quint16 plainPort() const { return m_plainPort; }
    // The endpoint of the ACL user over TLS, trusting `ca`.
    dealscope::server::RedisEndpoint endpoint(const QList<QSslCertificate> &ca) const
    {
        dealscope::server::RedisEndpoint ep;
        ep.host = QStringLiteral("127.0.0.1");
        ep.port = m_tlsPort;
        ep.tls = true;
        ep.user = QString::fromLatin1(kUser);
        ep.password = kUserPassword;
        ep.caCertificates = ca;
        ep.caFile = QStringLiteral("the test CA");
        return ep;
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_proc;
    quint16 m_tlsPort = 0;
    quint16 m_plainPort = 0;
};

} // namespace servertest
