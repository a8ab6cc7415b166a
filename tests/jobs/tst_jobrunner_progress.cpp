#include "RunnerFixture.h"
#include "analysis/AnalysisContext.h"
#include "analysis/NarrativeProvider.h"

#include <QTemporaryDir>
#include <QThread>

#include <atomic>

using namespace dealscope;
using namespace dealscope::testing;

namespace {

// A narrative provider that streams many small pieces, like an LLM streaming tokens into
// partialOutput (SPEC §7): thousands of progress reports per job in well under a second.
class StreamingProvider final : public NarrativeProvider
{
public:
    static constexpr int kTokens = 3000;
    mutable std::atomic_int reports { 0 };

    QString name() const override { return QStringLiteral("stream-test"); }
    void writeNarrative(AnalysisContext &ctx) const override
    {
        for (int i = 1; i <= kTokens; ++i) {
            ctx.reportProgress(double(i) / kTokens, QStringLiteral("streaming token %1").arg(i));
            ++reports;
            if (i % 50 == 0)
                ctx.throwIfStopped();
            QThread::usleep(150);
        }
        ctx.state()["result"]["engine"] = "stream-test";
    }
};

} // namespace

class TestJobRunnerProgress final : public QObject
{
    Q_OBJECT

    std::shared_ptr<StreamingProvider> m_provider;
    std::shared_ptr<const AnalysisEngine> m_engine;

private Q_SLOTS:
    void initTestCase()
    {
        Failpoints::configure(QString());
        auto benchmarks = BenchmarkTable::builtin();
        auto engine = std::make_shared<AnalysisEngine>(
            benchmarks, std::make_shared<const ListingCatalog>(fictionalListings(10), benchmarks));
        m_provider = std::make_shared<StreamingProvider>();
        engine->registerProvider(m_provider);
        m_engine = engine;
    }

    void progressSignalsAreCoalesced()
    {
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path(), 2));
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        const nlohmann::json params = { { "provider", "stream-test" } };
        QStringList ids;
        for (int i = 1; i <= 4; ++i) {
            const auto reply = await([&](auto cb) {
                runner.start(request(QStringLiteral("L%1").arg(i), QStringLiteral("valuation"), params), this, cb);
            });
            QVERIFY2(reply && reply->ok(), reply ? qPrintable(reply->message) : "no reply");
            ids.append(reply->job->id);
        }
        for (const QString &id : std::as_const(ids))
            QVERIFY(rec.waitTerminal(id, 60000));
        QVERIFY(m_provider->reports.load() >= 4 * StreamingProvider::kTokens);

        for (const QString &id : std::as_const(ids)) {
            const Job done = *rec.last(id);
            QCOMPARE(done.status, JobStatus::Succeeded);
            QCOMPARE(done.result->value("engine", std::string()), std::string("stream-test"));
            const auto updates = rec.updates.value(id);
            const qint64 runningMs = *done.finishedAt - *done.startedAt;
            // Status changes (queued, running, succeeded) are each shown; progress at most every 50 ms.
            const qint64 bound = 3 + runningMs / 50 + 2;
            qInfo() << "job" << id << updates.size() << "updates for" << StreamingProvider::kTokens
                    << "progress reports in" << runningMs << "ms";
            QVERIFY2(
                updates.size() <= bound, qPrintable(QStringLiteral("%1 updates > %2").arg(updates.size()).arg(bound)));
            // Coalescing keeps the stream visible: several intermediate lines arrive, and progress
            // never goes back.
            int streamed = 0;
            double last = 0;
            for (const Job &u : updates) {
                if (u.partialOutput.startsWith(QStringLiteral("streaming token")))
                    ++streamed;
                QVERIFY(u.progress >= last);
                last = u.progress;
            }
            QVERIFY(streamed >= 2);
        }
    }

    void cancelInsideLongStreamingStep()
    {
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path(), 1));
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        const auto reply = await([&](auto cb) {
            runner.start(
                request(QStringLiteral("L5"), QStringLiteral("risk_assessment"), { { "provider", "stream-test" } }),
                this, cb);
        });
        QVERIFY(reply && reply->ok());
        const QString id = reply->job->id;
        QVERIFY(QTest::qWaitFor(
            [&] {
                const auto j = rec.last(id);
                return j && j->partialOutput.startsWith(QStringLiteral("streaming token"));
            },
            20000));
        const qint64 requestedAt = nowMs();
        QVERIFY(await([&](auto cb) { runner.cancel(id, this, cb); }));
        QVERIFY(rec.waitTerminal(id, 5000));
        const Job done = *rec.last(id);
        QCOMPARE(done.status, JobStatus::Canceled);
        QVERIFY2(*done.finishedAt - requestedAt <= 250, qPrintable(QString::number(*done.finishedAt - requestedAt)));
    }
};

QTEST_GUILESS_MAIN(TestJobRunnerProgress)
#include "tst_jobrunner_progress.moc"
