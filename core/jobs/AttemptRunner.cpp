#include "jobs/AttemptRunner.h"

#include "analysis/AnalysisError.h"
#include "analysis/AnalysisType.h"
#include "common/Failpoints.h"
#include "jobs/JobsLog.h"

#include <QThread>

namespace dealscope {

namespace {

using std::chrono::milliseconds;

// Thrown out of the engine's cancel hook when the sink hands the job back or lost it; the engine
// turns a cancel into AnalysisError Canceled, and this tells the two apart afterwards.
struct StopState
{
    AttemptSink::Stop stop = AttemptSink::Stop::None;
};

} // namespace

AttemptRunner::AttemptRunner(std::shared_ptr<const AnalysisEngine> engine, AttemptOptions options)
    : m_engine(std::move(engine))
    , m_options(std::move(options))
{
    if (!m_options.clock)
        m_options.clock = &Clock::system();
}

QString AttemptRunner::gaveUpMessage(const QString &lastError, int attempts)
{
    return QStringLiteral("%1 (gave up after %2 attempts)").arg(lastError).arg(attempts);
}

QString AttemptRunner::retryingMessage(int failedAttempt, const QString &error, qint64 delayMs)
{
    return QStringLiteral("attempt %1 failed (%2); retrying in %3 s")
        .arg(failedAttempt)
        .arg(error)
        .arg(double(delayMs) / 1000.0, 0, 'f', 1);
}

QString AttemptRunner::interruptedMessage(int attempt, int maxAttempts)
{
    return QStringLiteral("interrupted during attempt %1 (the process closed or crashed); gave up after %2 attempts")
        .arg(attempt)
        .arg(maxAttempts);
}

AttemptOutcome AttemptRunner::run(const Job &job, PipelineCheckpoint &checkpoint, AttemptSink &sink) const
{
    const Clock &clock = *m_options.clock;
    const auto attemptStarted = clock.now();
    AttemptOutcome outcome;
    StopState stopped;

    QList<StepInfo> steps;
    if (const auto type = parseAnalysisType(job.analysisType))
        steps = m_engine->steps(*type, job.params);
    auto stepId = [&](int index) {
        return index >= 0 && index < steps.size() ? steps.at(index).id : QStringLiteral("step%1").arg(index);
    };

    // The checkpoint policy. Within `copyAfter` nothing is copied: the live state of the last step
    // boundary is remembered (valid until the next step starts changing it). After that, each
    // finished step's state is copied into `checkpoint`; it is stored once the attempt is
    // `checkpointEvery` old and then at most that often (also from the poll ticks of a long step),
    // and at once, durably, after a step that took `slowStep`.
    const nlohmann::json *boundary = nullptr;
    int boundaryStep = 0;
    bool unsaved = false;
    auto lastSave = attemptStarted;
    auto stepStarted = attemptStarted;
    qint64 stepStartedMs = clock.epochMs();

    auto save = [&](bool durable) {
        if (boundary) {
            checkpoint.nextStep = boundaryStep;
            checkpoint.state = *boundary;
            boundary = nullptr;
        }
        lastSave = clock.now();
        unsaved = false;
        sink.checkpoint(checkpoint, outcome.unsavedSteps, durable);
        outcome.unsavedSteps.clear();
    };
    auto saveIfDue = [&] {
        if (!unsaved && !boundary)
            return;
        const auto now = clock.now();
        if (now - attemptStarted < m_options.checkpointEvery || now - lastSave < m_options.checkpointEvery)
            return;
        save(false);
    };

    auto lastProgress = attemptStarted - m_options.progressInterval;
    QString lastLine;
    ExecutionHooks hooks;
    hooks.clock = &clock;
    hooks.timeoutSeconds = m_options.timeoutSeconds;
    hooks.deadline = attemptStarted + std::chrono::seconds(std::max(1, m_options.timeoutSeconds));
    hooks.onProgress = [&](double progress, const QString &line) {
        const auto now = clock.now();
        // A new line (a step starting) always goes out: it says what the job waits for.
        if (line == lastLine && now - lastProgress < m_options.progressInterval)
            return;
        lastProgress = now;
        lastLine = line;
        sink.progress(progress, line);
    };
    // A step's time runs from the end of the one before it: a wait before the step (a delay,
    // a queue on the model's side) is part of what a crash would make the job redo.
    hooks.beforeStepRun = [&](int) { boundary = nullptr; };
    hooks.onStepDone = [&](int nextStep, const nlohmann::json &state) {
        const auto now = clock.now();
        outcome.unsavedSteps.append(
            FinishedStep { job.attempt, nextStep - 1, stepId(nextStep - 1), stepStartedMs, clock.epochMs() });
        const bool slow = now - stepStarted >= m_options.slowStep;
        stepStarted = now;
        stepStartedMs = clock.epochMs();
        if (!slow && now - attemptStarted < m_options.copyAfter) {
            boundary = &state;
            boundaryStep = nextStep;
            return;
        }
        boundary = nullptr;
        checkpoint.nextStep = nextStep;
        checkpoint.state = state;
        unsaved = true;
        if (slow)
            save(true);
        else
            saveIfDue();
    };
    hooks.isCancelRequested = [&] {
        if (stopped.stop != AttemptSink::Stop::None)
            return true;
        stopped.stop = sink.poll();
        if (stopped.stop == AttemptSink::Stop::HandBack && (boundary || unsaved)) {
            // The job goes back with its last finished step (the engine's state is still alive
            // here, not once it has unwound), so the next run resumes there.
            save(false);
        }
        if (stopped.stop != AttemptSink::Stop::None)
            return true;
        saveIfDue();
        return false;
    };

    // "jobs.before_finish": after the work, before the terminal write (docs/FAILPOINTS.md).
    auto beforeFinish = [&] {
        if (!Failpoints::enabled())
            return;
        const Failpoints::Hit hit = Failpoints::hit(QStringLiteral("jobs.before_finish"));
        switch (hit.action) {
        case Failpoints::Action::None:
        case Failpoints::Action::Abort: // hit() never returns for abort
            return;
        case Failpoints::Action::Delay: {
            const auto until = clock.now() + milliseconds(hit.delayMs);
            while (clock.now() < until) {
                if (hooks.isCancelRequested())
                    throw AnalysisError::canceledByUser();
                if (clock.now() >= *hooks.deadline)
                    throw AnalysisError(AnalysisError::Kind::TimedOut,
                        QStringLiteral("timed out after %1 s").arg(m_options.timeoutSeconds));
                QThread::msleep(20);
            }
            return;
        }
        case Failpoints::Action::FailTransient:
            throw AnalysisError(AnalysisError::Kind::Transient, QStringLiteral("failpoint jobs.before_finish"));
        case Failpoints::Action::FailPermanent:
            throw AnalysisError(AnalysisError::Kind::Permanent, QStringLiteral("failpoint jobs.before_finish"));
        }
    };

    try {
        nlohmann::json result = m_engine->run(analysisRequestOf(job), checkpoint, hooks);
        beforeFinish();
        // A cancel that arrived while the last step ran still wins (SPEC §3): the user asked first.
        if (stopped.stop == AttemptSink::Stop::None)
            stopped.stop = sink.poll();
        switch (stopped.stop) {
        case AttemptSink::Stop::Lost:
            outcome.kind = AttemptOutcome::Kind::Lost;
            return outcome;
        case AttemptSink::Stop::Cancel:
            outcome.kind = AttemptOutcome::Kind::Canceled;
            outcome.error = AnalysisError::canceledByUserText();
            return outcome;
        case AttemptSink::Stop::HandBack: // finished anyway: keep the result
        case AttemptSink::Stop::None:
            break;
        }
        outcome.kind = AttemptOutcome::Kind::Succeeded;
        outcome.result = std::move(result);
        return outcome;
    } catch (const AnalysisError &e) {
        boundary = nullptr; // it pointed into the engine's state, gone with the unwinding
        if (stopped.stop == AttemptSink::Stop::Lost) {
            outcome.kind = AttemptOutcome::Kind::Lost;
            return outcome;
        }
        switch (e.kind()) {
        case AnalysisError::Kind::Canceled:
            if (stopped.stop == AttemptSink::Stop::HandBack) {
                outcome.kind = AttemptOutcome::Kind::HandedBack;
                if (unsaved)
                    save(false);
                return outcome;
            }
            outcome.kind = AttemptOutcome::Kind::Canceled;
            outcome.error = AnalysisError::canceledByUserText();
            return outcome;
        case AnalysisError::Kind::TimedOut:
        case AnalysisError::Kind::Permanent:
            outcome.kind = AttemptOutcome::Kind::Failed;
            outcome.error = e.message();
            return outcome;
        case AnalysisError::Kind::Transient:
            break;
        }
        // A transient failure of a job its user canceled meanwhile, or of a worker shutting down,
        // is not retried.
        if (stopped.stop == AttemptSink::Stop::None)
            stopped.stop = sink.poll();
        switch (stopped.stop) {
        case AttemptSink::Stop::Lost:
            outcome.kind = AttemptOutcome::Kind::Lost;
            return outcome;
        case AttemptSink::Stop::Cancel:
            outcome.kind = AttemptOutcome::Kind::Canceled;
            outcome.error = AnalysisError::canceledByUserText();
            return outcome;
        case AttemptSink::Stop::HandBack:
            outcome.kind = AttemptOutcome::Kind::HandedBack;
            if (unsaved)
                save(false);
            return outcome;
        case AttemptSink::Stop::None:
            break;
        }
        if (!m_options.retry.shouldRetry(job.attempt)) {
            outcome.kind = AttemptOutcome::Kind::Failed;
            outcome.error = gaveUpMessage(e.message(), job.attempt);
            return outcome;
        }
        // A retry resumes from the last finished step: keep it, so another worker (or the next
        // start) could pick the job up there as well.
        if (unsaved)
            save(false);
        outcome.kind = AttemptOutcome::Kind::RetryLater;
        outcome.error = e.message();
        outcome.retryDelayMs = m_options.retry.delayMs(job.attempt, e.retryAfterMs());
        qCInfo(lcJobs).noquote() << "job" << job.id << "attempt" << job.attempt << "failed:" << e.message()
                                 << "- retry in" << outcome.retryDelayMs << "ms";
        return outcome;
    } catch (const std::exception &e) {
        boundary = nullptr;
        if (stopped.stop == AttemptSink::Stop::Lost) {
            outcome.kind = AttemptOutcome::Kind::Lost;
            return outcome;
        }
        qCWarning(lcJobs) << "job" << job.id << "failed with an unexpected exception:" << e.what();
        outcome.kind = AttemptOutcome::Kind::Failed;
        outcome.error = QStringLiteral("internal error: %1").arg(QString::fromUtf8(e.what()));
        return outcome;
    }
}

} // namespace dealscope
