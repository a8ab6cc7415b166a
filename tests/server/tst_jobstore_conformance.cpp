// One conformance suite for every JobStore: the memory store and the Redis store (against a real
// redis-server) must behave the same for dedup, cancel, leases, retries, hand-back and expiry.

#include "RedisTlsSupport.h"
#include "ServerTestSupport.h"
#include "jobs/JobId.h"
#include "server/store/MemoryJobStore.h"
#include "server/store/RedisJobStore.h"

#include <QScopeGuard>
#include <QTest>

#include <atomic>
#include <thread>

using namespace dealscope;
using namespace dealscope::server;
using namespace servertest;

class TestJobStoreConformance : public QObject
{
    Q_OBJECT

private:
    RedisServer m_redis;
    // The same suite over TLS with an ACL user's password (issue 15).
    TestCertificates m_certs;
    TlsRedisServer m_tlsRedis;
    int m_prefixSeq = 0;

    std::unique_ptr<JobStore> makeStore(const QString &kind, StoreSettings settings = {})
    {
        if (kind == QLatin1String("memory"))
            return std::make_unique<MemoryJobStore>(settings);
        // A fresh key prefix per test keeps them independent on one Redis.
        const bool tls = kind == QLatin1String("redis-tls");
        RedisJobStore::Endpoint ep { QStringLiteral("127.0.0.1"), tls ? m_tlsRedis.tlsPort() : m_redis.port(), 0,
            QStringLiteral("t%1:").arg(++m_prefixSeq) };
        auto store = std::make_unique<RedisJobStore>(ep, settings);
        if (const auto error = store->initialize(true))
            qFatal("%s", qPrintable(*error));
        return store;
    }

    static Job candidate(
        const QString &owner, const QString &listing, const QString &type = QStringLiteral("valuation"))
    {
        Job j;
        j.id = generateJobId();
        j.owner = owner;
        j.listingId = listing;
        j.analysisType = type;
        j.createdAt = j.updatedAt = nowMs();
        return j;
    }

    static void addKinds()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("memory") << QStringLiteral("memory");
        QTest::newRow("redis") << QStringLiteral("redis");
        QTest::newRow("redis-tls") << QStringLiteral("redis-tls");
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_redis.start(false));
        QVERIFY(m_certs.make());
        QVERIFY(m_tlsRedis.start(m_certs.path(QStringLiteral("server.crt")), m_certs.path(QStringLiteral("server.key")),
            m_certs.path(QStringLiteral("ca.crt"))));
        // Every connection the store opens to this address uses TLS and the ACL user.
        RedisEndpoint::registerAddress(m_tlsRedis.endpoint(m_certs.ca()));
    }

    void startDedupsActiveJobs_data() { addKinds(); }
    void startDedupsActiveJobs()
    {
        QFETCH(QString, kind);
        auto store = makeStore(kind);
        const auto a = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false);
        QVERIFY(a.created);
        QCOMPARE(a.job.status, JobStatus::Queued);
        const auto b = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false);
        QVERIFY(!b.created);
        QCOMPARE(b.job.id, a.job.id);
        // Other tenant, other type: separate jobs.
        QVERIFY(store->start(candidate(QStringLiteral("globex"), QStringLiteral("L1")), false).created);
        QVERIFY(store
                    ->start(candidate(QStringLiteral("acme"), QStringLiteral("L1"), QStringLiteral("risk_assessment")),
                        false)
                    .created);
        const auto found = store->get(a.job.id);
        QVERIFY(found);
        QCOMPARE(found->owner, QStringLiteral("acme"));
        QCOMPARE(
            store->lookup(QStringLiteral("acme"), QStringLiteral("L1"), QStringLiteral("valuation"))->id, a.job.id);
        QVERIFY(!store->lookup(QStringLiteral("initech"), QStringLiteral("L1"), QStringLiteral("valuation")));
        const auto many = store->getMany({ a.job.id, QStringLiteral("AAAAAAAAAAAAAAAAAAAAA") });
        QCOMPARE(many.size(), 2);
        QVERIFY(many[0] && !many[1]);
    }

    void onlyTheSameInputsAreJoined_data() { addKinds(); }
    void onlyTheSameInputsAreJoined()
    {
        QFETCH(QString, kind);
        using Kind = StartOutcome::Kind;
        auto store = makeStore(kind);
        const auto withTerm = [&](int years, const std::optional<Listing> &listing = std::nullopt) {
            Job j = candidate(QStringLiteral("acme"), QStringLiteral("L1"));
            j.params = nlohmann::json { { "termYears", years } };
            j.listing = listing;
            return j;
        };
        const auto a = store->start(withTerm(5), false);
        QCOMPARE(a.kind, Kind::Created);
        // Same inputs: the active job is joined.
        const auto same = store->start(withTerm(5), false);
        QCOMPARE(same.kind, Kind::Deduplicated);
        QCOMPARE(same.job.id, a.job.id);
        // Other params while it is active: a conflict naming it, forced or not; nothing created.
        for (const bool force : { false, true }) {
            const auto other = store->start(withTerm(25), force);
            QCOMPARE(other.kind, Kind::Conflict);
            QVERIFY(!other.created);
            QCOMPARE(other.job.id, a.job.id);
            QCOMPARE(other.job.params["termYears"].get<int>(), 5);
        }
        // A listing snapshot is an input too.
        Listing snapshot;
        snapshot.id = QStringLiteral("L1");
        snapshot.title = QStringLiteral("Corner Cafe");
        snapshot.askingPrice = 450000;
        QCOMPARE(store->start(withTerm(5, snapshot), false).kind, Kind::Conflict);
        QCOMPARE(store->stats().jobsByStatus.value(QStringLiteral("queued")), 1);

        // Once it succeeded, it is returned for the same inputs only.
        auto lease = store->claim(QStringLiteral("w1"), 2000);
        QVERIFY(lease);
        QCOMPARE(store->finish(*lease, JobStatus::Succeeded, nlohmann::json::object(), {}), WriteResult::Ok);
        QCOMPARE(store->start(withTerm(5), false).job.id, a.job.id);
        const auto b = store->start(withTerm(25), false);
        QCOMPARE(b.kind, Kind::Created);
        QCOMPARE(
            store->lookup(QStringLiteral("acme"), QStringLiteral("L1"), QStringLiteral("valuation"))->id, b.job.id);
        // The pair's job is the 25-year one now: the 5-year params conflict with it while it is active.
        QCOMPARE(store->start(withTerm(5), false).kind, Kind::Conflict);
        QCOMPARE(store->start(withTerm(25, snapshot), false).kind, Kind::Conflict);
    }

    void idempotencyKeyRepeatsTheFirstAnswer_data() { addKinds(); }
    void idempotencyKeyRepeatsTheFirstAnswer()
    {
        QFETCH(QString, kind);
        using Kind = StartOutcome::Kind;
        auto store = makeStore(kind);
        const auto request = [&](const QString &listing, const QString &key, bool force = false) {
            return StartRequest { candidate(QStringLiteral("acme"), listing), force, key };
        };
        const auto first = store->start(request(QStringLiteral("L1"), QStringLiteral("k-1")));
        QCOMPARE(first.kind, Kind::Created);
        QVERIFY(!first.replayed);
        // The retry (a new candidate id, as a new request would have) gets the job it created.
        const auto retry = store->start(request(QStringLiteral("L1"), QStringLiteral("k-1")));
        QCOMPARE(retry.kind, Kind::Created);
        QVERIFY(retry.created && retry.replayed);
        QCOMPARE(retry.job.id, first.job.id);
        // The key for another request: refused, nothing created.
        QCOMPARE(store->start(request(QStringLiteral("L2"), QStringLiteral("k-1"))).kind, Kind::KeyReused);
        QCOMPARE(store->start(request(QStringLiteral("L1"), QStringLiteral("k-1"), true)).kind, Kind::KeyReused);
        // A start that joined: its retry joins again.
        const auto joined = store->start(request(QStringLiteral("L1"), QStringLiteral("k-2")));
        QCOMPARE(joined.kind, Kind::Deduplicated);
        const auto joinedAgain = store->start(request(QStringLiteral("L1"), QStringLiteral("k-2")));
        QCOMPARE(joinedAgain.kind, Kind::Deduplicated);
        QVERIFY(joinedAgain.replayed);
        QCOMPARE(joinedAgain.job.id, first.job.id);
        // Keys are per tenant.
        StartRequest other { candidate(QStringLiteral("globex"), QStringLiteral("L1")), false, QStringLiteral("k-1") };
        QCOMPARE(store->start(other).kind, Kind::Created);
        QCOMPARE(store->stats().jobsByStatus.value(QStringLiteral("queued")), 2);
    }

    void listingSnapshotStaysWithTheJob_data() { addKinds(); }
    void listingSnapshotStaysWithTheJob()
    {
        QFETCH(QString, kind);
        auto store = makeStore(kind);
        Listing snapshot;
        snapshot.id = QStringLiteral("DESK-7");
        snapshot.title = QStringLiteral("Harbour \"Bakery\", est. 1990");
        snapshot.askingPrice = 650000;
        snapshot.cashFlow = 160000;
        snapshot.description = QStringLiteral(R"(,"status":"canceled","updatedAt":1} ,"params":{} ,"listingId":)");
        Job j = candidate(QStringLiteral("acme"), QStringLiteral("DESK-7"));
        j.listing = snapshot;
        const auto started = store->start(j, false);
        QVERIFY(started.created);
        QCOMPARE(store->get(started.job.id)->listing, std::optional<Listing>(snapshot));
        // Never on the wire.
        const QByteArray wire = store->getManyWire(QStringLiteral("acme"), { started.job.id }).value(0).value_or("");
        QVERIFY(!wire.isEmpty() && !wire.contains("\"listing\"") && !wire.contains("Harbour"));
        // Claimed, retried, resumed, handed back and claimed again: still the client's figures.
        auto lease = store->claim(QStringLiteral("w1"), 2000);
        QVERIFY(lease);
        QCOMPARE(lease->job.listing, std::optional<Listing>(snapshot));
        QCOMPARE(store->retryLater(*lease, QStringLiteral("flaky network")), WriteResult::Ok);
        QCOMPARE(store->resume(*lease), WriteResult::Ok);
        QCOMPARE(lease->job.attempt, 2);
        QCOMPARE(lease->job.listing, std::optional<Listing>(snapshot));
        store->release(*lease);
        auto next = store->claim(QStringLiteral("w2"), 2000);
        QVERIFY(next);
        QCOMPARE(next->job.listing, std::optional<Listing>(snapshot));
        QCOMPARE(store->finish(*next, JobStatus::Succeeded, nlohmann::json::object(), {}), WriteResult::Ok);
        QCOMPARE(store->get(started.job.id)->listing, std::optional<Listing>(snapshot));
        QCOMPARE(store->get(started.job.id)->status, JobStatus::Succeeded);
    }

    void fiftyConcurrentStartsCreateOne_data() { addKinds(); }
    void fiftyConcurrentStartsCreateOne()
    {
        QFETCH(QString, kind);
        auto store = makeStore(kind);
        std::atomic_int created { 0 };
        std::vector<std::thread> threads;
        QList<QString> ids(50);
        for (int i = 0; i < 50; ++i) {
            threads.emplace_back([&, i] {
                const auto r = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L9")), false);
                ids[i] = r.job.id;
                if (r.created)
                    ++created;
            });
        }
        for (auto &t : threads)
            t.join();
        QCOMPARE(created.load(), 1);
        QCOMPARE(QSet<QString>(ids.begin(), ids.end()).size(), 1);
    }

    void lifecycleAndRecentSuccess_data() { addKinds(); }
    void lifecycleAndRecentSuccess()
    {
        QFETCH(QString, kind);
        auto store = makeStore(kind);
        const auto started = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false);
        auto lease = store->claim(QStringLiteral("w1"), 2000);
        QVERIFY(lease);
        QCOMPARE(lease->job.id, started.job.id);
        QCOMPARE(lease->job.status, JobStatus::Running);
        QCOMPARE(store->get(started.job.id)->status, JobStatus::Running);
        QCOMPARE(store->progress(*lease, 40, QStringLiteral("step 2")), WriteResult::Ok);
        // Progress never decreases within an attempt.
        QCOMPARE(store->progress(*lease, 10, QStringLiteral("step 3")), WriteResult::Ok);
        QCOMPARE(store->get(started.job.id)->progress, 40.0);
        QCOMPARE(store->get(started.job.id)->partialOutput, QStringLiteral("step 3"));
        QCOMPARE(store->heartbeat(*lease), WriteResult::Ok);
        QCOMPARE(store->finish(*lease, JobStatus::Succeeded,
                     nlohmann::json { { "score", 80 }, { "findings", nlohmann::json::array() } }, {}),
            WriteResult::Ok);
        const auto done = store->get(started.job.id);
        QCOMPARE(done->status, JobStatus::Succeeded);
        QCOMPARE(done->progress, 100.0);
        QVERIFY(done->finishedAt);
        // Empty arrays survive the store untouched.
        QVERIFY((*done->result)["findings"].is_array());
        // Writes after the end are refused.
        QCOMPARE(store->progress(*lease, 50, {}), WriteResult::LeaseLost);
        // A recent success is returned, unless forced.
        QCOMPARE(store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false).job.id, started.job.id);
        QVERIFY(store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), true).created);
        QCOMPARE(store->stats().jobsByStatus.value(QStringLiteral("succeeded")), 1);
    }

    void failedAndCanceledNeverBlock_data() { addKinds(); }
    void failedAndCanceledNeverBlock()
    {
        QFETCH(QString, kind);
        auto store = makeStore(kind);
        const auto a = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false);
        auto lease = store->claim(QStringLiteral("w1"), 2000);
        QVERIFY(lease);
        QCOMPARE(store->finish(*lease, JobStatus::Failed, std::nullopt, QStringLiteral("boom")), WriteResult::Ok);
        QCOMPARE(store->get(a.job.id)->error, QStringLiteral("boom"));
        const auto b = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false);
        QVERIFY(b.created);
        // The pair now points at the new job: another start finds it.
        const auto again = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false);
        QVERIFY(!again.created);
        QCOMPARE(again.job.id, b.job.id);
        QCOMPARE(store->cancel(QStringLiteral("acme"), b.job.id).outcome, CancelOutcome::Canceled);
        QVERIFY(store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false).created);
    }

    void cancelQueuedAndRunning_data() { addKinds(); }
    void cancelQueuedAndRunning()
    {
        QFETCH(QString, kind);
        auto store = makeStore(kind);
        const auto q = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false);
        // Wrong tenant: not found.
        QCOMPARE(store->cancel(QStringLiteral("globex"), q.job.id).outcome, CancelOutcome::NotFound);
        const auto c = store->cancel(QStringLiteral("acme"), q.job.id);
        QCOMPARE(c.outcome, CancelOutcome::Canceled);
        QCOMPARE(c.job->status, JobStatus::Canceled);
        QCOMPARE(c.job->error, QStringLiteral("canceled by user"));
        QCOMPARE(store->cancel(QStringLiteral("acme"), q.job.id).outcome, CancelOutcome::AlreadyTerminal);
        // The canceled job is never handed to a worker.
        const auto r = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L2")), false);
        auto lease = store->claim(QStringLiteral("w1"), 2000);
        QVERIFY(lease);
        QCOMPARE(lease->job.id, r.job.id);
        const auto cr = store->cancel(QStringLiteral("acme"), r.job.id);
        QCOMPARE(cr.outcome, CancelOutcome::Requested);
        QVERIFY(cr.job->cancelRequested);
        // A progress write can never overwrite the cancel request.
        QCOMPARE(store->progress(*lease, 50, QStringLiteral("late")), WriteResult::CancelRequested);
        QVERIFY(store->get(r.job.id)->cancelRequested);
        QCOMPARE(store->heartbeat(*lease), WriteResult::CancelRequested);
        QCOMPARE(store->finish(*lease, JobStatus::Canceled, std::nullopt, QStringLiteral("canceled by user")),
            WriteResult::Ok);
        QCOMPARE(store->get(r.job.id)->status, JobStatus::Canceled);
    }

    void retryKeepsLeaseAndCountsAttempts_data() { addKinds(); }
    void retryKeepsLeaseAndCountsAttempts()
    {
        QFETCH(QString, kind);
        auto store = makeStore(kind);
        const auto s = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false);
        auto lease = store->claim(QStringLiteral("w1"), 2000);
        QVERIFY(lease);
        QCOMPARE(store->retryLater(*lease, QStringLiteral("HTTP 503")), WriteResult::Ok);
        auto job = store->get(s.job.id);
        QCOMPARE(job->status, JobStatus::Queued);
        QCOMPARE(job->attempt, 2);
        // Nobody else gets it while the worker backs off.
        QVERIFY(!store->claim(QStringLiteral("w2"), 200));
        QCOMPARE(store->resume(*lease), WriteResult::Ok);
        QCOMPARE(store->get(s.job.id)->status, JobStatus::Running);
        QCOMPARE(store->finish(*lease, JobStatus::Succeeded, nlohmann::json::object(), {}), WriteResult::Ok);
        QCOMPARE(store->get(s.job.id)->attempt, 2);

        // Canceled during the backoff: resume is refused.
        const auto t = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L2")), false);
        auto lease2 = store->claim(QStringLiteral("w1"), 2000);
        QVERIFY(lease2);
        QCOMPARE(store->retryLater(*lease2, QStringLiteral("HTTP 429")), WriteResult::Ok);
        QCOMPARE(store->cancel(QStringLiteral("acme"), t.job.id).outcome, CancelOutcome::Canceled);
        QVERIFY(store->resume(*lease2) != WriteResult::Ok);
        QCOMPARE(store->get(t.job.id)->status, JobStatus::Canceled);
    }

    void releaseHandsJobToAnotherWorker_data() { addKinds(); }
    void releaseHandsJobToAnotherWorker()
    {
        QFETCH(QString, kind);
        auto store = makeStore(kind);
        const auto s = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false);
        auto lease = store->claim(QStringLiteral("w1"), 2000);
        QVERIFY(lease);
        QVERIFY(!lease->recovered); // never ran: nothing to resume from
        QCOMPARE(store->progress(*lease, 40, QStringLiteral("half way")), WriteResult::Ok);
        store->release(*lease);
        // A hand-back is not a failure (SPEC §3): same attempt, the progress reached is kept.
        const auto queued = store->get(s.job.id);
        QCOMPARE(queued->status, JobStatus::Queued);
        QCOMPARE(queued->attempt, 1);
        QCOMPARE(queued->progress, 40.0);
        auto next = store->claim(QStringLiteral("w2"), 2000);
        QVERIFY(next);
        QCOMPARE(next->job.id, s.job.id);
        QCOMPARE(next->job.attempt, 1);
        QCOMPARE(next->job.progress, 40.0);
        QVERIFY(next->recovered); // it ran before: its worker resumes from the checkpoint
        // Started anew: one startedAt, the second claim's, in what is stored and served.
        QVERIFY(next->job.startedAt && lease->job.startedAt && *next->job.startedAt >= *lease->job.startedAt);
        QCOMPARE(store->get(s.job.id)->startedAt, next->job.startedAt);
        const QByteArray wire
            = store->getManyWire(QStringLiteral("acme"), { s.job.id }).value(0).value_or(QByteArray());
        QCOMPARE(wire.count("\"startedAt\""), 1);
        QCOMPARE(nlohmann::json::parse(wire.toStdString())["status"].get<std::string>(), std::string("running"));
        // The first worker's lease is gone.
        QCOMPARE(store->progress(*lease, 90, {}), WriteResult::LeaseLost);
        QCOMPARE(store->finish(*next, JobStatus::Succeeded, nlohmann::json::object(), {}), WriteResult::Ok);
    }

    void cancelWinsOverLateFinishAndRelease_data() { addKinds(); }
    void cancelWinsOverLateFinishAndRelease()
    {
        QFETCH(QString, kind);
        auto store = makeStore(kind);
        const auto a = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false);
        const auto b = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L2")), false);
        QList<Lease> leases;
        QVERIFY(waitFor(
            [&] {
                if (auto l = store->claim(QStringLiteral("w1"), 200))
                    leases.append(*l);
                return leases.size() >= 2;
            },
            5000));
        for (const Lease &l : leases)
            QCOMPARE(store->cancel(QStringLiteral("acme"), l.job.id).outcome, CancelOutcome::Requested);
        // A finish that arrives after the accepted cancel does not overwrite it.
        QCOMPARE(store->finish(leases[0], JobStatus::Succeeded, nlohmann::json { { "score", 1 } }, {}),
            WriteResult::CancelRequested);
        QVERIFY(leases[0].ended);
        // Nor does a hand-back: the job is not queued again but canceled.
        store->release(leases[1]);
        QVERIFY(leases[1].ended);
        for (const Lease &l : leases) {
            const auto job = store->get(l.job.id);
            QCOMPARE(job->status, JobStatus::Canceled);
            QCOMPARE(job->error, QStringLiteral("canceled by user"));
            QVERIFY(job->cancelRequested);
            QVERIFY(!job->result);
            QCOMPARE(job->attempt, 1);
        }
        QVERIFY(store->claim(QStringLiteral("w2"), 300) == std::nullopt);
        QCOMPARE(store->stats().jobsByStatus.value(QStringLiteral("running")), 0);
        QCOMPARE(store->stats().jobsByStatus.value(QStringLiteral("queued")), 0);
        QCOMPARE(store->stats().jobsByStatus.value(QStringLiteral("canceled")), 2);
        QCOMPARE(store->progress(leases[0], 90, {}), WriteResult::LeaseLost);
        Q_UNUSED(a);
        Q_UNUSED(b);
    }

    void checkpointsBelongToTheLeaseHolder_data() { addKinds(); }
    void checkpointsBelongToTheLeaseHolder()
    {
        QFETCH(QString, kind);
        auto store = makeStore(kind);
        const auto s = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false);
        auto lease = store->claim(QStringLiteral("w1"), 2000);
        QVERIFY(lease);
        QVERIFY(!store->loadCheckpoint(s.job.id));
        const nlohmann::json cp
            = { { "nextStep", 3 }, { "state", { { "findings", nlohmann::json::array() }, { "sde", 2.5 } } } };
        QCOMPARE(store->saveCheckpoint(*lease, cp), WriteResult::Ok);
        QVERIFY(*store->loadCheckpoint(s.job.id) == cp);
        store->release(*lease);
        // The handed-back job keeps its checkpoint for the next worker; the old lease cannot write.
        QCOMPARE(store->saveCheckpoint(*lease, nlohmann::json { { "nextStep", 9 } }), WriteResult::LeaseLost);
        auto next = store->claim(QStringLiteral("w2"), 2000);
        QVERIFY(next);
        QCOMPARE(store->loadCheckpoint(s.job.id)->value("nextStep", 0), 3);
        QCOMPARE(store->finish(*next, JobStatus::Succeeded, nlohmann::json::object(), {}), WriteResult::Ok);
        QVERIFY(!store->loadCheckpoint(s.job.id));
    }

    void terminalJobsExpire_data() { addKinds(); }
    void terminalJobsExpire()
    {
        QFETCH(QString, kind);
        StoreSettings settings;
        settings.completedTtlSecs = 1;
        auto store = makeStore(kind, settings);
        const auto s = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false);
        const auto active = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L2")), false);
        QCOMPARE(store->cancel(QStringLiteral("acme"), s.job.id).outcome, CancelOutcome::Canceled);
        QVERIFY(store->get(s.job.id));
        QVERIFY(waitFor([&] { return !store->get(s.job.id); }, 5000));
        // Active jobs never expire.
        QVERIFY(store->get(active.job.id));
    }

    void lostLeaseIsTakenOver_data() { addKinds(); }
    void lostLeaseIsTakenOver()
    {
        QFETCH(QString, kind);
        if (kind == QLatin1String("memory"))
            QSKIP("workers of the memory store live and die with its process");
        StoreSettings settings;
        settings.leaseMs = 400;
        settings.maxAttempts = 2;
        auto store = makeStore(kind, settings);
        const auto s = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false);
        auto stale = store->claim(QStringLiteral("w1"), 2000);
        QVERIFY(stale);
        // While the lease is renewed, nobody takes the job.
        for (int i = 0; i < 4; ++i) {
            QTest::qSleep(150);
            QCOMPARE(store->heartbeat(*stale), WriteResult::Ok);
            QVERIFY(!store->claim(QStringLiteral("w2"), 10));
        }
        // Silence past the lease: another worker takes it over as attempt 2.
        std::optional<Lease> taken;
        QVERIFY(waitFor(
            [&] {
                taken = store->claim(QStringLiteral("w2"), 50);
                return taken.has_value();
            },
            5000));
        QCOMPARE(taken->job.id, s.job.id);
        QCOMPARE(taken->job.attempt, 2);
        QVERIFY(taken->recovered);
        // The stale worker can no longer write anything.
        QCOMPARE(store->progress(*stale, 99, QStringLiteral("stale")), WriteResult::LeaseLost);
        QCOMPARE(store->heartbeat(*stale), WriteResult::LeaseLost);
        QCOMPARE(store->get(s.job.id)->partialOutput, QString());
        // The new owner vanishes too: past --max-attempts the job fails with a clear error.
        std::optional<Lease> third;
        waitFor(
            [&] {
                third = store->claim(QStringLiteral("w3"), 50);
                return store->get(s.job.id)->status == JobStatus::Failed;
            },
            5000);
        QVERIFY(!third);
        const auto failed = store->get(s.job.id);
        QCOMPARE(failed->status, JobStatus::Failed);
        QVERIFY2(failed->error.contains(QStringLiteral("gave up after 2 attempts")), qPrintable(failed->error));
    }

    void changesAreAnnounced_data() { addKinds(); }
    void changesAreAnnounced()
    {
        QFETCH(QString, kind);
        auto store = makeStore(kind);
        std::mutex m;
        QStringList seen;
        store->setChangeListener([&](const QString &id) {
            std::lock_guard lock(m);
            seen.append(id);
        });
        const auto s = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false);
        QVERIFY(waitFor(
            [&] {
                std::lock_guard lock(m);
                return seen.contains(s.job.id);
            },
            3000));
        {
            std::lock_guard lock(m);
            seen.clear();
        }
        store->cancel(QStringLiteral("acme"), s.job.id);
        QVERIFY(waitFor(
            [&] {
                std::lock_guard lock(m);
                return seen.contains(s.job.id);
            },
            3000));
        store->setChangeListener({});
    }

    void startManyDedupsWithinTheBatch_data() { addKinds(); }
    void startManyDedupsWithinTheBatch()
    {
        QFETCH(QString, kind);
        auto store = makeStore(kind);
        const Job first = candidate(QStringLiteral("acme"), QStringLiteral("L1"));
        const QList<StartResult> r = store->startMany({ StartRequest { first, false },
            StartRequest { candidate(QStringLiteral("acme"), QStringLiteral("L1")), false },
            StartRequest { candidate(QStringLiteral("acme"), QStringLiteral("L2")), false },
            StartRequest { candidate(QStringLiteral("globex"), QStringLiteral("L1")), false } });
        QCOMPARE(r.size(), 4);
        for (const auto &one : r)
            QVERIFY2(one.outcome, one.failure.constData());
        QVERIFY(r[0].outcome->created);
        // The second start of the same pair, in the same batch, gets the first one's job.
        QVERIFY(!r[1].outcome->created);
        QCOMPARE(r[1].outcome->job.id, first.id);
        QCOMPARE(r[1].outcome->job.status, JobStatus::Queued);
        QVERIFY(r[2].outcome->created);
        QVERIFY(r[3].outcome->created);
        QCOMPARE(store->stats().jobsByStatus.value(QStringLiteral("queued")), 3);
        QCOMPARE(store->get(first.id)->listingId, QStringLiteral("L1"));
    }

    void batchClaimAndFinish_data() { addKinds(); }
    void batchClaimAndFinish()
    {
        QFETCH(QString, kind);
        auto store = makeStore(kind);
        QStringList ids;
        for (int i = 0; i < 6; ++i)
            ids << store->start(candidate(QStringLiteral("acme"), QStringLiteral("L%1").arg(i)), false).job.id;
        // Canceled while queued: never handed to a worker.
        QCOMPARE(store->cancel(QStringLiteral("acme"), ids[2]).outcome, CancelOutcome::Canceled);

        QList<Lease> leases;
        int largestBatch = 0;
        QVERIFY(waitFor(
            [&] {
                const QList<Lease> got = store->claimBatch(QStringLiteral("w1"), 200, 10);
                largestBatch = std::max(largestBatch, int(got.size()));
                leases += got;
                return leases.size() >= 5;
            },
            5000));
        QVERIFY(largestBatch <= 10);
        if (kind != QLatin1String("memory"))
            QCOMPARE(largestBatch, 5); // one round trip for all of them
        QCOMPARE(leases.size(), 5);
        QSet<QString> tokens, claimed;
        for (const Lease &l : leases) {
            tokens.insert(l.token);
            claimed.insert(l.job.id);
            // Exactly what JobStateMachine makes of queued -> running, here and in the store.
            QCOMPARE(l.job.status, JobStatus::Running);
            QVERIFY(l.job.startedAt && *l.job.startedAt >= l.job.createdAt);
            QVERIFY(l.job.updatedAt >= *l.job.startedAt);
            QCOMPARE(l.job.attempt, 1);
            QCOMPARE(l.job.owner, QStringLiteral("acme"));
            const auto stored = store->get(l.job.id);
            QCOMPARE(stored->status, JobStatus::Running);
            QCOMPARE(stored->startedAt, l.job.startedAt);
        }
        QCOMPARE(tokens.size(), 5);
        QVERIFY(!claimed.contains(ids[2]));
        QVERIFY(store->claimBatch(QStringLiteral("w2"), 100, 10).isEmpty());
        QCOMPARE(store->stats().jobsByStatus.value(QStringLiteral("running")), 5);

        // A cancel of one running job wins over its late (held-back) finish: that job ends
        // canceled with the flag kept; the others' terminal writes land, all in one call.
        QCOMPARE(store->cancel(QStringLiteral("acme"), leases[1].job.id).outcome, CancelOutcome::Requested);
        QList<FinishRequest> done;
        for (int i = 0; i < leases.size(); ++i)
            done.append(FinishRequest { leases[i], i == 4 ? JobStatus::Failed : JobStatus::Succeeded,
                i == 4 ? std::nullopt : std::optional<nlohmann::json>(nlohmann::json { { "score", i } }),
                i == 4 ? QStringLiteral("boom") : QString() });
        store->finishMany(done);
        for (int i = 0; i < done.size(); ++i) {
            QCOMPARE(done[i].outcome, i == 1 ? WriteResult::CancelRequested : WriteResult::Ok);
            QVERIFY(done[i].lease.ended);
            const auto job = store->get(leases[i].job.id);
            if (i == 1) {
                QCOMPARE(done[i].to, JobStatus::Canceled);
                QCOMPARE(job->status, JobStatus::Canceled);
                QCOMPARE(job->error, QStringLiteral("canceled by user"));
                QVERIFY(job->cancelRequested);
                QVERIFY(!job->result);
                QVERIFY(job->finishedAt);
            } else if (i == 4) {
                QCOMPARE(job->status, JobStatus::Failed);
                QCOMPARE(job->error, QStringLiteral("boom"));
            } else {
                QCOMPARE(job->status, JobStatus::Succeeded);
                QCOMPARE((*job->result)["score"].get<int>(), i);
            }
        }
        QCOMPARE(store->stats().jobsByStatus.value(QStringLiteral("running")), 0);
        QCOMPARE(store->stats().jobsByStatus.value(QStringLiteral("succeeded")), 3);
        QCOMPARE(store->stats().jobsByStatus.value(QStringLiteral("canceled")), 2);
        // The wire JSON every status answer is made of: the owner's only, without the owner.
        const auto wire = store->getManyWire(
            QStringLiteral("acme"), { leases[0].job.id, ids[2], QStringLiteral("AAAAAAAAAAAAAAAAAAAAA") });
        QCOMPARE(wire.size(), 3);
        QVERIFY(wire[0] && wire[1] && !wire[2]);
        QVERIFY(!wire[0]->contains("\"owner\""));
        QCOMPARE(nlohmann::json::parse(wire[0]->toStdString())["status"].get<std::string>(), std::string("succeeded"));
        QCOMPARE(nlohmann::json::parse(wire[1]->toStdString())["status"].get<std::string>(), std::string("canceled"));
        QVERIFY(!store->getManyWire(QStringLiteral("globex"), { leases[0].job.id }).value(0));
        // Writing again is refused: each lease ended with its terminal write.
        store->finishMany(done);
        for (const auto &d : done)
            QCOMPARE(d.outcome, WriteResult::LeaseLost);
    }

    void finishThenClaimWritesThenClaims_data() { addKinds(); }
    void finishThenClaimWritesThenClaims()
    {
        // A worker's turnaround: the finished batch is written (a cancel still wins) and the next
        // jobs come back running; on Redis in one round trip.
        QFETCH(QString, kind);
        auto store = makeStore(kind);
        QStringList ids;
        for (int i = 0; i < 8; ++i)
            ids << store->start(candidate(QStringLiteral("acme"), QStringLiteral("L%1").arg(i)), false).job.id;
        QList<Lease> first;
        QVERIFY(waitFor(
            [&] {
                first += store->claimBatch(QStringLiteral("w1"), 200, 4 - int(first.size()));
                return first.size() >= 4;
            },
            5000));
        QCOMPARE(store->cancel(QStringLiteral("acme"), first[1].job.id).outcome, CancelOutcome::Requested);
        auto finishing = [](const QList<Lease> &leases) {
            QList<FinishRequest> done;
            for (const Lease &l : leases)
                done.append(FinishRequest {
                    l, JobStatus::Succeeded, nlohmann::json { { "listing", l.job.listingId.toStdString() } }, {} });
            return done;
        };
        QList<FinishRequest> done = finishing(first);
        const QList<Lease> next = store->finishThenClaim(done, QStringLiteral("w1"), 1000, 4);
        QCOMPARE(done[0].outcome, WriteResult::Ok);
        QCOMPARE(done[1].outcome, WriteResult::CancelRequested);
        QCOMPARE(done[1].to, JobStatus::Canceled);
        for (int i = 0; i < 4; ++i) {
            const auto job = store->get(first[i].job.id);
            QCOMPARE(job->status, i == 1 ? JobStatus::Canceled : JobStatus::Succeeded);
            if (i != 1)
                QCOMPARE(QString::fromStdString((*job->result)["listing"].get<std::string>()), first[i].job.listingId);
        }
        QVERIFY(!next.isEmpty());
        for (const Lease &l : next) {
            QVERIFY(ids.mid(4).contains(l.job.id));
            QCOMPARE(store->get(l.job.id)->status, JobStatus::Running);
        }
        // From a fresh worker thread (on Redis it first looks for vanished workers' jobs, and
        // writes and claims in two steps): the results arrive all the same.
        QList<FinishRequest> second = finishing(next);
        QList<Lease> rest;
        std::thread([&] { rest = store->finishThenClaim(second, QStringLiteral("w2"), 1000, 8); }).join();
        for (const FinishRequest &r : second) {
            QCOMPARE(r.outcome, WriteResult::Ok);
            const auto job = store->get(r.lease.job.id);
            QCOMPARE(job->status, JobStatus::Succeeded);
            QCOMPARE(QString::fromStdString((*job->result)["listing"].get<std::string>()), r.lease.job.listingId);
        }
        QCOMPARE(next.size() + rest.size() <= 4, true);
        // Nothing to write: a plain claim.
        QList<FinishRequest> none;
        QList<Lease> last = rest;
        QVERIFY(waitFor(
            [&] {
                last += store->finishThenClaim(none, QStringLiteral("w1"), 200, 8);
                return next.size() + last.size() >= 4;
            },
            5000));
        QCOMPARE(next.size() + last.size(), 4);
        QCOMPARE(store->stats().jobsByStatus.value(QStringLiteral("queued")), 0);
    }

    void batchClaimKeepsWhatItClaimedWhenAnotherEntryFails_data()
    {
        QTest::addColumn<bool>("failingFirst");
        QTest::newRow("failing entry last") << false;
        QTest::newRow("failing entry first") << true;
    }
    void batchClaimKeepsWhatItClaimedWhenAnotherEntryFails()
    {
        // The claim script marks A running under our lease; B (JSON not in the canonical form)
        // goes the C++ way and its compare-and-set fails (Redis refuses a bulk argument over
        // proto-max-bulk-len and drops the connection). A must still reach the caller, whether
        // B was queued before or after it.
        QFETCH(bool, failingFirst);
        auto store = makeStore(QStringLiteral("redis"));
        const QString prefix = QStringLiteral("t%1:").arg(m_prefixSeq);
        const auto first = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false);
        const auto second = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L2")), false);
        const auto &a = failingFirst ? second : first;
        const auto &b = failingFirst ? first : second;
        const QString bKey = prefix + QStringLiteral("job:") + b.job.id;
        const QString json = QString::fromUtf8(m_redis.cli({ QStringLiteral("GET"), bKey }));
        QVERIFY(json.startsWith(QLatin1Char('{')));
        // Leading whitespace: still the same job to a JSON parser, 1.2 MB in all.
        const QString spaces(100 * 1024, QLatin1Char(' '));
        QCOMPARE(m_redis.cli({ QStringLiteral("SET"), bKey, spaces }), QByteArray("OK"));
        for (int i = 0; i < 11; ++i)
            m_redis.cli({ QStringLiteral("APPEND"), bKey, spaces });
        m_redis.cli({ QStringLiteral("APPEND"), bKey, json });
        QVERIFY(m_redis.cli({ QStringLiteral("STRLEN"), bKey }).toInt() > 1024 * 1024);
        QCOMPARE(m_redis.cli({ QStringLiteral("CONFIG"), QStringLiteral("SET"), QStringLiteral("proto-max-bulk-len"),
                     QStringLiteral("1mb") }),
            QByteArray("OK"));
        const auto restore = qScopeGuard([&] {
            m_redis.cli({ QStringLiteral("CONFIG"), QStringLiteral("SET"), QStringLiteral("proto-max-bulk-len"),
                QStringLiteral("512mb") });
        });
        QList<Lease> leases;
        try {
            leases = store->claimBatch(QStringLiteral("w1"), 200, 10);
        } catch (const std::exception &e) {
            QFAIL(e.what());
        }
        QCOMPARE(leases.size(), 1);
        QCOMPARE(leases[0].job.id, a.job.id);
        QCOMPARE(leases[0].job.status, JobStatus::Running);
        // The connection Redis dropped is replaced; the lease is ours to finish.
        WriteResult w = WriteResult::LeaseLost;
        QVERIFY(waitFor(
            [&] {
                try {
                    w = store->finish(leases[0], JobStatus::Succeeded, nlohmann::json::object(), {});
                    return true;
                } catch (const StoreUnavailable &) {
                    return false;
                }
            },
            2000));
        QCOMPARE(w, WriteResult::Ok);
        QCOMPARE(store->get(a.job.id)->status, JobStatus::Succeeded);
    }

    void heldLeaseKeepsAQueuedJobFromTheBatchClaim()
    {
        // A queued job whose lease key is still held (a hand-back racing its old holder) is not
        // taken by the batch claim; once the lease is gone it is.
        auto store = makeStore(QStringLiteral("redis"));
        const QString prefix = QStringLiteral("t%1:").arg(m_prefixSeq);
        const auto s = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false);
        const QString leaseKey = prefix + QStringLiteral("lease:") + s.job.id;
        QCOMPARE(m_redis.cli({ QStringLiteral("SET"), leaseKey, QStringLiteral("someone-else"), QStringLiteral("PX"),
                     QStringLiteral("60000") }),
            QByteArray("OK"));
        QVERIFY(store->claimBatch(QStringLiteral("w1"), 100, 8).isEmpty());
        QCOMPARE(store->get(s.job.id)->status, JobStatus::Queued);
        QCOMPARE(m_redis.cli({ QStringLiteral("GET"), leaseKey }), QByteArray("someone-else"));
        m_redis.cli({ QStringLiteral("DEL"), leaseKey });
        // The entry stayed pending for w1, so it comes back through the vanished-worker path
        // once idle for a lease; here, a new start of another pair shows the queue moves on.
        const auto t = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L2")), false);
        QList<Lease> got;
        QVERIFY(waitFor(
            [&] {
                got += store->claimBatch(QStringLiteral("w1"), 100, 8);
                return !got.isEmpty();
            },
            5000));
        QCOMPARE(got.constFirst().job.id, t.job.id);
        QCOMPARE(store->get(t.job.id)->status, JobStatus::Running);
    }

    void finishedJsonIsStagedAndNothingIsLeftBehind()
    {
        // A finish hands its JSON over through a staging key (see kLeasedWrite): the job gets it
        // with the completed TTL, and a write the script refuses (lost lease, accepted cancel)
        // leaves no staged copy behind.
        StoreSettings settings;
        settings.completedTtlSecs = 777;
        auto store = makeStore(QStringLiteral("redis"), settings);
        const QString prefix = QStringLiteral("t%1:").arg(m_prefixSeq);
        for (int i = 0; i < 4; ++i)
            store->start(candidate(QStringLiteral("acme"), QStringLiteral("L%1").arg(i)), false);
        QList<Lease> leases;
        QVERIFY(waitFor(
            [&] {
                leases += store->claimBatch(QStringLiteral("w1"), 200, 10);
                return leases.size() >= 4;
            },
            5000));
        QCOMPARE(store->cancel(QStringLiteral("acme"), leases[1].job.id).outcome, CancelOutcome::Requested);
        m_redis.cli(
            { QStringLiteral("DEL"), prefix + QStringLiteral("lease:") + leases[2].job.id }); // the lease ran out
        const nlohmann::json big = { { "summary", std::string(20000, 'x') }, { "score", 71 } };
        QList<FinishRequest> done;
        for (int i = 0; i < 3; ++i)
            done.append(FinishRequest { leases[i], JobStatus::Succeeded, big, {} });
        store->finishMany(done);
        QCOMPARE(done[0].outcome, WriteResult::Ok);
        QCOMPARE(done[1].outcome, WriteResult::CancelRequested);
        QCOMPARE(done[2].outcome, WriteResult::LeaseLost);
        // The single-job path stages too.
        QCOMPARE(
            store->finish(leases[3], JobStatus::Succeeded, nlohmann::json { { "score", 3 } }, {}), WriteResult::Ok);

        const auto first = store->get(leases[0].job.id);
        QCOMPARE(first->status, JobStatus::Succeeded);
        QVERIFY(*first->result == big);
        QCOMPARE(store->get(leases[1].job.id)->status, JobStatus::Canceled);
        QVERIFY(!store->get(leases[1].job.id)->result);
        QCOMPARE(store->get(leases[2].job.id)->status, JobStatus::Running); // a stale worker cannot write
        QCOMPARE((*store->get(leases[3].job.id)->result)["score"].get<int>(), 3);
        for (const int i : { 0, 1, 3 }) {
            const int ttl
                = m_redis.cli({ QStringLiteral("TTL"), prefix + QStringLiteral("job:") + leases[i].job.id }).toInt();
            QVERIFY2(ttl > 700 && ttl <= 777, qPrintable(QString::number(ttl)));
        }
        QCOMPARE(
            m_redis.cli({ QStringLiteral("TTL"), prefix + QStringLiteral("job:") + leases[2].job.id }).toInt(), -1);
        QCOMPARE(m_redis.cli({ QStringLiteral("KEYS"), prefix + QStringLiteral("staging:*") }), QByteArray());
    }

    void finishedEntriesLeaveTheStreamPendingOnesStay()
    {
        // Finished jobs' entries are acknowledged and trimmed from the stream by later claims
        // (kClaimBatch), whole nodes at a time; an entry still pending (a long job) and the
        // entries after it stay until it is done.
        auto store = makeStore(QStringLiteral("redis"));
        const QString stream = QStringLiteral("t%1:queue:analysis").arg(m_prefixSeq);
        const auto xlen = [&] { return m_redis.cli({ QStringLiteral("XLEN"), stream }).toInt(); };
        const auto runAll = [&](int from, int count) {
            for (int i = from; i < from + count; ++i)
                store->start(candidate(QStringLiteral("acme"), QStringLiteral("L%1").arg(i)), false);
            int done = 0;
            while (done < count) {
                QList<Lease> leases = store->claimBatch(QStringLiteral("w1"), 100, 16);
                if (leases.isEmpty())
                    return false;
                QList<FinishRequest> finished;
                for (Lease &l : leases)
                    finished.append(FinishRequest { l, JobStatus::Succeeded, nlohmann::json { { "score", 1 } }, {} });
                store->finishMany(finished);
                for (const auto &f : finished) {
                    if (f.outcome != WriteResult::Ok)
                        return false;
                }
                done += int(finished.size());
            }
            return true;
        };
        store->start(candidate(QStringLiteral("acme"), QStringLiteral("long")), false);
        auto longJob = store->claimBatch(QStringLiteral("w2"), 100, 1);
        QCOMPARE(longJob.size(), 1);
        QVERIFY(runAll(0, 450));
        // The long job's entry stays (XAUTOCLAIM needs it if its worker vanishes).
        QCOMPARE(
            m_redis.cli({ QStringLiteral("XRANGE"), stream, longJob[0].entryId, longJob[0].entryId }).isEmpty(), false);
        const auto pending = [&] {
            return m_redis.cli({ QStringLiteral("XPENDING"), stream, QStringLiteral("workers") }).split('\n').first();
        };
        QCOMPARE(pending(), QByteArray("1"));

        QCOMPARE(
            store->finish(longJob[0], JobStatus::Succeeded, nlohmann::json { { "score", 2 } }, {}), WriteResult::Ok);
        QVERIFY(runAll(450, 300));
        // 751 entries went through; what is left is at most the newest stream node(s) (100 entries each).
        QVERIFY2(xlen() <= 200, qPrintable(QString::number(xlen())));
        QCOMPARE(pending(), QByteArray("0"));
        // A queued entry is never trimmed: one more start is still claimed.
        const auto last = store->start(candidate(QStringLiteral("acme"), QStringLiteral("last")), false);
        const auto got = store->claimBatch(QStringLiteral("w1"), 100, 16);
        QCOMPARE(got.size(), 1);
        QCOMPARE(got[0].job.id, last.job.id);
    }

    void unreadableStoredJobFailsOnlyItsOwnStart()
    {
        auto store = makeStore(QStringLiteral("redis"));
        const QString prefix = QStringLiteral("t%1:").arg(m_prefixSeq);
        const auto a = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false);
        QCOMPARE(m_redis.cli({ QStringLiteral("SET"), prefix + QStringLiteral("job:") + a.job.id,
                     QStringLiteral("{not json") }),
            QByteArray("OK"));
        const auto results
            = store->startMany({ StartRequest { candidate(QStringLiteral("acme"), QStringLiteral("L2")), false },
                StartRequest { candidate(QStringLiteral("acme"), QStringLiteral("L1")), false },
                StartRequest { candidate(QStringLiteral("acme"), QStringLiteral("L3")), false } });
        QCOMPARE(results.size(), 3);
        QVERIFY(!results[1].outcome);
        QCOMPARE(results[1].failure, QByteArray("internal_error"));
        for (const int i : { 0, 2 }) {
            QVERIFY(results[i].outcome);
            QVERIFY(results[i].outcome->created);
            QCOMPARE(store->get(results[i].outcome->job.id)->status, JobStatus::Queued);
        }
    }

    void batchClaimTakesForeignJsonTheCarefulWay()
    {
        // kClaimBatch rewrites only what serializeJob() wrote; any other JSON of a queued job
        // (here pretty-printed, keys reordered by nothing but whitespace) goes the C++ way.
        auto store = makeStore(QStringLiteral("redis"));
        const QString prefix = QStringLiteral("t%1:").arg(m_prefixSeq);
        const auto a = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L1")), false);
        const auto b = store->start(candidate(QStringLiteral("acme"), QStringLiteral("L2")), false);
        const QByteArray pretty = QByteArray::fromStdString(jobToJson(a.job, JobJsonScope::Storage).dump(2));
        QCOMPARE(m_redis.cli(
                     { QStringLiteral("SET"), prefix + QStringLiteral("job:") + a.job.id, QString::fromUtf8(pretty) }),
            QByteArray("OK"));
        QList<Lease> leases;
        QVERIFY(waitFor(
            [&] {
                leases += store->claimBatch(QStringLiteral("w1"), 200, 10);
                return leases.size() >= 2;
            },
            5000));
        QCOMPARE(leases.size(), 2);
        for (Lease &l : leases) {
            QCOMPARE(l.job.status, JobStatus::Running);
            QCOMPARE(store->get(l.job.id)->status, JobStatus::Running);
            QCOMPARE(store->progress(l, 50, QStringLiteral("half")), WriteResult::Ok);
        }
        QCOMPARE(store->get(a.job.id)->progress, 50.0);
        QCOMPARE(store->get(b.job.id)->progress, 50.0);
        QCOMPARE(store->stats().jobsByStatus.value(QStringLiteral("running")), 2);
    }
};

QTEST_GUILESS_MAIN(TestJobStoreConformance)
#include "tst_jobstore_conformance.moc"
