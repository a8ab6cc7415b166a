#pragma once

// Helpers of the server integration tests: a real redis-server and the real dealscope-server
// binary on free loopback ports in temp folders, and HTTP over QNetworkAccessManager or raw sockets.

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <nlohmann/json.hpp>

#include <csignal>
#include <memory>

namespace servertest {

inline quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

// Waits (processing events) until `pred` holds or `ms` passed.
template <typename Pred> bool waitFor(Pred pred, int ms)
{
    QElapsedTimer t;
    t.start();
    while (!pred()) {
        if (t.elapsed() > ms)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QTest::qSleep(5);
    }
    return true;
}

class RedisServer
{
public:
    ~RedisServer() { stop(); }

    bool start(bool aof)
    {
        if (!m_port)
            m_port = freePort();
        m_aof = aof;
        m_proc = std::make_unique<QProcess>();
        m_proc->setProcessChannelMode(QProcess::MergedChannels);
        QStringList args { QStringLiteral("--port"), QString::number(m_port), QStringLiteral("--bind"),
            QStringLiteral("127.0.0.1"), QStringLiteral("--dir"), m_dir.path(), QStringLiteral("--save"), QString(),
            QStringLiteral("--appendonly"), aof ? QStringLiteral("yes") : QStringLiteral("no") };
        if (aof)
            args << QStringLiteral("--appendfsync") << QStringLiteral("always");
        m_proc->start(QStringLiteral("/usr/bin/redis-server"), args);
        if (!m_proc->waitForStarted(5000))
            return false;
        return waitFor(
            [this] {
                QTcpSocket s;
                s.connectToHost(QHostAddress::LocalHost, m_port);
                if (!s.waitForConnected(100))
                    return false;
                s.write("PING\r\n");
                return s.waitForReadyRead(500) && s.readAll().startsWith("+PONG");
            },
            10000);
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
    bool restart()
    {
        stop();
        return start(m_aof);
    }
    // SIGKILL (restart with start(), same port and folder: AOF replay).
    void crash()
    {
        if (m_proc) {
            m_proc->kill();
            m_proc->waitForFinished(5000);
        }
        m_proc.reset();
    }
    bool crashAndRestart()
    {
        crash();
        return start(m_aof);
    }
    // SIGSTOP / SIGCONT: connections are still accepted (by the kernel) but nothing answers.
    void pause(bool paused)
    {
        if (m_proc && m_proc->processId() > 0)
            ::kill(pid_t(m_proc->processId()), paused ? SIGSTOP : SIGCONT);
    }
    bool aof() const { return m_aof; }
    quint16 port() const { return m_port; }
    QString url() const { return QStringLiteral("redis://127.0.0.1:%1").arg(m_port); }
    // One command through redis-cli (for assertions on the Redis layout).
    QByteArray cli(const QStringList &args) const
    {
        QProcess p;
        p.start(QStringLiteral("redis-cli"), QStringList { QStringLiteral("-p"), QString::number(m_port) } + args);
        p.waitForFinished(5000);
        return p.readAllStandardOutput().trimmed();
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_proc;
    quint16 m_port = 0;
    bool m_aof = false;
};

class ServerProcess
{
public:
    ~ServerProcess() { kill(); }

    // Starts dealscope-server on a free port and waits for its "listening on" (API roles) or
    // "workers" (worker role) line.
    bool start(const QStringList &args, const QMap<QString, QString> &env = {}, bool expectListen = true)
    {
        m_proc = std::make_unique<QProcess>();
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.remove(QStringLiteral("DEALSCOPE_FAILPOINTS"));
        for (auto it = env.cbegin(); it != env.cend(); ++it)
            e.insert(it.key(), it.value());
        m_proc->setProcessEnvironment(e);
        m_proc->setProcessChannelMode(QProcess::SeparateChannels);
        QStringList all = args;
        if (expectListen && !args.contains(QStringLiteral("--listen")))
            all << QStringLiteral("--listen") << QStringLiteral("127.0.0.1:0");
        m_proc->start(QStringLiteral(DEALSCOPE_SERVER_BINARY), all);
        if (!m_proc->waitForStarted(5000))
            return false;
        static const QRegularExpression listenRe(QStringLiteral("listening on [^\\s]+:(\\d+)"));
        const bool ok = waitFor(
            [&] {
                m_stdout += m_proc->readAllStandardOutput();
                if (m_proc->state() == QProcess::NotRunning)
                    return true;
                if (expectListen) {
                    const auto m = listenRe.match(QString::fromUtf8(m_stdout));
                    if (m.hasMatch())
                        m_port = quint16(m.captured(1).toUInt());
                    return m.hasMatch();
                }
                return m_stdout.contains("workers on the");
            },
            15000);
        if (!ok || m_proc->state() == QProcess::NotRunning) {
            m_stderr += m_proc->readAllStandardError();
            qWarning().noquote() << "server failed to start:" << m_stdout << m_stderr;
            return false;
        }
        return true;
    }
    QUrl url(const QString &pathAndQuery) const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(pathAndQuery));
    }
    quint16 port() const { return m_port; }
    qint64 pid() const { return m_proc ? m_proc->processId() : 0; }
    QProcess *process() { return m_proc.get(); }
    void sendSignal(int sig) const
    {
        if (m_proc && m_proc->state() != QProcess::NotRunning)
            ::kill(pid_t(m_proc->processId()), sig);
    }
    // SIGTERM and wait: returns the exit code (-1 if it had to be killed).
    int terminate(int ms = 20000)
    {
        if (!m_proc || m_proc->state() == QProcess::NotRunning)
            return m_proc ? m_proc->exitCode() : -1;
        sendSignal(SIGTERM);
        if (!m_proc->waitForFinished(ms)) {
            m_proc->kill();
            m_proc->waitForFinished(5000);
            return -1;
        }
        return m_proc->exitStatus() == QProcess::NormalExit ? m_proc->exitCode() : -1;
    }
    void kill()
    {
        if (m_proc && m_proc->state() != QProcess::NotRunning) {
            m_proc->kill();
            m_proc->waitForFinished(5000);
        }
    }
    QByteArray stderrText()
    {
        if (m_proc)
            m_stderr += m_proc->readAllStandardError();
        return m_stderr;
    }
    qint64 rssKb() const
    {
        QFile f(QStringLiteral("/proc/%1/status").arg(pid()));
        if (!f.open(QIODevice::ReadOnly))
            return -1;
        for (const QByteArray &line : f.readAll().split('\n')) {
            if (line.startsWith("VmRSS:"))
                return line.mid(6).trimmed().split(' ').value(0).toLongLong();
        }
        return -1;
    }

private:
    std::unique_ptr<QProcess> m_proc;
    QByteArray m_stdout;
    QByteArray m_stderr;
    quint16 m_port = 0;
};

struct HttpResult
{
    int status = 0;
    QByteArray body;
    QHash<QByteArray, QByteArray> headers; // lower-case names
    qint64 elapsedMs = 0;
    QString networkError;

    nlohmann::json json() const
    {
        return nlohmann::json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
    }
    std::string errorCode() const
    {
        const auto j = json();
        if (j.is_object() && j.contains("error") && j["error"].is_object() && j["error"].contains("code"))
            return j["error"]["code"].get<std::string>();
        return {};
    }
};

class Http
{
public:
    QNetworkReply *send(const QByteArray &method, const QUrl &url, const QByteArray &body = {},
        const QList<QPair<QByteArray, QByteArray>> &headers = {})
    {
        QNetworkRequest req(url);
        bool hasType = false;
        for (const auto &h : headers) {
            req.setRawHeader(h.first, h.second);
            hasType |= h.first.compare("content-type", Qt::CaseInsensitive) == 0;
        }
        if (!hasType && !body.isNull())
            req.setRawHeader("Content-Type", "application/json");
        req.setTransferTimeout(60000);
        if (method == "GET")
            return m_nam.get(req);
        if (method == "POST")
            return m_nam.post(req, body);
        return m_nam.sendCustomRequest(req, method, body);
    }
    static HttpResult collect(QNetworkReply *reply, int timeoutMs = 40000)
    {
        QElapsedTimer t;
        t.start();
        if (!reply->isFinished()) {
            QEventLoop loop;
            QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
            QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
            loop.exec();
        }
        HttpResult r;
        r.elapsedMs = t.elapsed();
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        for (const auto &h : reply->rawHeaderPairs())
            r.headers.insert(h.first.toLower(), h.second);
        if (reply->error() != QNetworkReply::NoError && r.status == 0)
            r.networkError = reply->errorString();
        reply->deleteLater();
        return r;
    }
    HttpResult request(const QByteArray &method, const QUrl &url, const QByteArray &body = {},
        const QList<QPair<QByteArray, QByteArray>> &headers = {}, int timeoutMs = 40000)
    {
        return collect(send(method, url, body, headers), timeoutMs);
    }

private:
    QNetworkAccessManager m_nam;
};

// Raw HTTP over one socket: for requests QNetworkAccessManager will not send (oversized
// headers, lying Content-Length, chunked uploads) and for truly simultaneous requests.
struct RawResponse
{
    int status = 0;
    QByteArray head;
    QByteArray body;
    nlohmann::json json() const
    {
        return nlohmann::json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
    }
    std::string errorCode() const
    {
        const auto j = json();
        return j.is_object() && j.contains("error") ? j["error"].value("code", std::string()) : std::string();
    }
};

inline RawResponse parseRaw(const QByteArray &data)
{
    RawResponse r;
    const qsizetype end = data.indexOf("\r\n\r\n");
    r.head = end >= 0 ? data.left(end) : data;
    r.body = end >= 0 ? data.mid(end + 4) : QByteArray();
    const QList<QByteArray> first = r.head.split('\n').value(0).split(' ');
    r.status = first.value(1).toInt();
    return r;
}

// Sends `request`, then keeps sending `extraBody` bytes in chunks while reading, until the server
// answers and closes (or `ms` pass). Returns the raw answer.
inline RawResponse rawExchange(quint16 port, const QByteArray &request, qint64 extraBodyBytes = 0, int ms = 15000)
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    if (!s.waitForConnected(5000))
        return {};
    s.write(request);
    QByteArray in;
    const QByteArray chunk(64 * 1024, 'x');
    qint64 sent = 0;
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms && s.state() == QAbstractSocket::ConnectedState) {
        if (sent < extraBodyBytes && s.bytesToWrite() < 1024 * 1024) {
            s.write(chunk);
            sent += chunk.size();
        }
        s.waitForBytesWritten(10);
        if (s.waitForReadyRead(sent < extraBodyBytes ? 1 : 100))
            in += s.readAll();
        if (in.contains("\r\n\r\n")) {
            const RawResponse partial = parseRaw(in);
            const QByteArray lenHeader = "content-length: ";
            const qsizetype at = partial.head.toLower().indexOf(lenHeader);
            if (at >= 0) {
                const qint64 len = partial.head.mid(at + lenHeader.size()).split('\r').value(0).toLongLong();
                if (partial.body.size() >= len)
                    break;
            }
        }
    }
    in += s.readAll();
    return parseRaw(in);
}

} // namespace servertest
