// How the engine runs a pipeline: progress, checkpoints and resume, cancellation, deadlines and
// failpoints (SPEC §3 rules as far as the engine implements them).

#include "TestCatalog.h"
#include "analysis/AnalysisError.h"
#include "common/Failpoints.h"
#include "common/JsonQt.h"

#include <QElapsedTimer>
#include <QMutex>
#include <QTest>
#include <QThread>

using namespace dealscope;
using json = nlohmann::json;

namespace {

struct Recorder
{
    QMutex mutex;
    QList<double> progress;
    QStringList lines;
    QList<PipelineCheckpoint> checkpoints;

    ExecutionHooks hooks()
    {
        ExecutionHooks h;
        h.onProgress = [this](double p, const QString &line) {
            QMutexLocker lock(&mutex);
            progress << p;
            lines << line;
        };
        h.onCheckpoint = [this](const PipelineCheckpoint &c) {
            QMutexLocker lock(&mutex);
            checkpoints << c;
        };
        return h;
    }
};

AnalysisRequest jobOf(const char *id, const QString &type)
{
    AnalysisRequest j = testcatalog::job(id, "x");
    j.analysisType = type;
    return j;
}

} // namespace

class TestPipelineExecution final : public QObject
{
    Q_OBJECT

private slots:
    void cleanup() { Failpoints::configure({}); }

    void stepsAreNamedAndWeighted()
    {
        const auto engine = testcatalog::engine();
        for (const QString &type : analysisTypeNames()) {
            const auto steps = engine->steps(*parseAnalysisType(type));
            QVERIFY(steps.size() >= 7);
            QCOMPARE(steps.first().id, QStringLiteral("load_inputs"));
            QCOMPARE(steps.last().id, QStringLiteral("summary"));
            QStringList ids;
            for (const StepInfo &s : steps) {
                QVERIFY(s.weight > 0);
                QVERIFY(s.label.endsWith(QStringLiteral("…")));
                QVERIFY(!ids.contains(s.id));
                ids << s.id;
            }
            for (const char *common : { "sde_multiple", "debt_service", "benchmarks", "findings", "score" })
                QVERIFY(ids.contains(QString::fromLatin1(common)));
        }
        QVERIFY(engine->steps(AnalysisType::Valuation).size() > engine->steps(AnalysisType::RiskAssessment).size());
    }

    void progressIsMonotonicAndReaches100()
    {
        const auto engine = testcatalog::engine();
        for (const QString &type : analysisTypeNames()) {
            Recorder rec;
            engine->run(jobOf("a", type), {}, rec.hooks());
            QVERIFY(rec.progress.size() > 5);
            for (qsizetype i = 1; i < rec.progress.size(); ++i)
                QVERIFY(rec.progress[i] >= rec.progress[i - 1]);
            QCOMPARE(rec.progress.first(), 0.0);
            QCOMPARE(rec.progress.last(), 100.0);
            QCOMPARE(rec.lines.last(), QStringLiteral("Analysis complete"));
            // partialOutput names each step by its label, in order.
            QStringList labels;
            for (const StepInfo &s : engine->steps(*parseAnalysisType(type)))
                labels << s.label;
            for (const QString &label : labels)
                QVERIFY2(rec.lines.contains(label), qPrintable(label));
            QVERIFY(rec.lines.contains(QStringLiteral("Computing SDE multiple…")));
            // One checkpoint per finished step, the last one holding the result.
            QCOMPARE(rec.checkpoints.size(), labels.size());
            for (qsizetype i = 0; i < rec.checkpoints.size(); ++i)
                QCOMPARE(rec.checkpoints[i].nextStep, int(i + 1));
            QVERIFY(rec.checkpoints.last().state.contains("result"));
        }
    }

    void progressFollowsTheWeights()
    {
        const auto engine = testcatalog::engine();
        Recorder rec;
        engine->run(jobOf("a", QStringLiteral("valuation")), {}, rec.hooks());
        const auto steps = engine->steps(AnalysisType::Valuation);
        double total = 0;
        for (const auto &s : steps)
            total += s.weight;
        // When step k starts, progress is the weight of steps 0..k-1 over the total.
        double before = 0;
        for (const auto &s : steps) {
            const qsizetype at = rec.lines.indexOf(s.label);
            QVERIFY(at >= 0);
            QVERIFY(qFuzzyCompare(1.0 + rec.progress[at], 1.0 + 100.0 * before / total));
            before += s.weight;
        }
    }

    void resumeFromCheckpointGivesTheSameResult_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<int>("stopAfter");
        for (const QString &type : analysisTypeNames())
            for (int stopAfter : { 1, 2, 5 })
                QTest::addRow("%s after %d", qPrintable(type), stopAfter) << type << stopAfter;
    }

    void resumeFromCheckpointGivesTheSameResult()
    {
        QFETCH(QString, type);
        QFETCH(int, stopAfter);
        const auto engine = testcatalog::engine();
        const AnalysisRequest job = jobOf("a", type);
        const json uninterrupted = engine->run(job, {}, {});

        // First attempt: stop (as a cancel would) once `stopAfter` steps have been checkpointed.
        Recorder rec;
        ExecutionHooks hooks = rec.hooks();
        hooks.isCancelRequested = [&rec, stopAfter] {
            QMutexLocker lock(&rec.mutex);
            return rec.checkpoints.size() >= stopAfter;
        };
        try {
            engine->run(job, {}, hooks);
            QFAIL("the run was not interrupted");
        } catch (const AnalysisError &e) {
            QCOMPARE(e.kind(), AnalysisError::Kind::Canceled);
            QCOMPARE(e.message(), QStringLiteral("canceled by user"));
        }
        QCOMPARE(rec.checkpoints.size(), qsizetype(stopAfter));
        // The checkpoint goes through storage as JSON text.
        PipelineCheckpoint stored = rec.checkpoints.last();
        stored.state = json::parse(stored.state.dump());
        QCOMPARE(stored.nextStep, stopAfter);

        // Second attempt resumes there: the finished steps do not run again.
        Recorder resumed;
        const json r = engine->run(job, stored, resumed.hooks());
        QVERIFY(r == uninterrupted);
        QCOMPARE(resumed.checkpoints.first().nextStep, stopAfter + 1);
        const auto steps = engine->steps(*parseAnalysisType(type));
        for (int i = 0; i < stopAfter; ++i)
            QVERIFY(!resumed.lines.contains(steps[i].label));
        QVERIFY(resumed.progress.first() > 0);
        QCOMPARE(resumed.progress.last(), 100.0);
    }

    void resumeKeepsThePinnedYear()
    {
        const auto engine = testcatalog::engine();
        Recorder rec;
        ExecutionHooks hooks = rec.hooks();
        hooks.isCancelRequested = [&rec] {
            QMutexLocker lock(&rec.mutex);
            return !rec.checkpoints.isEmpty();
        };
        const AnalysisRequest job = jobOf("a", QStringLiteral("business_analysis"));
        QVERIFY_THROWS_EXCEPTION(AnalysisError, engine->run(job, {}, hooks));
        // New year between the attempts: the resumed job still measures age against 2026.
        engine->setCurrentYearSource([] { return 2031; });
        const json r = engine->run(job, rec.checkpoints.last(), {});
        QCOMPARE(r["metrics"]["businessAgeYears"].get<int>(), 25);
        QCOMPARE(engine->run(job, {}, {})["metrics"]["businessAgeYears"].get<int>(), 30);
    }

    void unusableCheckpointStartsOver()
    {
        const auto engine = testcatalog::engine();
        const AnalysisRequest job = jobOf("a", QStringLiteral("valuation"));
        const json expected = engine->run(job, {}, {});
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("unusable checkpoint")));
        QVERIFY(engine->run(job, PipelineCheckpoint { 99, json::object() }, {}) == expected);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("unusable checkpoint")));
        QVERIFY(engine->run(job, PipelineCheckpoint { 3, json::array() }, {}) == expected);
        // A finished pipeline's checkpoint returns its result without running anything.
        Recorder rec;
        engine->run(job, {}, rec.hooks());
        Recorder again;
        QVERIFY(engine->run(job, rec.checkpoints.last(), again.hooks()) == expected);
        QVERIFY(again.checkpoints.isEmpty());
        // A corrupt state fails the job with a reason instead of crashing the worker.
        try {
            engine->run(job, PipelineCheckpoint { 2, json { { "metrics", 5 } } }, {});
            QFAIL("a corrupt checkpoint was accepted");
        } catch (const AnalysisError &e) {
            QCOMPARE(e.kind(), AnalysisError::Kind::Permanent);
            QVERIFY2(e.message().contains(QStringLiteral("internal error in step")), qPrintable(e.message()));
        }
    }

    void cancelDuringFailpointDelayWithin250ms()
    {
        Failpoints::configure(QStringLiteral("analysis.step.debt_service=delay(20000)"));
        const auto engine = testcatalog::engine();
        std::atomic_bool cancel { false };
        std::atomic_bool inDelay { false };
        std::atomic<qint64> canceledAtNs { 0 };
        std::atomic<qint64> thrownAtNs { 0 };
        std::optional<AnalysisError::Kind> kind;
        QElapsedTimer clock;
        clock.start();

        ExecutionHooks hooks;
        hooks.isCancelRequested = [&] { return cancel.load(); };
        // The delay runs before the step's progress line; "sde_multiple" finished means the delay began.
        hooks.onCheckpoint = [&](const PipelineCheckpoint &c) {
            if (c.nextStep == 2)
                inDelay = true;
        };
        std::unique_ptr<QThread> worker(QThread::create([&] {
            try {
                engine->run(jobOf("a", QStringLiteral("valuation")), {}, hooks);
            } catch (const AnalysisError &e) {
                thrownAtNs = clock.nsecsElapsed();
                kind = e.kind();
            }
        }));
        worker->start();
        QTRY_VERIFY_WITH_TIMEOUT(inDelay.load(), 10000);
        QTest::qWait(100); // let the worker enter the sleep
        canceledAtNs = clock.nsecsElapsed();
        cancel = true;
        QVERIFY(worker->wait(5000));
        QCOMPARE(kind, std::optional(AnalysisError::Kind::Canceled));
        const qint64 latencyMs = (thrownAtNs - canceledAtNs) / 1'000'000;
        QVERIFY2(latencyMs < 250, qPrintable(QStringLiteral("cancel took %1 ms").arg(latencyMs)));
    }

    void deadlineTimesOut()
    {
        Failpoints::configure(QStringLiteral("analysis.step.valuation.sensitivity=delay(20000)"));
        const auto engine = testcatalog::engine();
        ExecutionHooks hooks;
        hooks.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
        hooks.timeoutSeconds = 7;
        QElapsedTimer t;
        t.start();
        try {
            engine->run(jobOf("a", QStringLiteral("valuation")), {}, hooks);
            QFAIL("no timeout");
        } catch (const AnalysisError &e) {
            QCOMPARE(e.kind(), AnalysisError::Kind::TimedOut);
            QCOMPARE(e.message(), QStringLiteral("timed out after 7 s"));
        }
        QVERIFY(t.elapsed() < 20000);
        // Type-specific failpoint names do not touch other types.
        ExecutionHooks other;
        other.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        QVERIFY(engine->run(jobOf("a", QStringLiteral("business_analysis")), {}, other).is_object());
        // A deadline already past stops before the first step.
        ExecutionHooks past;
        past.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
        QVERIFY_THROWS_EXCEPTION(AnalysisError, engine->run(jobOf("a", QStringLiteral("business_analysis")), {}, past));
    }

    void failpointFailsNTimes()
    {
        Failpoints::configure(QStringLiteral(
            "analysis.step.valuation.sensitivity=fail(2,transient);analysis.step.score=fail(1,permanent)"));
        const auto engine = testcatalog::engine();
        const AnalysisRequest job = jobOf("a", QStringLiteral("valuation"));
        for (int attempt = 0; attempt < 2; ++attempt) {
            Recorder rec;
            try {
                engine->run(job, {}, rec.hooks());
                QFAIL("the failpoint did not fire");
            } catch (const AnalysisError &e) {
                QCOMPARE(e.kind(), AnalysisError::Kind::Transient);
                QVERIFY(e.message().contains(QStringLiteral("analysis.step.valuation.sensitivity")));
            }
            // The steps before the failing one were checkpointed.
            QCOMPARE(rec.checkpoints.last().nextStep, 5);
        }
        // Third time the sensitivity step passes; the score failpoint fails once, permanently.
        try {
            engine->run(job, {}, {});
            QFAIL("the permanent failpoint did not fire");
        } catch (const AnalysisError &e) {
            QCOMPARE(e.kind(), AnalysisError::Kind::Permanent);
            QVERIFY(e.message().contains(QStringLiteral("analysis.step.score")));
        }
        QVERIFY(engine->run(job, {}, {}).is_object());
    }

    void afterCheckpointFailpoint()
    {
        Failpoints::configure(QStringLiteral("jobs.after_checkpoint=fail(1,transient)"));
        const auto engine = testcatalog::engine();
        Recorder rec;
        QVERIFY_THROWS_EXCEPTION(
            AnalysisError, engine->run(jobOf("a", QStringLiteral("risk_assessment")), {}, rec.hooks()));
        // It fires right after the first checkpoint was handed over.
        QCOMPARE(rec.checkpoints.size(), 1);
        const json r = engine->run(jobOf("a", QStringLiteral("risk_assessment")), rec.checkpoints.last(), {});
        QVERIFY(r == engine->run(jobOf("a", QStringLiteral("risk_assessment")), {}, {}));
    }

    void failpointsOffCostNothingVisible()
    {
        Failpoints::configure({});
        const auto engine = testcatalog::engine();
        Recorder rec;
        QVERIFY(engine->run(jobOf("a", QStringLiteral("valuation")), {}, rec.hooks()).is_object());
        QCOMPARE(rec.progress.last(), 100.0);
    }
};

QTEST_GUILESS_MAIN(TestPipelineExecution)
#include "tst_pipelineexecution.moc"
