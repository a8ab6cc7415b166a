// RemoteJobBackend facing servers that misbehave (a scripted loopback server): the original web
// app's API without batch status, lookup or long-poll; malformed, empty, deep, huge and hostile
// answers; 429/503 with Retry-After; connections that drop ("reconnecting", never failed or
// lost); TLS that fails. What the user would see: states, errors and messages.

#include "FakeJobServer.h"
#include "jobs/JobBackend.h"
#include "net/RemoteJobBackend.h"

#include <QCoreApplication>
#include <QSignalSpy>
#include <QTest>

using namespace dealscope;
using namespace remotetest;
namespace {
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

Job makeJob(const QString &id, JobStatus status, double progress)
{
    Job j;
    j.id = id;
    j.listingId = QStringLiteral("L1");
    j.analysisType = QStringLiteral("valuation");
    j.status = status;
    j.progress = progress;
    j.createdAt = 1'764'000'000'000;
    j.updatedAt = j.createdAt + qint64(progress) * 10;
    if (status == JobStatus::Succeeded)
        j.result = nlohmann::json { { "score", 70 } };
    return j;
}
QByteArray wire(const Job &job)
{
    return QByteArray::fromStdString(jobToJson(job).dump());
}
const QString kJob1 = QStringLiteral("AAAAAAAAAAAAAAAAAAAA1");
const QString kJob2 = QStringLiteral("AAAAAAAAAAAAAAAAAAAA2");

std::optional<BackendReply> await(std::function<void(JobBackend::Callback)> call, int ms = 20000)
{
    std::optional<BackendReply> out;
    call([&out](const BackendReply &r) { out = r; });
    waitFor([&] { return out.has_value(); }, ms);
    return out;
}
} // namespace

class TestRemoteBackendFaults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { qRegisterMetaType<dealscope::Job>(); }

    // The web app: `status?jobId=` only (jobIds → 400 missing jobId), `wait` ignored, no lookup.
    void legacyApiIsDetectedAndPolledPerJob()
    {
        QHash<QString, int> polls;
        FakeJobServer server([&](const FakeRequest &r) {
            if (r.path == u"/api/analysis/status" && r.query.hasQueryItem(QStringLiteral("jobId"))) {
                const QString id = r.query.queryItemValue(QStringLiteral("jobId"));
                const int n = ++polls[id];
                const Job job
                    = n >= 3 ? makeJob(id, JobStatus::Succeeded, 100) : makeJob(id, JobStatus::Running, n * 30);
                return FakeAnswer::json(200, wire(job));
            }
            if (r.path == u"/api/analysis/status")
                return FakeAnswer::json(400, R"({"error":"jobId is required"})");
            return FakeAnswer::json(404, "<html>Not Found</html>");
        });
        RemoteJobBackend b(server.url());
        QHash<QString, Job> last;
        connect(&b, &JobBackend::jobUpdated, this, [&](const Job &job) { last.insert(job.id, job); });
        b.watch(kJob1);
        b.watch(kJob2);
        QVERIFY(waitFor(
            [&] {
                return last.value(kJob1).status == JobStatus::Succeeded
                    && last.value(kJob2).status == JobStatus::Succeeded;
            },
            30000));
        QCOMPARE(b.batchSupport(), RemoteJobBackend::Support::No);
        QCOMPARE(b.connectionState(), QStringLiteral("online"));

        // Lookup: no such route there.
        const auto looked
            = await([&](auto cb) { b.lookup(QStringLiteral("L1"), QStringLiteral("valuation"), this, cb); });
        QVERIFY(looked);
        QCOMPARE(looked->error, BackendReply::Error::NotFound);
        QCOMPARE(b.lookupSupport(), RemoteJobBackend::Support::No);
        QVERIFY2(looked->message.contains(QStringLiteral("does not offer lookup")), qPrintable(looked->message));

        // One job with `wait` ignored: the client notices the instant answers and stops long-polling.
        const QString slow = QStringLiteral("AAAAAAAAAAAAAAAAAAAA3");
        int slowPolls = 0;
        server.setHandler([&](const FakeRequest &r) {
            const int n = ++slowPolls;
            const Job job = n >= 12 ? makeJob(slow, JobStatus::Succeeded, 100) : makeJob(slow, JobStatus::Running, 50);
            Q_UNUSED(r);
            return FakeAnswer::json(200, wire(job), { "ETag: \"same\"" });
        });
        b.watch(slow);
        QVERIFY(waitFor([&] { return last.value(slow).status == JobStatus::Succeeded; }, 60000));
        QCOMPARE(b.longPollSupport(), RemoteJobBackend::Support::No);
    }

    void hostileAnswersGiveClearErrors_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<int>("error");
        QTest::addColumn<QString>("message");
        const auto ok = [](const QByteArray &body) { return FakeAnswer::json(200, body).raw; };
        QTest::newRow("empty") << ok("") << int(BackendReply::Error::Internal) << QStringLiteral("empty answer");
        QTest::newRow("not json") << ok("<html>hello</html>") << int(BackendReply::Error::Internal)
                                  << QStringLiteral("not a JSON object");
        QTest::newRow("array") << ok("[1,2,3]") << int(BackendReply::Error::Internal)
                               << QStringLiteral("not a JSON object");
        QTest::newRow("deep") << ok(QByteArray(100000, '[') + QByteArray(100000, ']'))
                              << int(BackendReply::Error::Internal) << QStringLiteral("nested deeper");
        QTest::newRow("bad job") << ok(R"({"id":5,"status":"exploded"})") << int(BackendReply::Error::Internal)
                                 << QStringLiteral("not valid");
        QTest::newRow("other job") << ok(wire(makeJob(kJob2, JobStatus::Running, 1)))
                                   << int(BackendReply::Error::Internal) << QStringLiteral("another job");
        QTest::newRow("huge") << ok("{\"pad\":\"" + QByteArray(3 * 1024 * 1024, 'x') + "\"}")
                              << int(BackendReply::Error::Internal) << QStringLiteral("larger than 1 MiB");
        QTest::newRow("proxy 502") << FakeAnswer::json(502, "<html>Bad gateway</html>").raw
                                   << int(BackendReply::Error::Unavailable) << QStringLiteral("HTTP 502");
        QTest::newRow("500")
            << FakeAnswer::json(500, R"({"error":{"code":"internal_error","message":"boom","requestId":"r1"}})").raw
            << int(BackendReply::Error::Internal) << QStringLiteral("boom");
        QTest::newRow("garbage status line") << QByteArray("SSH-2.0-OpenSSH\r\n\r\n")
                                             << int(BackendReply::Error::Network) << QStringLiteral("cannot reach");
    }
    void hostileAnswersGiveClearErrors()
    {
        QFETCH(QByteArray, raw);
        QFETCH(int, error);
        QFETCH(QString, message);
        FakeJobServer server([&](const FakeRequest &) { return FakeAnswer { raw, false }; });
        RemoteJobBackend::Options options;
        options.maxReplyBytes = 1024 * 1024;
        RemoteJobBackend b(server.url(), options);
        const auto r = await([&](auto cb) { b.fetch(kJob1, this, cb); });
        QVERIFY(r);
        QCOMPARE(int(r->error), error);
        QVERIFY2(r->message.contains(message), qPrintable(r->message));
        QVERIFY(!r->job);
        QVERIFY(r->message.size() < 1000); // a hostile body is not echoed whole
    }

    void retryAfterIsWaitedFor()
    {
        int n = 0;
        FakeJobServer server([&](const FakeRequest &) {
            ++n;
            if (n == 1)
                return FakeAnswer::json(
                    429, R"({"error":{"code":"rate_limited","message":"slow down"}})", { "Retry-After: 2" });
            if (n == 2)
                return FakeAnswer::json(
                    503, R"({"error":{"code":"store_unavailable","message":"later"}})", { "Retry-After: 1" });
            return FakeAnswer::json(200, wire(makeJob(kJob1, JobStatus::Succeeded, 100)));
        });
        RemoteJobBackend::Options options;
        options.longPoll = false;
        RemoteJobBackend b(server.url(), options);
        std::optional<Job> done;
        connect(&b, &JobBackend::jobUpdated, this, [&](const Job &job) { done = job; });
        b.watch(kJob1);
        QVERIFY(waitFor([&] { return done.has_value(); }, 20000));
        QCOMPARE(server.requests.size(), 3);
        QVERIFY2(server.requests[1].atMs - server.requests[0].atMs >= 1950,
            qPrintable(QString::number(server.requests[1].atMs - server.requests[0].atMs)));
        QVERIFY(server.requests[2].atMs - server.requests[1].atMs >= 950);

        // A one-shot call says which it was.
        FakeJobServer limited([](const FakeRequest &) {
            return FakeAnswer::json(
                429, R"({"error":{"code":"rate_limited","message":"slow down"}})", { "Retry-After: 7" });
        });
        RemoteJobBackend c(limited.url());
        const auto r = await([&](auto cb) { c.fetch(kJob1, this, cb); });
        QCOMPARE(r->error, BackendReply::Error::RateLimited);
        QCOMPARE(r->code, QStringLiteral("rate_limited"));
        QVERIFY(r->retryAfter);
        QCOMPARE(r->retryAfter->count(), 7000);
    }

    void startIsRetriedWithTheSameIdempotencyKey()
    {
        int n = 0;
        FakeJobServer server([&](const FakeRequest &) {
            if (++n == 1)
                return FakeAnswer::dropped(); // the answer is lost
            if (n == 2)
                return FakeAnswer::json(
                    503, R"({"error":{"code":"store_unavailable","message":"later"}})", { "Retry-After: 0" });
            return FakeAnswer::json(202,
                "{\"deduplicated\":false,\"job\":" + wire(makeJob(kJob1, JobStatus::Queued, 0)) + ",\"jobId\":\""
                    + kJob1.toLatin1() + "\"}");
        });
        RemoteJobBackend b(server.url());
        const auto r = await([&](auto cb) {
            b.start(
                { QStringLiteral("L1"), QStringLiteral("valuation"), nlohmann::json::object(), false, {} }, this, cb);
        });
        QVERIFY(r && r->ok());
        QCOMPARE(r->job->id, kJob1);
        QCOMPARE(server.requests.size(), 3);
        const QByteArray key = server.requests[0].headers.value("idempotency-key");
        QVERIFY(!key.isEmpty());
        QCOMPARE(server.requests[1].headers.value("idempotency-key"), key);
        QCOMPARE(server.requests[2].headers.value("idempotency-key"), key);
        QVERIFY(server.requests[0].headers.value("x-request-id") != server.requests[2].headers.value("x-request-id"));
    }

    void droppedConnectionsAreReconnectingNeverLost()
    {
        // Every connection is cut for the first 2.5 s (a server restarting, a flaky proxy).
        FakeJobServer server([&](const FakeRequest &r) {
            if (r.atMs < 2500)
                return FakeAnswer::dropped();
            return FakeAnswer::json(200, wire(makeJob(kJob1, JobStatus::Succeeded, 100)));
        });
        RemoteJobBackend::Options options;
        options.longPoll = false;
        RemoteJobBackend b(server.url(), options);
        QStringList states;
        QStringList jobStates;
        connect(&b, &JobBackend::connectionStateChanged, this, [&](const QString &s) { states << s; });
        connect(&b, &RemoteJobBackend::jobConnectionStateChanged, this,
            [&](const QString &id, const QString &s) { jobStates << id + u' ' + s; });
        QSignalSpy lost(&b, &JobBackend::jobLost);
        std::optional<Job> done;
        connect(&b, &JobBackend::jobUpdated, this, [&](const Job &job) { done = job; });
        b.watch(kJob1);
        QVERIFY(waitFor([&] { return states.contains(QStringLiteral("reconnecting")); }, 20000));
        QVERIFY(b.isReconnecting(kJob1));
        QVERIFY(!b.lastError().isEmpty());
        QVERIFY(waitFor([&] { return done.has_value(); }, 30000));
        QCOMPARE(done->status, JobStatus::Succeeded);
        QCOMPARE(states, (QStringList { QStringLiteral("reconnecting"), QStringLiteral("online") }));
        QCOMPARE(jobStates, (QStringList { kJob1 + u" reconnecting", kJob1 + u" online" }));
        QCOMPARE(lost.count(), 0);
        // The backoff grew between the failures (0.5 s, 0.75 s, 1.1 s ±10 %): a few polls, no
        // hammering (Qt retries a GET on a cut connection once, so up to two requests a poll).
        const auto failed = std::count_if(
            server.requests.cbegin(), server.requests.cend(), [](const FakeRequest &r) { return r.atMs < 2500; });
        QVERIFY2(failed >= 2 && failed <= 8, qPrintable(QString::number(failed)));
    }

    void unauthorizedAsksForATokenAndResumes()
    {
        FakeJobServer server([](const FakeRequest &r) {
            if (r.headers.value("authorization") != "Bearer good")
                return FakeAnswer::json(
                    401, R"({"error":{"code":"unauthorized","message":"no token"}})", { "WWW-Authenticate: Bearer" });
            return FakeAnswer::json(200, wire(makeJob(kJob1, JobStatus::Succeeded, 100)));
        });
        RemoteJobBackend::Options options;
        options.longPoll = false;
        RemoteJobBackend b(server.url(), options);
        QSignalSpy states(&b, &JobBackend::connectionStateChanged);
        std::optional<Job> done;
        connect(&b, &JobBackend::jobUpdated, this, [&](const Job &job) { done = job; });
        b.watch(kJob1);
        QVERIFY(waitFor([&] { return b.connectionState() == u"unauthorized"; }, 20000));
        QVERIFY(!done);
        b.setToken(QStringLiteral("good")); // polls at once
        QVERIFY(waitFor([&] { return done.has_value(); }, 5000));
        QCOMPARE(b.connectionState(), QStringLiteral("online"));
    }

    void tlsErrorsAreShownNotIgnored()
    {
        // A plain HTTP server behind an https:// URL: the handshake fails, and says so.
        FakeJobServer server([](const FakeRequest &) { return FakeAnswer::json(200, "{}"); });
        RemoteJobBackend b(server.url(QStringLiteral("https")));
        const auto r = await([&](auto cb) { b.fetch(kJob1, this, cb); });
        QVERIFY(r);
        QCOMPARE(r->error, BackendReply::Error::Network);
        QVERIFY2(r->message.contains(QStringLiteral("TLS")) || r->message.contains(QStringLiteral("SSL")),
            qPrintable(r->message));
        b.watch(kJob1);
        QVERIFY(waitFor([&] { return b.connectionState() == u"tls-error"; }, 20000));
        QVERIFY(server.requests.isEmpty()); // nothing was sent in the clear
        QVERIFY(server.tlsHellos > 0);
    }
};

QTEST_GUILESS_MAIN(TestRemoteBackendFaults)
#include "tst_remotebackend_faults.moc"
