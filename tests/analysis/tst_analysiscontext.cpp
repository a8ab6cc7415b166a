#include "TestCatalog.h"
#include "analysis/AnalysisContext.h"
#include "analysis/AnalysisError.h"

#include <QElapsedTimer>
#include <QTest>

using namespace dealscope;
using json = nlohmann::json;

class TestAnalysisContext final : public QObject
{
    Q_OBJECT

private:
    std::shared_ptr<const ListingCatalog> m_catalog = testcatalog::catalog();
    AnalysisParams m_params;

private slots:
    void reportsClampedProgress()
    {
        json state = json::object();
        QList<double> fractions;
        QStringList lines;
        AnalysisContext::Callbacks cb;
        cb.progress = [&](double f, const QString &line) {
            fractions << f;
            lines << line;
        };
        AnalysisContext ctx(AnalysisType::Valuation, m_catalog->listings().first(), m_params, *m_catalog, state, cb);
        ctx.reportProgress(-1, QStringLiteral("a"));
        ctx.reportProgress(0.5, QStringLiteral("b"));
        ctx.reportProgress(7);
        QCOMPARE(fractions, (QList<double> { 0.0, 0.5, 1.0 }));
        QCOMPARE(lines, (QStringList { QStringLiteral("a"), QStringLiteral("b"), QString() }));
        ctx.state()["x"] = 1;
        QCOMPARE(state["x"].get<int>(), 1);
        QCOMPARE(&ctx.benchmarks(), &m_catalog->benchmarks());
        QCOMPARE(ctx.listing().id, QStringLiteral("a"));
    }

    void withoutCallbacksNothingStops()
    {
        json state = json::object();
        AnalysisContext ctx(
            AnalysisType::RiskAssessment, m_catalog->listings().first(), m_params, *m_catalog, state, {});
        QVERIFY(!ctx.shouldStop());
        ctx.throwIfStopped();
        ctx.reportProgress(0.3);
        QElapsedTimer t;
        t.start();
        ctx.interruptibleSleep(120);
        QVERIFY(t.elapsed() >= 119);
        ctx.interruptibleSleep(-5);
        QVERIFY(ctx.currentYear() >= 2024);
    }

    void sleepEndsWhenStopped()
    {
        json state = json::object();
        std::atomic_int polls { 0 };
        AnalysisContext::Callbacks cb;
        // Stops on the fourth poll: the sleep polls at least every 50 ms, so this ends far before 10 s.
        cb.shouldStop = [&] { return ++polls >= 4; };
        AnalysisContext ctx(AnalysisType::Valuation, m_catalog->listings().first(), m_params, *m_catalog, state, cb);
        try {
            ctx.interruptibleSleep(10000);
            QFAIL("the sleep was not interrupted");
        } catch (const AnalysisError &e) {
            // Without a throwIfStopped callback a stop reads as a cancellation.
            QCOMPARE(e.kind(), AnalysisError::Kind::Canceled);
            QCOMPARE(e.message(), QStringLiteral("canceled by user"));
        }
        QCOMPARE(polls.load(), 4);
    }

    void throwIfStoppedUsesTheCallbackError()
    {
        json state = json::object();
        AnalysisContext::Callbacks cb;
        cb.shouldStop = [] { return true; };
        cb.throwIfStopped
            = [] { throw AnalysisError(AnalysisError::Kind::TimedOut, QStringLiteral("timed out after 3 s")); };
        cb.currentYear = [] { return 1999; };
        AnalysisContext ctx(AnalysisType::Valuation, m_catalog->listings().first(), m_params, *m_catalog, state, cb);
        QCOMPARE(ctx.currentYear(), 1999);
        try {
            ctx.interruptibleSleep(10000);
            QFAIL("not stopped");
        } catch (const AnalysisError &e) {
            QCOMPARE(e.kind(), AnalysisError::Kind::TimedOut);
            QCOMPARE(e.message(), QStringLiteral("timed out after 3 s"));
            QCOMPARE(QString::fromUtf8(e.what()), QStringLiteral("timed out after 3 s"));
        }
    }
};

QTEST_GUILESS_MAIN(TestAnalysisContext)
#include "tst_analysiscontext.moc"
