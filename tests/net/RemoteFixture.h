#pragma once

// The real dealscope-server (and, when asked, a real redis-server) for the client tests: a token
// file with one tenant, a small listings file, free loopback ports, temp folders.

#include "../server/ServerTestSupport.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>

namespace remotetest {

using namespace servertest;

inline QByteArray listingsCsv()
{
    return "id,title,industry,asking price,cash flow,gross revenue,year established,location\n"
           "L1,Corner Cafe,Restaurant,450000,120000,600000,2005,\"Austin, TX\"\n"
           "L2,Car Wash Express,Car Washes,1200000,300000,900000,2012,\"Denver, CO\"\n"
           "L3,Plumbing Services,Plumbing,800000,250000,1500000,1998,\"Tampa, FL\"\n"
           "L4,Quiet Bookshop,Retail,150000,40000,300000,2019,\"Portland, OR\"\n"
           "L5,Landscaping Crew,Landscaping,350000,110000,700000,2010,\"Raleigh, NC\"\n"
           "L6,Dry Cleaner,Dry Cleaning,275000,90000,410000,2001,\"Columbus, OH\"\n"
           "L7,Pet Grooming,Pet Services,220000,80000,350000,2015,\"Boise, ID\"\n";
}

class RemoteServer
{
public:
    RemoteServer()
    {
        m_listings = m_dir.filePath(QStringLiteral("listings.csv"));
        m_tokens = m_dir.filePath(QStringLiteral("tokens.json"));
        QFile f(m_listings);
        if (f.open(QIODevice::WriteOnly))
            f.write(listingsCsv());
    }

    // Makes a token for `tenant` (dealscope-server token add).
    QByteArray addToken(const QString &tenant = QStringLiteral("acme"))
    {
        QProcess p;
        p.start(QStringLiteral(DEALSCOPE_SERVER_BINARY),
            { QStringLiteral("token"), QStringLiteral("add"), QStringLiteral("--tenant"), tenant,
                QStringLiteral("--tokens"), m_tokens });
        p.waitForFinished(20000);
        m_token = p.readAllStandardOutput().trimmed();
        return m_token;
    }

    // Starts the server; `failpoints` slow or break analysis steps (DEALSCOPE_FAILPOINTS).
    // `listen`: "127.0.0.1:PORT" to come back on the same port after a kill.
    bool start(const QStringList &extra = {}, const QString &failpoints = {}, const QString &listen = {})
    {
        if (m_token.isEmpty())
            addToken();
        QStringList args { QStringLiteral("--listings"), m_listings, QStringLiteral("--tokens"), m_tokens,
            QStringLiteral("--workers"), QStringLiteral("2") };
        if (!listen.isEmpty())
            args << QStringLiteral("--listen") << listen;
        args << extra;
        QMap<QString, QString> env;
        if (!failpoints.isEmpty())
            env.insert(QStringLiteral("DEALSCOPE_FAILPOINTS"), failpoints);
        m_process = std::make_unique<ServerProcess>();
        if (!m_process->start(args, env))
            return false;
        m_port = m_process->port();
        m_args = extra;
        m_failpoints = failpoints;
        return true;
    }
    // SIGKILL, then a new process on the same port (and the same store arguments).
    bool killAndRestart()
    {
        m_process->kill();
        // The port may linger a moment in the kernel; the restart retries.
        for (int i = 0; i < 20; ++i) {
            if (start(m_args, m_failpoints, QStringLiteral("127.0.0.1:%1").arg(m_port)))
                return true;
            QTest::qWait(250);
        }
        return false;
    }
    void kill() { m_process->kill(); }
    bool restartOnSamePort()
    {
        for (int i = 0; i < 20; ++i) {
            if (start(m_args, m_failpoints, QStringLiteral("127.0.0.1:%1").arg(m_port)))
                return true;
            QTest::qWait(250);
        }
        return false;
    }

    QUrl base() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port)); }
    QByteArray token() const { return m_token; }
    QString listingsFile() const { return m_listings; }
    QString dir() const { return m_dir.path(); }
    ServerProcess &process() { return *m_process; }

    // dealscope_http_requests_total of one route, every status (from /metrics).
    qint64 requestCount(const QString &route)
    {
        Http http;
        const HttpResult r = http.request("GET", base().resolved(QUrl(QStringLiteral("/metrics"))));
        const QRegularExpression re(
            QStringLiteral("^dealscope_http_requests_total\\{route=\"%1\",status=\"\\d+\"\\} (\\d+)")
                .arg(QRegularExpression::escape(route)),
            QRegularExpression::MultilineOption);
        qint64 total = 0;
        auto it = re.globalMatch(QString::fromUtf8(r.body));
        while (it.hasNext())
            total += it.next().captured(1).toLongLong();
        return total;
    }

private:
    QTemporaryDir m_dir;
    QString m_listings;
    QString m_tokens;
    QByteArray m_token;
    std::unique_ptr<ServerProcess> m_process;
    quint16 m_port = 0;
    QStringList m_args;
    QString m_failpoints;
};

} // namespace remotetest
