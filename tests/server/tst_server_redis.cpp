// Several dealscope-server processes on one real redis-server: crash takeover after SIGKILL,
// graceful SIGTERM hand-back, Redis restart with AOF, cross-process long-poll and dedup.

#include "ServerTestSupport.h"

#include <QElapsedTimer>
#include <QScopeGuard>
#include <QTest>

using namespace servertest;

class TestServerRedis : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_listings;
    RedisServer m_redis;
    Http m_http;
    int m_prefixSeq = 0;

    QStringList baseArgs(const QString &prefix, const QStringList &more = {}) const
    {
        return QStringList { QStringLiteral("--listings"), m_listings, QStringLiteral("--insecure-no-auth"),
            QStringLiteral("--store"), m_redis.url(), QStringLiteral("--redis-prefix"), prefix }
        + more;
    }
    QString newPrefix() { return QStringLiteral("it%1:").arg(++m_prefixSeq); }

    HttpResult start(ServerProcess &s, const QString &listing, const QString &type)
    {
        const QByteArray body
            = "{\"listingId\":\"" + listing.toUtf8() + "\",\"analysisType\":\"" + type.toUtf8() + "\"}";
        return m_http.request("POST", s.url(QStringLiteral("/api/analysis/start")), body);
    }
    nlohmann::json job(ServerProcess &s, const QString &id)
    {
        return m_http.request("GET", s.url(QStringLiteral("/api/analysis/status?jobId=") + id)).json();
    }
    nlohmann::json waitForStatus(ServerProcess &s, const QString &id, const QStringList &wanted, int ms)
    {
        nlohmann::json j;
        waitFor(
            [&] {
                j = job(s, id);
                return j.is_object() && wanted.contains(QString::fromStdString(j.value("status", std::string())));
            },
            ms);
        return j;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_listings = m_dir.filePath(QStringLiteral("listings.csv"));
        QFile f(m_listings);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("id,title,industry,asking price,cash flow,gross revenue,year established\n"
                "L1,Corner Cafe,Restaurant,450000,120000,600000,2005\n"
                "L2,Car Wash Express,Car Washes,1200000,300000,900000,2012\n"
                "L3,Plumbing Services,Plumbing,800000,250000,1500000,1998\n"
                "L4,Quiet Bookshop,Retail,150000,40000,300000,2019\n"
                "L5,Landscaping Crew,Landscaping,350000,110000,700000,2010\n");
        f.close();
        QVERIFY(m_redis.start(true));
    }

    void killedWorkersJobIsFinishedByAnother()
    {
        const QString prefix = newPrefix();
        // A runs the job slowly; it is the only process when the job is claimed.
        ServerProcess a;
        QVERIFY(a.start(
            baseArgs(prefix,
                { QStringLiteral("--workers"), QStringLiteral("1"), QStringLiteral("--lease"), QStringLiteral("2") }),
            { { QStringLiteral("DEALSCOPE_FAILPOINTS"),
                QStringLiteral("analysis.step.valuation.sde_multiple=delay(60000)") } }));
        const auto r = start(a, QStringLiteral("L1"), QStringLiteral("valuation"));
        QCOMPARE(r.status, 202);
        const QString id = QString::fromStdString(r.json()["jobId"].get<std::string>());
        QCOMPARE(waitForStatus(a, id, { QStringLiteral("running") }, 10000).value("status", std::string()),
            std::string("running"));

        // A long step: the finished steps before it are checkpointed after a second.
        const QString checkpointKey = prefix + QStringLiteral("checkpoint:") + id;
        QVERIFY(waitFor([&] { return !m_redis.cli({ QStringLiteral("GET"), checkpointKey }).isEmpty(); }, 5000));
        QVERIFY(m_redis.cli({ QStringLiteral("GET"), checkpointKey }).contains("\"nextStep\":1"));

        ServerProcess b;
        QVERIFY(b.start(baseArgs(prefix,
            { QStringLiteral("--workers"), QStringLiteral("1"), QStringLiteral("--lease"), QStringLiteral("2") })));
        a.sendSignal(SIGKILL);
        a.process()->waitForFinished(5000);

        const auto done = waitForStatus(b, id, { QStringLiteral("succeeded"), QStringLiteral("failed") }, 20000);
        QCOMPARE(done.value("status", std::string()), std::string("succeeded"));
        QCOMPARE(done["attempt"].get<int>(), 2);
        QVERIFY(done["result"].is_object());
        // XACK after the terminal write: nothing is left pending, the job key has its TTL.
        QCOMPARE(m_redis
                     .cli({ QStringLiteral("XPENDING"), prefix + QStringLiteral("queue:analysis"),
                         QStringLiteral("workers") })
                     .split('\n')
                     .value(0),
            QByteArray("0"));
        QVERIFY(m_redis.cli({ QStringLiteral("TTL"), prefix + QStringLiteral("job:") + id }).toInt() > 0);
        QCOMPARE(m_redis.cli({ QStringLiteral("GET"), prefix + QStringLiteral("job:byListing:public:L1:valuation") }),
            id.toUtf8());
        QCOMPARE(m_redis.cli({ QStringLiteral("EXISTS"), checkpointKey }), QByteArray("0"));
        QCOMPARE(b.terminate(), 0);
    }

    void sigtermHandsRunningJobBack()
    {
        const QString prefix = newPrefix();
        ServerProcess a;
        QVERIFY(a.start(
            baseArgs(prefix,
                { QStringLiteral("--workers"), QStringLiteral("1"), QStringLiteral("--grace"), QStringLiteral("1") }),
            { { QStringLiteral("DEALSCOPE_FAILPOINTS"),
                QStringLiteral("analysis.step.risk_assessment.red_flags=delay(60000)") } }));
        const auto r = start(a, QStringLiteral("L2"), QStringLiteral("risk_assessment"));
        const QString id = QString::fromStdString(r.json()["jobId"].get<std::string>());
        QCOMPARE(waitForStatus(a, id, { QStringLiteral("running") }, 10000).value("status", std::string()),
            std::string("running"));
        QElapsedTimer t;
        t.start();
        QCOMPARE(a.terminate(), 0);
        QVERIFY(t.elapsed() < 8000);

        // Not lost: back in the queue for the next worker, which finishes it.
        ServerProcess b;
        QVERIFY(b.start(baseArgs(prefix, { QStringLiteral("--workers"), QStringLiteral("1") })));
        const auto done = waitForStatus(b, id, { QStringLiteral("succeeded"), QStringLiteral("failed") }, 15000);
        QCOMPARE(done.value("status", std::string()), std::string("succeeded"));
        QCOMPARE(done["attempt"].get<int>(), 1); // a hand-back is not a failed attempt
        QCOMPARE(b.terminate(), 0);
    }

    void longPollWakesOnAnotherProcess()
    {
        const QString prefix = newPrefix();
        // Two API-only processes: the job stays queued until it is canceled through the other one.
        ServerProcess a, b;
        QVERIFY(a.start(baseArgs(prefix, { QStringLiteral("--role"), QStringLiteral("api") })));
        QVERIFY(b.start(baseArgs(prefix, { QStringLiteral("--role"), QStringLiteral("api") })));
        const auto r = start(a, QStringLiteral("L3"), QStringLiteral("valuation"));
        const QString id = QString::fromStdString(r.json()["jobId"].get<std::string>());
        const QByteArray etag
            = m_http.request("GET", b.url(QStringLiteral("/api/analysis/status?jobId=") + id)).headers.value("etag");
        QNetworkReply *poll
            = m_http.send("GET", b.url(QStringLiteral("/api/analysis/status?jobId=") + id + QStringLiteral("&wait=20")),
                QByteArray(), { { "If-None-Match", etag } });
        QTest::qWait(300);
        QVERIFY(!poll->isFinished());
        QElapsedTimer sinceChange;
        const auto cancel = m_http.request(
            "POST", a.url(QStringLiteral("/api/analysis/cancel")), "{\"jobId\":\"" + id.toUtf8() + "\"}");
        sinceChange.start(); // the change is stored when the cancel answer arrives
        QCOMPARE(cancel.status, 200);
        const auto woke = Http::collect(poll);
        const qint64 latency = sinceChange.elapsed();
        QCOMPARE(woke.status, 200);
        QCOMPARE(woke.json()["status"].get<std::string>(), std::string("canceled"));
        qInfo("long-poll on process B answered %lld ms after the change through process A (wait was 20 s)", latency);
        // Woken by the change, not by the end of its wait (which would answer ~19.7 s after
        // the change with the same body): half the wait separates the two without timing anything tight.
        QVERIFY2(latency < 10000, qPrintable(QString::number(latency)));
        QCOMPARE(a.terminate(), 0);
        QCOMPARE(b.terminate(), 0);
    }

    void concurrentStartsOnTwoProcessesMakeOneJob()
    {
        const QString prefix = newPrefix();
        ServerProcess a, b;
        QVERIFY(a.start(baseArgs(prefix, { QStringLiteral("--role"), QStringLiteral("api") })));
        QVERIFY(b.start(baseArgs(prefix, { QStringLiteral("--role"), QStringLiteral("api") })));
        const QByteArray body = R"({"listingId":"L4","analysisType":"market_intelligence"})";
        const QByteArray request = "POST /api/analysis/start HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                                   "application/json\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n\r\n" + body;
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < 50; ++i) {
            sockets.push_back(std::make_unique<QTcpSocket>());
            sockets.back()->connectToHost(QHostAddress::LocalHost, i % 2 ? a.port() : b.port());
        }
        for (auto &s : sockets)
            QVERIFY(s->waitForConnected(5000));
        for (auto &s : sockets)
            s->write(request);
        QSet<std::string> ids;
        int created = 0;
        for (auto &s : sockets) {
            QByteArray in;
            waitFor(
                [&] {
                    in += s->readAll();
                    return s->state() == QAbstractSocket::UnconnectedState
                        || (in.contains("\r\n\r\n") && in.endsWith("}"));
                },
                10000);
            const auto j = parseRaw(in).json();
            QVERIFY2(j.is_object() && j.contains("jobId"), in.constData());
            ids.insert(j["jobId"].get<std::string>());
            created += j["deduplicated"].get<bool>() ? 0 : 1;
        }
        QCOMPARE(created, 1);
        QCOMPARE(ids.size(), 1);
        QCOMPARE(a.terminate(), 0);
        QCOMPARE(b.terminate(), 0);
    }

    void queuedJobsSurviveRedisRestart()
    {
        const QString prefix = newPrefix();
        ServerProcess api;
        QVERIFY(api.start(baseArgs(prefix, { QStringLiteral("--role"), QStringLiteral("api") })));
        QStringList ids;
        const QStringList listings { QStringLiteral("L1"), QStringLiteral("L2"), QStringLiteral("L3"),
            QStringLiteral("L4"), QStringLiteral("L5") };
        for (const QString &l : listings) {
            const auto r = start(api, l, QStringLiteral("risk_assessment"));
            QCOMPARE(r.status, 202);
            ids << QString::fromStdString(r.json()["jobId"].get<std::string>());
        }
        // Batch status is fetched on a store thread: the jobs in request order, the rest missing.
        const QString unknown = QStringLiteral("AAAAAAAAAAAAAAAAAAAAA");
        const QString batchQuery = QStringLiteral("/api/analysis/status?jobIds=") + ids.join(QLatin1Char(','))
            + QStringLiteral(",not-an-id,") + unknown;
        const auto batch = m_http.request("GET", api.url(batchQuery));
        QCOMPARE(batch.status, 200);
        const auto batchJson = batch.json();
        QCOMPARE(batchJson["jobs"].size(), size_t(5));
        for (int i = 0; i < ids.size(); ++i) {
            QCOMPARE(QString::fromStdString(batchJson["jobs"][i]["id"].get<std::string>()), ids[i]);
            QCOMPARE(batchJson["jobs"][i]["status"].get<std::string>(), std::string("queued"));
        }
        QCOMPARE(batchJson["missing"].dump(), std::string(R"(["not-an-id","AAAAAAAAAAAAAAAAAAAAA"])"));
        // Kill Redis outright: with appendfsync always the AOF has every job and the stream.
        m_redis.crash();
        // While it is away the API answers 503 with the error envelope, and keeps running.
        auto down = m_http.request("GET", api.url(QStringLiteral("/readyz")));
        QCOMPARE(down.status, 503);
        QCOMPARE(down.errorCode(), std::string("store_unavailable"));
        down = start(api, QStringLiteral("L1"), QStringLiteral("valuation"));
        QCOMPARE(down.status, 503);
        QCOMPARE(down.headers.value("retry-after"), QByteArray("1"));
        down = m_http.request("GET", api.url(batchQuery));
        QCOMPARE(down.status, 503);
        QCOMPARE(down.errorCode(), std::string("store_unavailable"));
        QVERIFY(m_redis.start(true));
        // The API process reconnects by itself; the jobs are still queued.
        QVERIFY(
            waitFor([&] { return m_http.request("GET", api.url(QStringLiteral("/readyz"))).status == 200; }, 10000));
        QCOMPARE(job(api, ids.first()).value("status", std::string()), std::string("queued"));
        ServerProcess worker;
        QVERIFY(worker.start(baseArgs(prefix,
                                 { QStringLiteral("--role"), QStringLiteral("worker"), QStringLiteral("--workers"),
                                     QStringLiteral("2") }),
            {}, false));
        for (const QString &id : ids)
            QCOMPARE(waitForStatus(api, id, { QStringLiteral("succeeded"), QStringLiteral("failed") }, 20000)
                         .value("status", std::string()),
                std::string("succeeded"));
        QCOMPARE(worker.terminate(), 0);
        QCOMPARE(api.terminate(), 0);
    }

    void workerProcessServesProbesAndMetrics()
    {
        const QString prefix = newPrefix();
        ServerProcess api;
        QVERIFY(api.start(baseArgs(prefix, { QStringLiteral("--role"), QStringLiteral("api") })));
        // With --listen a worker process answers /healthz, /readyz and /metrics (and nothing else).
        ServerProcess worker;
        QVERIFY(worker.start(baseArgs(prefix,
            { QStringLiteral("--role"), QStringLiteral("worker"), QStringLiteral("--workers"), QStringLiteral("1") })));
        QVERIFY(worker.port() != api.port());
        const auto health = m_http.request("GET", worker.url(QStringLiteral("/healthz")));
        QCOMPARE(health.status, 200);
        QCOMPARE(health.json().value("status", std::string()), std::string("ok"));
        QCOMPARE(m_http.request("GET", worker.url(QStringLiteral("/readyz"))).status, 200);
        const auto notApi = start(worker, QStringLiteral("L1"), QStringLiteral("valuation"));
        QCOMPARE(notApi.status, 404);
        QCOMPARE(notApi.errorCode(), std::string("not_found"));

        const auto r = start(api, QStringLiteral("L3"), QStringLiteral("risk_assessment"));
        QCOMPARE(r.status, 202);
        const QString id = QString::fromStdString(r.json()["jobId"].get<std::string>());
        QCOMPARE(waitForStatus(api, id, { QStringLiteral("succeeded"), QStringLiteral("failed") }, 20000)
                     .value("status", std::string()),
            std::string("succeeded"));
        // The job ran on the worker process: its duration is in that process's metrics.
        const auto metrics = m_http.request("GET", worker.url(QStringLiteral("/metrics")));
        QCOMPARE(metrics.status, 200);
        QVERIFY(metrics.headers.value("content-type").startsWith("text/plain"));
        QVERIFY2(metrics.body.contains(
                     "dealscope_job_duration_seconds_count{analysis_type=\"risk_assessment\",status=\"succeeded\"} 1"),
            metrics.body.constData());
        QVERIFY(metrics.body.contains("dealscope_store_up 1"));
        QVERIFY(!m_http.request("GET", api.url(QStringLiteral("/metrics")))
                     .body.contains("dealscope_job_duration_seconds_count"));
        QCOMPARE(worker.terminate(), 0);
        QCOMPARE(api.terminate(), 0);
    }

    void slowJobDoesNotHoldItsBatchBack()
    {
        // A worker claims fast jobs in batches and runs them one after another. One slow job in
        // a batch must not hold the jobs claimed with it: they go back to the queue at once, so a
        // cancel of one of them lands within 1 s (not after the slow job's 3 s).
        const QString prefix = newPrefix();
        const QString listings = m_dir.filePath(QStringLiteral("many.csv"));
        constexpr int kRounds = 3;
        constexpr int kPerRound = 16;
        constexpr int kSlowAt = 5;
        {
            QFile f(listings);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("id,title,industry,asking price,cash flow,gross revenue,year established\n");
            for (int i = 0; i < kRounds * kPerRound; ++i)
                f.write(
                    QStringLiteral("M%1,Shop %1,Retail,%2,90000,400000,2001\n").arg(i).arg(300000 + i * 1000).toUtf8());
        }
        QStringList args = baseArgs(prefix);
        args[1] = listings;
        ServerProcess api;
        QVERIFY(api.start(args + QStringList { QStringLiteral("--role"), QStringLiteral("api") }));
        QStringList all;
        QString victim;
        // The worker claims a fixed batch of 16 (--claim-batch), so the slow job shares its batch
        // with the fast jobs behind it however loaded the machine is. Only if the fast jobs in
        // front of it already overran the batch's wait (the slow one then goes back with the
        // rest, and may end a later batch) does a round show nothing; the next round looks again.
        for (int round = 0; round < kRounds && victim.isEmpty(); ++round) {
            // All queued before the worker starts, so its batches grow over the fast jobs in
            // front of the slow one and the slow one is claimed together with fast ones behind it.
            QStringList fast;
            QString slow;
            for (int i = 0; i < kPerRound; ++i) {
                const bool isSlow = i == kSlowAt;
                const auto r = start(api, QStringLiteral("M%1").arg(round * kPerRound + i),
                    isSlow ? QStringLiteral("risk_assessment") : QStringLiteral("valuation"));
                QCOMPARE(r.status, 202);
                const QString id = QString::fromStdString(r.json()["jobId"].get<std::string>());
                if (isSlow)
                    slow = id;
                else
                    fast << id;
            }
            all += fast + QStringList { slow };
            ServerProcess worker;
            QVERIFY(worker.start(args
                    + QStringList { QStringLiteral("--role"), QStringLiteral("worker"), QStringLiteral("--workers"),
                        QStringLiteral("1"), QStringLiteral("--claim-batch"), QStringLiteral("16") },
                { { QStringLiteral("DEALSCOPE_FAILPOINTS"),
                    QStringLiteral("analysis.step.risk_assessment.red_flags=delay(3000)") } }));
            QCOMPARE(waitForStatus(api, slow, { QStringLiteral("running") }, 20000).value("status", std::string()),
                std::string("running"));
            // Jobs claimed with the slow one and not run: behind it and running (still held in
            // the batch; a claim marks a whole batch running), or handed back (queued again, with
            // a startedAt from their claim). Jobs in front of it may still be running for real.
            QElapsedTimer held;
            held.start();
            const auto found = m_http.request(
                "GET", api.url(QStringLiteral("/api/analysis/status?jobIds=") + fast.join(QLatin1Char(','))));
            QCOMPARE(found.status, 200);
            const nlohmann::json jobs = found.json()["jobs"];
            for (const auto &j : jobs) {
                const QString id = QString::fromStdString(j.value("id", std::string()));
                const std::string status = j.value("status", std::string());
                const bool behindSlow = fast.indexOf(id) >= kSlowAt;
                if ((status == "running" && behindSlow) || (status == "queued" && j.contains("startedAt"))) {
                    victim = id;
                    break;
                }
            }
            if (victim.isEmpty()) {
                qInfo("round %d: the slow job ended its batch; next round", round + 1);
                QVERIFY(waitForStatus(api, slow, { QStringLiteral("succeeded") }, 20000).is_object());
                QCOMPARE(worker.terminate(), 0);
                continue;
            }
            QVERIFY(held.elapsed() < 1000); // still within the slow step
            QElapsedTimer t;
            t.start();
            const auto c = m_http.request(
                "POST", api.url(QStringLiteral("/api/analysis/cancel")), "{\"jobId\":\"" + victim.toUtf8() + "\"}");
            QCOMPARE(c.status, 200);
            const auto canceled = waitForStatus(api, victim,
                { QStringLiteral("canceled"), QStringLiteral("succeeded"), QStringLiteral("failed") }, 1000);
            QCOMPARE(canceled.value("status", std::string()), std::string("canceled"));
            QVERIFY2(t.elapsed() <= 1000, QByteArray::number(t.elapsed()).constData());
            QCOMPARE(canceled.value("error", std::string()), std::string("canceled by user"));

            // Everything else ends normally, on its first attempt: a job handed back from an
            // overtaken batch (however often, as under a loaded machine) did not fail (SPEC §3).
            for (const QString &id : std::as_const(all)) {
                if (id == victim)
                    continue;
                const auto done = waitForStatus(api, id,
                    { QStringLiteral("succeeded"), QStringLiteral("failed"), QStringLiteral("canceled") }, 30000);
                QCOMPARE(done.value("status", std::string()), std::string("succeeded"));
                QCOMPARE(done["attempt"].get<int>(), 1);
            }
            QCOMPARE(job(api, victim).value("status", std::string()), std::string("canceled"));
            QCOMPARE(worker.terminate(), 0);
        }
        QVERIFY2(!victim.isEmpty(), "in no round was a job claimed in the slow job's batch");
        QCOMPARE(api.terminate(), 0);
    }

    void stalledRedisDoesNotFreezeTheEventLoop()
    {
        // Lookup, cancel, long-poll registration, readyz, metrics and the shared rate limit
        // called Redis on the event loop (5 s connection timeout each): while Redis hung, /healthz
        // took 4.8-15 s and an orchestrator would have restarted every API process at once.
        const QString prefix = newPrefix();
        ServerProcess api;
        QVERIFY(api.start(baseArgs(prefix,
            { QStringLiteral("--role"), QStringLiteral("api"), QStringLiteral("--rate-limit"),
                QStringLiteral("1000") })));
        const auto started = start(api, QStringLiteral("L3"), QStringLiteral("valuation"));
        QCOMPARE(started.status, 202);
        const QString id = QString::fromStdString(started.json()["jobId"].get<std::string>());

        m_redis.pause(true);
        auto resume = qScopeGuard([this] { m_redis.pause(false); });
        // Everything that touches Redis, at once.
        const QByteArray cancelBody = "{\"jobId\":\"" + id.toUtf8() + "\"}";
        QList<QNetworkReply *> pending {
            m_http.send("GET", api.url(QStringLiteral("/api/analysis/status?jobId=") + id)),
            m_http.send("GET", api.url(QStringLiteral("/api/analysis/status?wait=2&jobId=") + id)),
            m_http.send("GET", api.url(QStringLiteral("/api/analysis/lookup?listingId=L3&analysisType=valuation"))),
            m_http.send("POST", api.url(QStringLiteral("/api/analysis/cancel")), cancelBody),
            m_http.send("POST", api.url(QStringLiteral("/api/analysis/start")),
                "{\"listingId\":\"L4\",\"analysisType\":\"valuation\"}"),
            m_http.send("GET", api.url(QStringLiteral("/readyz"))),
            m_http.send("GET", api.url(QStringLiteral("/metrics"))),
        };
        // The liveness probe, on connections of its own, answers from memory meanwhile.
        Http probe;
        for (int i = 0; i < 5; ++i) {
            const auto health = probe.request("GET", api.url(QStringLiteral("/healthz")), {}, {}, 10000);
            QCOMPARE(health.status, 200);
            QVERIFY2(health.elapsedMs < 1000, QByteArray::number(health.elapsedMs).constData());
        }
        // What needs Redis is answered 503 + Retry-After (never a guess), or waits for Redis.
        m_redis.pause(false);
        resume.dismiss();
        for (QNetworkReply *reply : std::as_const(pending)) {
            const auto r = Http::collect(reply, 30000);
            QVERIFY2(r.status == 503 || (r.status >= 200 && r.status < 500),
                qPrintable(QStringLiteral("%1 %2").arg(r.status).arg(QString::fromUtf8(r.body))));
            if (r.status == 503)
                QVERIFY(r.headers.contains("retry-after"));
        }
        QTRY_COMPARE_WITH_TIMEOUT(m_http.request("GET", api.url(QStringLiteral("/readyz"))).status, 200, 15000);
        QCOMPARE(api.terminate(), 0);
    }

    void hungRedisCostsTheRateLimitOneTimeout()
    {
        // The shared rate limit asks Redis on a store thread. While Redis hangs, one request pays
        // the connection timeout; for the next second (and while an answer is overdue) the
        // per-process bucket answers at once.
        const QString prefix = newPrefix();
        ServerProcess api;
        QVERIFY(api.start(baseArgs(prefix,
            { QStringLiteral("--role"), QStringLiteral("api"), QStringLiteral("--rate-limit"),
                QStringLiteral("1000") })));
        QCOMPARE(m_http.request("GET", api.url(QStringLiteral("/api/listings"))).status, 200);
        m_redis.pause(true);
        const auto resume = qScopeGuard([this] { m_redis.pause(false); });
        QCOMPARE(m_http.request("GET", api.url(QStringLiteral("/api/listings"))).status, 200); // waits out the timeout
        QElapsedTimer t;
        t.start();
        for (int i = 0; i < 5; ++i)
            QCOMPARE(m_http.request("GET", api.url(QStringLiteral("/api/listings"))).status, 200);
        // Each would have waited the 5 s timeout again.
        QVERIFY2(t.elapsed() < 4000, QByteArray::number(t.elapsed()).constData());
        m_redis.pause(false);
        QTRY_COMPARE_WITH_TIMEOUT(m_http.request("GET", api.url(QStringLiteral("/readyz"))).status, 200, 15000);
        QCOMPARE(api.terminate(), 0);
    }

    void rateLimitIsSharedByApiProcesses()
    {
        // Two API processes on one Redis, 2 requests/s per client: the bucket is in Redis, so
        // alternating between them does not double the allowance.
        const QString prefix = newPrefix();
        const QStringList limit { QStringLiteral("--role"), QStringLiteral("api"), QStringLiteral("--rate-limit"),
            QStringLiteral("2") };
        ServerProcess a, b;
        QVERIFY(a.start(baseArgs(prefix, limit)));
        QVERIFY(b.start(baseArgs(prefix, limit)));
        int allowed = 0, limitedA = 0, limitedB = 0;
        QElapsedTimer t;
        t.start();
        for (int i = 0; i < 12; ++i) {
            ServerProcess &s = i % 2 ? b : a;
            const auto r = m_http.request("GET", s.url(QStringLiteral("/api/listings?limit=1")));
            if (r.status == 200) {
                ++allowed;
            } else {
                QCOMPARE(r.status, 429);
                QCOMPARE(r.errorCode(), std::string("rate_limited"));
                QVERIFY(r.headers.value("retry-after").toInt() >= 1);
                ++(i % 2 ? limitedB : limitedA);
            }
        }
        // A burst of 2 plus 2/s of refill while the loop ran; per-process buckets would let 4+ pass.
        const qint64 refill = t.elapsed() * 2 / 1000;
        QVERIFY2(
            allowed <= 2 + refill, qPrintable(QStringLiteral("%1 allowed in %2 ms").arg(allowed).arg(t.elapsed())));
        QVERIFY(allowed >= 2);
        QVERIFY(limitedA > 0 && limitedB > 0);
        // Tokens are not stored in Redis: only hashed bucket names.
        const QByteArray keys = m_redis.cli({ QStringLiteral("KEYS"), prefix + QStringLiteral("ratelimit:*") });
        QCOMPARE(keys.trimmed().split('\n').size(), 1);
        QVERIFY(!keys.contains("127.0.0.1"));
        QCOMPARE(a.terminate(), 0);
        QCOMPARE(b.terminate(), 0);
    }
};

QTEST_GUILESS_MAIN(TestServerRedis)
#include "tst_server_redis.moc"
