// Which backend an analysis runs on: the local runner, or one remote backend per server, made
// once per server URL whatever its spelling.

#include "analysis/AnalysisEngine.h"
#include "app/JobBackends.h"
#include "benchmarks/BenchmarkTable.h"
#include "jobs/LocalJobRunner.h"
#include "market/ListingCatalog.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace dealscope;

namespace {

// A backend that only has to exist: these tests never start a job on it.
class NamedBackend final : public JobBackend
{
public:
    NamedBackend(QUrl server, QObject *parent)
        : JobBackend(parent)
        , m_server(std::move(server))
    { }
    QString kind() const override { return QStringLiteral("remote"); }
    QString server() const override { return m_server.toString(); }
    void start(const StartRequest &, QObject *, Callback) override { }
    void fetch(const QString &, QObject *, Callback) override { }
    void lookup(const QString &, const QString &, QObject *, Callback) override { }
    void cancel(const QString &, QObject *, Callback) override { }
    void watch(const QString &) override { }
    void unwatch(const QString &) override { }

private:
    QUrl m_server;
};

} // namespace

class TestJobBackends : public QObject
{
    Q_OBJECT

private slots:
    void localAndRemote()
    {
        QTemporaryDir dir;
        auto benchmarks = BenchmarkTable::builtin();
        auto engine = std::make_shared<AnalysisEngine>(
            benchmarks, std::make_shared<const ListingCatalog>(QList<Listing> {}, benchmarks));
        LocalRunnerOptions options;
        options.dataDir = dir.path();
        LocalJobRunner runner(engine, options);
        JobBackends backends(&runner);

        QCOMPARE(&backends.current(), static_cast<JobBackend *>(&runner));
        QCOMPARE(backends.forEntry(InFlightEntry { QStringLiteral("L1"), QStringLiteral("valuation"),
                     QStringLiteral("j"), QStringLiteral("local"), QString() }),
            static_cast<JobBackend *>(&runner));
        // No factory yet: a remote entry has nowhere to go, and new analyses stay local.
        QVERIFY(!backends.remote(QUrl(QStringLiteral("http://127.0.0.1:8080"))));
        backends.setCurrentServer(QUrl(QStringLiteral("http://127.0.0.1:8080")));
        QCOMPARE(&backends.current(), static_cast<JobBackend *>(&runner));

        int made = 0;
        backends.setRemoteFactory([&made](const QUrl &server, QObject *parent) -> JobBackend * {
            ++made;
            return new NamedBackend(server, parent);
        });
        QSignalSpy added(&backends, &JobBackends::backendAdded);
        JobBackend *a = backends.remote(QUrl(QStringLiteral("http://127.0.0.1:8080")));
        QVERIFY(a);
        QCOMPARE(a->server(), QStringLiteral("http://127.0.0.1:8080"));
        // The same server however it is written: one backend.
        QCOMPARE(backends.remote(QUrl(QStringLiteral("HTTP://127.0.0.1:8080/"))), a);
        QCOMPARE(backends.forEntry(InFlightEntry { QStringLiteral("L1"), QStringLiteral("valuation"),
                     QStringLiteral("j"), QStringLiteral("remote"), QStringLiteral("http://127.0.0.1:8080/") }),
            a);
        QCOMPARE(&backends.current(), a);
        JobBackend *b = backends.remote(QUrl(QStringLiteral("https://jobs.example.test/api")));
        QVERIFY(b && b != a);
        QCOMPARE(made, 2);
        QCOMPARE(added.size(), 2);
        QCOMPARE(backends.all().size(), 3);
        // Not a job server address.
        QVERIFY(!backends.remote(QUrl(QStringLiteral("ftp://127.0.0.1"))));
        QVERIFY(!backends.remote(QUrl(QStringLiteral("not a url"))));
        QVERIFY(!backends.remote(QUrl()));
        QCOMPARE(made, 2);

        backends.setCurrentServer(QUrl());
        QCOMPARE(&backends.current(), static_cast<JobBackend *>(&runner));
    }
};

QTEST_GUILESS_MAIN(TestJobBackends)
#include "tst_jobbackends.moc"
