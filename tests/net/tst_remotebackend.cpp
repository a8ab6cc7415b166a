// RemoteJobBackend against the real dealscope-server: start (with an inline listing), follow,
// dedup, cancel, lookup, a wrong token, 404 → expired, and batch polling counted at /metrics.
#include "RemoteFixture.h"
#include "jobs/JobBackend.h"
#include "net/RemoteJobBackend.h"

#include <QSignalSpy>

using namespace dealscope;
using namespace remotetest;

namespace {
std::optional<BackendReply> await(std::function<void(JobBackend::Callback)> call, int ms = 30000)
{
    std::optional<BackendReply> out;
    bool synchronous = true;
    call([&out, &synchronous](const BackendReply &r) {
        QVERIFY2(!synchronous, "callback ran inside the call");
        out = r;
    });
    synchronous = false;
    waitFor([&] { return out.has_value(); }, ms);
    return out;
}

Listing foreignListing(const QString &id)
{
    Listing l;
    l.id = id;
    l.title = QStringLiteral("Harbour Bakery (imported on the desktop)");
    l.industry = QStringLiteral("Bakery");
    l.askingPrice = 390000;
    l.cashFlow = 130000;
    l.grossRevenue = 520000;
    return l;
}
} // namespace

class TestRemoteBackend : public QObject
{
    Q_OBJECT

private:
    RemoteServer m_server;
    std::unique_ptr<RemoteJobBackend> backend(RemoteJobBackend::Options options = {})
    {
        auto b = std::make_unique<RemoteJobBackend>(m_server.base(), options);
        b->setToken(QString::fromLatin1(m_server.token()));
        return b;
    }
    // Follows `jobId` until terminal; returns the last state seen.
    std::optional<Job> follow(RemoteJobBackend &b, const QString &jobId, QList<Job> *seen = nullptr, int ms = 60000)
    {
        std::optional<Job> last;
        auto c = connect(&b, &JobBackend::jobUpdated, this, [&](const Job &job) {
            if (job.id != jobId)
                return;
            last = job;
            if (seen)
                seen->append(job);
        });
        b.watch(jobId);
        waitFor([&] { return last && isTerminal(last->status); }, ms);
        disconnect(c);
        b.unwatch(jobId);
        return last;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(!m_server.addToken().isEmpty());
        // Slow enough to see progress and to cancel a running job.
        QVERIFY(m_server.start({},
            QStringLiteral("analysis.step.summary=delay(400);"
                           "analysis.step.risk_assessment.red_flags=delay(1500);"
                           "analysis.step.market_intelligence.percentiles=delay(60000)")));
    }

    void startFollowsToResultWithInlineListing()
    {
        auto b = backend();
        StartRequest request;
        request.listingId = QStringLiteral("X-900");
        request.analysisType = QStringLiteral("valuation");
        request.params = { { "termYears", 7 } };
        request.listing = foreignListing(QStringLiteral("X-900"));
        const auto started = await([&](auto cb) { b->start(request, this, cb); });
        QVERIFY(started);
        QVERIFY2(started->ok(), qPrintable(started->message));
        QVERIFY(started->job);
        QCOMPARE(started->job->backend, QStringLiteral("remote"));
        QCOMPARE(started->job->listingId, QStringLiteral("X-900"));
        QVERIFY(!started->requestId.isEmpty());
        QVERIFY(!started->job->listing); // never sent back

        QList<Job> seen;
        const auto done = follow(*b, started->job->id, &seen);
        QVERIFY(done);
        QCOMPARE(jobStatusName(done->status), QStringLiteral("succeeded"));
        QVERIFY(done->result);
        // The server analysed the snapshot, which it does not have itself.
        QCOMPARE((*done->result)["metrics"]["askingPrice"].get<double>(), 390000.0);
        QCOMPARE(b->connectionState(), QStringLiteral("online"));
        // Progress never went backwards within the attempt.
        for (qsizetype i = 1; i < seen.size(); ++i) {
            if (seen[i].attempt == seen[i - 1].attempt)
                QVERIFY(seen[i].progress >= seen[i - 1].progress);
        }
        // Without a snapshot the server does not know the listing.
        StartRequest unknown = request;
        unknown.listing.reset();
        unknown.listingId = QStringLiteral("X-901");
        const auto refused = await([&](auto cb) { b->start(unknown, this, cb); });
        QVERIFY(refused);
        QCOMPARE(refused->error, BackendReply::Error::NotFound);
        QCOMPARE(refused->code, QStringLiteral("listing_not_found"));
        QCOMPARE(refused->httpStatus, 404);
    }

    void doubleStartIsOneJob()
    {
        auto b = backend();
        StartRequest request { QStringLiteral("L2"), QStringLiteral("risk_assessment"), nlohmann::json::object(), true,
            {} };
        std::optional<BackendReply> first, second;
        b->start(request, this, [&](const BackendReply &r) { first = r; });
        b->start(request, this, [&](const BackendReply &r) { second = r; });
        QVERIFY(waitFor([&] { return first && second; }, 30000));
        QVERIFY2(first->ok() && second->ok(), qPrintable(first->message + second->message));
        QCOMPARE(first->job->id, second->job->id);
        QVERIFY(first->deduplicated != second->deduplicated);
        // lookup finds the pair's job too.
        const auto looked
            = await([&](auto cb) { b->lookup(QStringLiteral("L2"), QStringLiteral("risk_assessment"), this, cb); });
        QVERIFY(looked && looked->ok());
        QCOMPARE(looked->job->id, first->job->id);
        QCOMPARE(b->lookupSupport(), RemoteJobBackend::Support::Yes);
        QVERIFY(follow(*b, first->job->id));
    }

    void cancelReachesTheRunningJob()
    {
        auto b = backend();
        const auto started = await([&](auto cb) {
            b->start(
                { QStringLiteral("L3"), QStringLiteral("market_intelligence"), nlohmann::json::object(), true, {} },
                this, cb);
        });
        QVERIFY(started && started->ok());
        const QString id = started->job->id;
        std::optional<Job> running;
        auto c = connect(b.get(), &JobBackend::jobUpdated, this, [&](const Job &job) {
            if (job.id == id && job.status == JobStatus::Running)
                running = job;
        });
        b->watch(id);
        QVERIFY(waitFor([&] { return running.has_value(); }, 30000));
        disconnect(c);
        const auto canceled = await([&](auto cb) { b->cancel(id, this, cb); });
        QVERIFY(canceled && canceled->ok());
        QVERIFY(canceled->job->cancelRequested || canceled->job->status == JobStatus::Canceled);
        const auto done = follow(*b, id);
        QVERIFY(done);
        QCOMPARE(jobStatusName(done->status), QStringLiteral("canceled"));
        QCOMPARE(done->error, QStringLiteral("canceled by user"));
        // Cancel of a finished job: 409 with the job.
        const auto again = await([&](auto cb) { b->cancel(id, this, cb); });
        QVERIFY(again);
        QCOMPARE(again->error, BackendReply::Error::Conflict);
        QVERIFY(again->job);
        QCOMPARE(again->job->status, JobStatus::Canceled);
    }

    void wrongTokenIsUnauthorized()
    {
        RemoteJobBackend b(m_server.base());
        b.setToken(QStringLiteral("ds_not-a-real-token"));
        QSignalSpy states(&b, &JobBackend::connectionStateChanged);
        const auto r = await([&](auto cb) {
            b.start(
                { QStringLiteral("L1"), QStringLiteral("valuation"), nlohmann::json::object(), false, {} }, this, cb);
        });
        QVERIFY(r);
        QCOMPARE(r->error, BackendReply::Error::Unauthorized);
        QCOMPARE(r->httpStatus, 401);
        QCOMPARE(r->code, QStringLiteral("unauthorized"));
        QVERIFY2(r->message.contains(QStringLiteral("refused the token")), qPrintable(r->message));
        QVERIFY(!r->message.contains(QStringLiteral("ds_not-a-real-token")));
        QCOMPARE(b.connectionState(), QStringLiteral("unauthorized"));
        QVERIFY(!states.isEmpty());
        QCOMPARE(states.last().at(0).toString(), QStringLiteral("unauthorized"));
    }

    void unknownJobIsExpired()
    {
        auto b = backend();
        const QString ghost = QStringLiteral("AAAAAAAAAAAAAAAAAAAAA");
        const auto r = await([&](auto cb) { b->fetch(ghost, this, cb); });
        QVERIFY(r);
        QCOMPARE(r->error, BackendReply::Error::NotFound);
        QVERIFY2(r->message.contains(QStringLiteral("expired")), qPrintable(r->message));
        QSignalSpy lost(b.get(), &JobBackend::jobLost);
        b->watch(ghost);
        QVERIFY(lost.wait(10000));
        QCOMPARE(lost.first().at(0).toString(), ghost);
        QVERIFY(lost.first().at(1).toString().contains(QStringLiteral("expired")));
        QVERIFY(b->watched().isEmpty());
    }

    void severalJobsOneRequestPerTick()
    {
        RemoteJobBackend::Options options;
        options.longPoll = false;
        auto b = backend(options);
        QStringList ids;
        for (const char *listing : { "L1", "L4", "L5", "L6", "L7" }) {
            const auto r = await([&](auto cb) {
                b->start({ QString::fromLatin1(listing), QStringLiteral("business_analysis"), nlohmann::json::object(),
                             true, {} },
                    this, cb);
            });
            QVERIFY(r && r->ok());
            ids << r->job->id;
        }
        QHash<QString, Job> last;
        connect(b.get(), &JobBackend::jobUpdated, this, [&](const Job &job) { last.insert(job.id, job); });
        const qint64 serverBefore = m_server.requestCount(QStringLiteral("status"));
        const quint64 clientBefore = b->requestsSent();
        QElapsedTimer elapsed;
        elapsed.start();
        for (const QString &id : ids)
            b->watch(id);
        QVERIFY(waitFor(
            [&] {
                return last.size() == ids.size()
                    && std::all_of(last.cbegin(), last.cend(), [](const Job &j) { return isTerminal(j.status); });
            },
            60000));
        const qint64 ms = elapsed.elapsed();
        const qint64 statusRequests = m_server.requestCount(QStringLiteral("status")) - serverBefore;
        const qint64 clientRequests = qint64(b->requestsSent() - clientBefore);
        // Every poll was one batch request for all five jobs: at most one per 0.45 s.
        // (+2: a long-poll an earlier case abandoned may be counted by the server meanwhile.)
        QVERIFY2(statusRequests <= ms / 450 + 3,
            qPrintable(QStringLiteral("%1 status requests in %2 ms").arg(statusRequests).arg(ms)));
        QVERIFY2(clientRequests <= ms / 450 + 1 && statusRequests >= clientRequests,
            qPrintable(QStringLiteral("client %1, server %2").arg(clientRequests).arg(statusRequests)));
        QCOMPARE(b->batchSupport(), RemoteJobBackend::Support::Yes);
    }

    void longPollSeesTheEndQuickly()
    {
        auto b = backend();
        const auto r = await([&](auto cb) {
            b->start({ QStringLiteral("L1"), QStringLiteral("risk_assessment"), nlohmann::json::object(), true, {} },
                this, cb);
        });
        QVERIFY(r && r->ok());
        const auto done = follow(*b, r->job->id);
        QVERIFY(done);
        QVERIFY(isTerminal(done->status));
        QCOMPARE(b->longPollSupport(), RemoteJobBackend::Support::Yes);
    }

    void cleanupTestCase() { QCOMPARE(m_server.process().terminate(), 0); }
};

QTEST_GUILESS_MAIN(TestRemoteBackend)
#include "tst_remotebackend.moc"
