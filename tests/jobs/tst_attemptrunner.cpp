// The execution core shared by the local runner and the server's workers: outcome and retry
// classification, error texts, and when an attempt keeps a checkpoint. Time is a manual clock that
// the sink moves forward as steps start, so "slow" is exact, not a matter of machine load.

#include "RunnerFixture.h"
#include "analysis/AnalysisError.h"
#include "common/Clock.h"
#include "jobs/AttemptRunner.h"

#include <QTest>

using namespace dealscope;
using namespace dealscope::testing;
using namespace std::chrono_literals;

namespace {

class RecordingSink final : public AttemptSink
{
public:
    explicit RecordingSink(ManualClock &clock)
        : m_clock(clock)
    { }

    // Each step whose label appears here takes that long (the clock moves when it first shows).
    QHash<QString, std::chrono::milliseconds> stepTakes;
    // poll() answers this once `stopAfterPolls` polls have passed.
    Stop stopWith = Stop::None;
    int stopAfterPolls = -1;

    struct Saved
    {
        PipelineCheckpoint checkpoint;
        QList<FinishedStep> steps;
        bool durable;
    };
    QList<Saved> saved;
    QStringList lines;
    int polls = 0;

    Stop poll() override
    {
        ++polls;
        if (stopAfterPolls >= 0 && polls > stopAfterPolls)
            return stopWith;
        return Stop::None;
    }
    void progress(double, const QString &line) override
    {
        const bool firstTime = !lines.contains(line);
        lines.append(line);
        if (const auto it = stepTakes.constFind(line); firstTime && it != stepTakes.cend())
            m_clock.advance(*it);
    }
    void checkpoint(const PipelineCheckpoint &checkpoint, const QList<FinishedStep> &steps, bool durable) override
    {
        saved.append({ checkpoint, steps, durable });
    }

private:
    ManualClock &m_clock;
};

Job jobFor(const QString &listing, int attempt = 1)
{
    Job job;
    job.id = QStringLiteral("job-") + listing;
    job.listingId = listing;
    job.analysisType = QStringLiteral("valuation");
    job.attempt = attempt;
    return job;
}

} // namespace

class TestAttemptRunner final : public QObject
{
    Q_OBJECT

    std::shared_ptr<const AnalysisEngine> m_engine = makeEngine();
    ManualClock m_clock;

    AttemptRunner runner(int maxAttempts = 3)
    {
        AttemptOptions o;
        o.clock = &m_clock;
        RetryPolicy::Options retry;
        retry.maxAttempts = maxAttempts;
        retry.baseDelayMs = 1000;
        o.retry = RetryPolicy(retry);
        return AttemptRunner(m_engine, o);
    }

    QString labelOf(int index) const { return m_engine->steps(AnalysisType::Valuation).at(index).label; }

private Q_SLOTS:
    void cleanup() { Failpoints::configure(QString()); }

    void fastJobKeepsNoCheckpoint()
    {
        RecordingSink sink(m_clock);
        PipelineCheckpoint checkpoint;
        const AttemptOutcome out = runner().run(jobFor(QStringLiteral("L1")), checkpoint, sink);
        QCOMPARE(out.kind, AttemptOutcome::Kind::Succeeded);
        QVERIFY(out.result && out.result->contains("metrics"));
        QVERIFY(sink.saved.isEmpty());
        // Every step is still accounted for, to be written with the result.
        const int steps = int(m_engine->steps(AnalysisType::Valuation).size());
        QCOMPARE(out.unsavedSteps.size(), steps);
        for (int i = 0; i < steps; ++i)
            QCOMPARE(out.unsavedSteps.at(i).index, i);
    }

    void slowStepIsSavedDurablyBeforeTheNext()
    {
        RecordingSink sink(m_clock);
        sink.stepTakes.insert(labelOf(3), 700ms); // the 4th step takes 0.7 s (an LLM call, say)
        PipelineCheckpoint checkpoint;
        const AttemptOutcome out = runner().run(jobFor(QStringLiteral("L2")), checkpoint, sink);
        QCOMPARE(out.kind, AttemptOutcome::Kind::Succeeded);
        QCOMPARE(sink.saved.size(), 1);
        QVERIFY(sink.saved.first().durable);
        QCOMPARE(sink.saved.first().checkpoint.nextStep, 4);
        QCOMPARE(sink.saved.first().steps.size(), 4);
        QVERIFY(sink.saved.first().checkpoint.state.is_object());
        // The rest goes with the result.
        QCOMPARE(out.unsavedSteps.first().index, 4);
    }

    void oldAttemptSavesAtMostOnceASecond()
    {
        RecordingSink sink(m_clock);
        for (int i = 0; i < 9; ++i)
            sink.stepTakes.insert(labelOf(i), 400ms); // under slowStep, so never durable
        PipelineCheckpoint checkpoint;
        const AttemptOutcome out = runner().run(jobFor(QStringLiteral("L3")), checkpoint, sink);
        QCOMPARE(out.kind, AttemptOutcome::Kind::Succeeded);
        // 9 steps × 0.4 s = 3.6 s: a save once the attempt is 1 s old, then at most every second.
        QVERIFY2(sink.saved.size() >= 2 && sink.saved.size() <= 3, qPrintable(QString::number(sink.saved.size())));
        for (const auto &s : std::as_const(sink.saved))
            QVERIFY(!s.durable);
        int previous = 0;
        for (const auto &s : std::as_const(sink.saved)) {
            QVERIFY(s.checkpoint.nextStep > previous);
            previous = s.checkpoint.nextStep;
        }
    }

    void handBackKeepsTheLastFinishedStep()
    {
        RecordingSink sink(m_clock);
        sink.stopWith = AttemptSink::Stop::HandBack;
        sink.stopAfterPolls = 3; // the engine polls before each step: after step 2 it stops
        PipelineCheckpoint checkpoint;
        const AttemptOutcome out = runner().run(jobFor(QStringLiteral("L4")), checkpoint, sink);
        QCOMPARE(out.kind, AttemptOutcome::Kind::HandedBack);
        QCOMPARE(sink.saved.size(), 1);
        QVERIFY(sink.saved.first().checkpoint.nextStep > 0);
        QCOMPARE(checkpoint.nextStep, sink.saved.first().checkpoint.nextStep);
        // A run from there finishes with the same result as one that was never stopped.
        RecordingSink again(m_clock);
        const AttemptOutcome resumed = runner().run(jobFor(QStringLiteral("L4")), checkpoint, again);
        QCOMPARE(resumed.kind, AttemptOutcome::Kind::Succeeded);
        RecordingSink fresh(m_clock);
        PipelineCheckpoint none;
        QVERIFY(*resumed.result == *runner().run(jobFor(QStringLiteral("L4")), none, fresh).result);
    }

    void cancelAndLost()
    {
        for (const auto stop : { AttemptSink::Stop::Cancel, AttemptSink::Stop::Lost }) {
            RecordingSink sink(m_clock);
            sink.stopWith = stop;
            sink.stopAfterPolls = 1;
            PipelineCheckpoint checkpoint;
            const AttemptOutcome out = runner().run(jobFor(QStringLiteral("L5")), checkpoint, sink);
            if (stop == AttemptSink::Stop::Cancel) {
                QCOMPARE(out.kind, AttemptOutcome::Kind::Canceled);
                QCOMPARE(out.error, AnalysisError::canceledByUserText());
            } else {
                QCOMPARE(out.kind, AttemptOutcome::Kind::Lost);
            }
            QVERIFY(!out.result);
        }
    }

    void transientFailuresRetryThenGiveUp()
    {
        Failpoints::configure(QStringLiteral("analysis.step.sde_multiple=fail(100,transient)"));
        RecordingSink sink(m_clock);
        PipelineCheckpoint checkpoint;
        const AttemptOutcome first = runner().run(jobFor(QStringLiteral("L6"), 1), checkpoint, sink);
        QCOMPARE(first.kind, AttemptOutcome::Kind::RetryLater);
        QVERIFY2(
            first.retryDelayMs >= 800 && first.retryDelayMs <= 1200, qPrintable(QString::number(first.retryDelayMs)));
        QVERIFY(first.error.contains(QStringLiteral("sde_multiple")));
        const AttemptOutcome second = runner().run(jobFor(QStringLiteral("L6"), 2), checkpoint, sink);
        QCOMPARE(second.kind, AttemptOutcome::Kind::RetryLater);
        QVERIFY(second.retryDelayMs >= 1600 && second.retryDelayMs <= 2400); // doubled
        const AttemptOutcome last = runner().run(jobFor(QStringLiteral("L6"), 3), checkpoint, sink);
        QCOMPARE(last.kind, AttemptOutcome::Kind::Failed);
        QCOMPARE(last.error, AttemptRunner::gaveUpMessage(first.error, 3));
    }

    void permanentAndTimeout()
    {
        Failpoints::configure(QStringLiteral("analysis.step.sde_multiple=fail(1,permanent)"));
        RecordingSink sink(m_clock);
        PipelineCheckpoint checkpoint;
        const AttemptOutcome permanent = runner().run(jobFor(QStringLiteral("L7")), checkpoint, sink);
        QCOMPARE(permanent.kind, AttemptOutcome::Kind::Failed);
        QVERIFY(permanent.error.contains(QStringLiteral("permanent failure")));

        // A step that runs past the deadline on the manual clock: timed out, not retried.
        Failpoints::configure(QString());
        RecordingSink slow(m_clock);
        slow.stepTakes.insert(labelOf(2), 301s);
        const AttemptOutcome late = runner().run(jobFor(QStringLiteral("L7")), checkpoint, slow);
        QCOMPARE(late.kind, AttemptOutcome::Kind::Failed);
        QCOMPARE(late.error, QStringLiteral("timed out after 300 s"));
    }

    void unknownTypeFailsPermanently()
    {
        Job job = jobFor(QStringLiteral("L8"));
        job.analysisType = QStringLiteral("horoscope");
        RecordingSink sink(m_clock);
        PipelineCheckpoint checkpoint;
        const AttemptOutcome out = runner().run(job, checkpoint, sink);
        QCOMPARE(out.kind, AttemptOutcome::Kind::Failed);
        QVERIFY(out.error.startsWith(QStringLiteral("analysisType: ")));
    }
};

QTEST_GUILESS_MAIN(TestAttemptRunner)
#include "tst_attemptrunner.moc"
