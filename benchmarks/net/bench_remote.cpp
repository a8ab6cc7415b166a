// bench_remote: what following jobs on dealscope-server costs the client (issue 11). Prints
// figures; asserts nothing.
//
//  1. Finish→seen: N clients each start one job on a server with one worker (so the jobs finish
//     one after another, about a second apart) and follow it; per mode (plain polling with the
//     SPEC §6 backoff, long-poll) the HTTP requests per finished job (start included) and the delay
//     from the job's finishedAt on the server to the moment the client saw it (p50, p95, max).
//  2. One client following 1,000 active jobs (a server without workers: they stay queued) for a
//     while: requests/s and the client's CPU use.
//
// Usage: bench_remote [--server PATH] [--jobs N] [--follow-seconds S]

#include "domain/Listing.h"
#include "jobs/JobBackend.h"
#include "net/RemoteJobBackend.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <sys/resource.h>

using namespace dealscope;

namespace {

// Runs the event loop until `pred` holds (checked every 10 ms, not in a busy loop) or `ms` pass.
template <typename Pred> bool waitFor(Pred pred, int ms)
{
    QElapsedTimer t;
    t.start();
    QEventLoop loop;
    QTimer check;
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (pred() || t.elapsed() > ms)
            loop.quit();
    });
    check.start(10);
    if (!pred())
        loop.exec();
    return pred();
}

double cpuSeconds()
{
    rusage u {};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double percentile(QList<qint64> values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const auto index = qsizetype(std::clamp(p * double(values.size() - 1) + 0.5, 0.0, double(values.size() - 1)));
    return double(values[index]);
}

struct Server
{
    QTemporaryDir dir;
    QProcess process;
    QString token;
    quint16 port = 0;

    bool start(const QString &binary, int listings, int workers, const QString &failpoints)
    {
        const QString csv = dir.filePath(QStringLiteral("listings.csv"));
        QFile f(csv);
        if (!f.open(QIODevice::WriteOnly))
            return false;
        f.write("id,title,industry,asking price,cash flow,gross revenue\n");
        for (int i = 1; i <= listings; ++i)
            f.write(QStringLiteral("B%1,Bench Shop %1,Retail,%2,%3,%4\n")
                        .arg(i)
                        .arg(300000 + i * 100)
                        .arg(90000 + i * 10)
                        .arg(500000 + i * 50)
                        .toUtf8());
        f.close();
        const QString tokens = dir.filePath(QStringLiteral("tokens.json"));
        QProcess add;
        add.start(binary,
            { QStringLiteral("token"), QStringLiteral("add"), QStringLiteral("--tenant"), QStringLiteral("bench"),
                QStringLiteral("--tokens"), tokens });
        add.waitForFinished(30000);
        token = QString::fromLatin1(add.readAllStandardOutput().trimmed());
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("DEALSCOPE_FAILPOINTS"), failpoints);
        process.setProcessEnvironment(env);
        process.start(binary,
            { QStringLiteral("--listings"), csv, QStringLiteral("--tokens"), tokens, QStringLiteral("--workers"),
                QString::number(workers), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0") });
        QByteArray out;
        static const QRegularExpression re(QStringLiteral("listening on [^\\s]+:(\\d+)"));
        return waitFor(
                   [&] {
                       out += process.readAllStandardOutput();
                       const auto m = re.match(QString::fromUtf8(out));
                       if (m.hasMatch())
                           port = quint16(m.captured(1).toUInt());
                       return m.hasMatch() || process.state() == QProcess::NotRunning;
                   },
                   30000)
            && port != 0;
    }
    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)); }
    ~Server()
    {
        process.terminate();
        if (!process.waitForFinished(20000))
            process.kill();
    }
};

void finishToSeen(const QString &binary, int jobs, bool longPoll)
{
    Server server;
    // One worker, a second per job: the jobs finish one after another, ~1 s apart.
    if (!server.start(binary, jobs, 1, QStringLiteral("analysis.step.summary=delay(1000)"))) {
        std::fprintf(stderr, "server did not start\n");
        return;
    }
    std::vector<std::unique_ptr<RemoteJobBackend>> clients;
    QList<qint64> delays;
    quint64 requests = 0;
    int finished = 0;
    for (int i = 1; i <= jobs; ++i) {
        RemoteJobBackend::Options options;
        options.longPoll = longPoll;
        auto client = std::make_unique<RemoteJobBackend>(server.url(), options);
        client->setToken(server.token);
        RemoteJobBackend *c = client.get();
        QObject::connect(c, &JobBackend::jobUpdated, c, [&delays, &finished, c](const Job &job) {
            if (!isTerminal(job.status))
                return;
            delays.append(QDateTime::currentMSecsSinceEpoch() - job.finishedAt.value_or(job.updatedAt));
            ++finished;
            c->unwatch(job.id);
        });
        c->start({ QStringLiteral("B%1").arg(i), QStringLiteral("valuation"), nlohmann::json::object(), true, {} }, c,
            [c](const BackendReply &reply) {
                if (reply.ok() && reply.job)
                    c->watch(reply.job->id);
                else
                    std::fprintf(stderr, "start failed: %s\n", qPrintable(reply.message));
            });
        clients.push_back(std::move(client));
    }
    waitFor([&] { return finished == jobs; }, jobs * 4000 + 60000);
    for (const auto &c : clients)
        requests += c->requestsSent();
    std::printf(
        "%-10s jobs %3d finished %3d  requests/job %5.1f  finish->seen p50 %6.0f ms  p95 %6.0f ms  max %6.0f ms\n",
        longPoll ? "long-poll" : "polling", jobs, finished, double(requests) / std::max(finished, 1),
        percentile(delays, 0.50), percentile(delays, 0.95), percentile(delays, 1.0));
    std::fflush(stdout);
}

void thousandActive(const QString &binary, int count, int seconds)
{
    Server server;
    if (!server.start(binary, count, 0, {})) { // no workers: every job stays queued
        std::fprintf(stderr, "server did not start\n");
        return;
    }
    RemoteJobBackend client(server.url());
    client.setToken(server.token);
    int started = 0;
    for (int i = 1; i <= count; ++i) {
        client.start(
            { QStringLiteral("B%1").arg(i), QStringLiteral("risk_assessment"), nlohmann::json::object(), true, {} },
            &client, [&client, &started](const BackendReply &reply) {
                if (reply.ok() && reply.job)
                    client.watch(reply.job->id);
                ++started;
            });
    }
    waitFor([&] { return started == count; }, 120000);
    const quint64 before = client.requestsSent();
    const double cpuBefore = cpuSeconds();
    QElapsedTimer wall;
    wall.start();
    {
        // A plain event loop: the client's own work is all that runs.
        QEventLoop loop;
        QTimer::singleShot(seconds * 1000, &loop, &QEventLoop::quit);
        loop.exec();
    }
    const double secs = double(wall.elapsed()) / 1000.0;
    const quint64 requests = client.requestsSent() - before;
    std::printf("following %d active jobs for %.0f s: %llu requests (%.2f/s, batches of 100), client CPU %.2f %% of a "
                "core, watched %lld\n",
        count, secs, static_cast<unsigned long long>(requests), double(requests) / secs,
        100.0 * (cpuSeconds() - cpuBefore) / secs, static_cast<long long>(client.watched().size()));
    std::fflush(stdout);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addOption({ QStringLiteral("server"), QStringLiteral("dealscope-server binary"), QStringLiteral("PATH"),
        QStringLiteral(DEALSCOPE_SERVER_BINARY) });
    parser.addOption({ QStringLiteral("jobs"), QStringLiteral("jobs per mode (finish->seen)"), QStringLiteral("N"),
        QStringLiteral("20") });
    parser.addOption({ QStringLiteral("active"), QStringLiteral("active jobs followed by one client"),
        QStringLiteral("N"), QStringLiteral("1000") });
    parser.addOption({ QStringLiteral("follow-seconds"), QStringLiteral("how long to follow them"), QStringLiteral("S"),
        QStringLiteral("30") });
    parser.addHelpOption();
    parser.process(app);
    const QString binary = parser.value(QStringLiteral("server"));
    const int jobs = parser.value(QStringLiteral("jobs")).toInt();
    finishToSeen(binary, jobs, /*longPoll=*/false);
    finishToSeen(binary, jobs, /*longPoll=*/true);
    thousandActive(
        binary, parser.value(QStringLiteral("active")).toInt(), parser.value(QStringLiteral("follow-seconds")).toInt());
    return 0;
}
