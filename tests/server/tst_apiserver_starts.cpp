// The API's batched start path in-process, on a store that fails in a way the contract rules out:
// every start still gets an answer and later starts keep working.

#include "ServerTestSupport.h"
#include "analysis/AnalysisEngine.h"
#include "benchmarks/BenchmarkTable.h"
#include "market/ListingCatalog.h"
#include "server/http/ApiServer.h"
#include "server/http/GuardedTcpServer.h"
#include "server/http/Metrics.h"
#include "server/store/MemoryJobStore.h"

#include <QTest>

#include <atomic>
#include <stdexcept>

using namespace servertest;
using namespace dealscope;
using namespace dealscope::server;

namespace {

// The memory store behind a remote-store face (so the API batches starts on its store thread),
// whose startMany() throws while `failStarts` is set.
class FlakyRemoteStore final : public JobStore
{
public:
    MemoryJobStore inner { StoreSettings {} };
    std::atomic_bool failStarts { false };

    QString kind() const override { return QStringLiteral("flaky"); }
    bool isRemote() const override { return true; }
    using JobStore::start;
    StartOutcome start(const StartRequest &request) override { return inner.start(request); }
    QList<StartResult> startMany(const QList<StartRequest> &requests) override
    {
        if (failStarts)
            throw std::runtime_error("unexpected store failure");
        return inner.startMany(requests);
    }
    std::optional<Job> get(const QString &id) override { return inner.get(id); }
    QList<std::optional<Job>> getMany(const QStringList &ids) override { return inner.getMany(ids); }
    std::optional<Job> lookup(const QString &o, const QString &l, const QString &t) override
    {
        return inner.lookup(o, l, t);
    }
    CancelResult cancel(const QString &owner, const QString &id) override { return inner.cancel(owner, id); }
    bool ping() override { return inner.ping(); }
    StoreStats stats() override { return inner.stats(); }
    bool rememberOnce(const QByteArray &key, qint64 untilMs) override { return inner.rememberOnce(key, untilMs); }
    std::optional<Lease> claim(const QString &w, int waitMs) override { return inner.claim(w, waitMs); }
    std::optional<Lease> claimJob(const QString &w, const QString &id) override { return inner.claimJob(w, id); }
    WriteResult progress(Lease &l, double p, const QString &line) override { return inner.progress(l, p, line); }
    WriteResult heartbeat(Lease &l) override { return inner.heartbeat(l); }
    WriteResult finish(Lease &l, JobStatus to, std::optional<nlohmann::json> r, const QString &e) override
    {
        return inner.finish(l, to, std::move(r), e);
    }
    WriteResult retryLater(Lease &l, const QString &e) override { return inner.retryLater(l, e); }
    WriteResult resume(Lease &l) override { return inner.resume(l); }
    WriteResult saveCheckpoint(Lease &l, const nlohmann::json &cp) override { return inner.saveCheckpoint(l, cp); }
    std::optional<nlohmann::json> loadCheckpoint(const QString &id) override { return inner.loadCheckpoint(id); }
    void release(Lease &l) override { inner.release(l); }
    void interruptClaims() override { inner.interruptClaims(); }
};

Listing listing(const QString &id)
{
    Listing l;
    l.id = id;
    l.title = QStringLiteral("Shop ") + id;
    l.industry = QStringLiteral("Retail");
    l.askingPrice = 300000;
    l.cashFlow = 90000;
    l.grossRevenue = 400000;
    l.yearEstablished = 2001;
    return l;
}

} // namespace

class TestApiServerStarts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void failingStoreStillAnswersEveryStart()
    {
        const auto benchmarks = BenchmarkTable::builtin();
        auto engine = std::make_shared<AnalysisEngine>(benchmarks,
            std::make_shared<ListingCatalog>(
                QList<Listing> { listing(QStringLiteral("L1")), listing(QStringLiteral("L2")) }, benchmarks));
        FlakyRemoteStore store;
        Metrics metrics;
        ApiServer::Config config;
        config.requireAuth = false;
        ApiServer api(config, &store, engine, &metrics);
        auto *tcp = new GuardedTcpServer(GuardedTcpServer::Limits {}, &api);
        QVERIFY(tcp->listen(QHostAddress::LocalHost, 0));
        api.serve(tcp);
        const QUrl url(QStringLiteral("http://127.0.0.1:%1/api/analysis/start").arg(tcp->serverPort()));
        Http http;

        store.failStarts = true;
        const auto failed
            = http.request("POST", url, "{\"listingId\":\"L1\",\"analysisType\":\"valuation\"}", {}, 10000);
        QCOMPARE(failed.status, 500);
        QCOMPARE(failed.errorCode(), std::string("internal_error"));

        store.failStarts = false;
        for (const char *id : { "L1", "L2" }) {
            const auto ok = http.request(
                "POST", url, "{\"listingId\":\"" + QByteArray(id) + "\",\"analysisType\":\"valuation\"}", {}, 10000);
            QCOMPARE(ok.status, 202);
            QCOMPARE(ok.json()["job"]["status"].get<std::string>(), std::string("queued"));
        }
    }
};

QTEST_GUILESS_MAIN(TestApiServerStarts)
#include "tst_apiserver_starts.moc"
