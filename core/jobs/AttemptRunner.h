#pragma once

#include "analysis/AnalysisEngine.h"
#include "common/Clock.h"
#include "jobs/Job.h"
#include "jobs/RetryPolicy.h"

#include <QList>
#include <QString>

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>

namespace dealscope {

// One pipeline step that finished during an attempt, for the job's step history.
struct FinishedStep final
{
    int attempt = 1;
    int index = 0;
    QString id; // "sde_multiple"
    qint64 startedAt = 0; // ms since epoch
    qint64 finishedAt = 0;

    bool operator==(const FinishedStep &) const = default;
};

// When an attempt keeps its work, and how it talks to the outside while it runs.
struct AttemptOptions final
{
    int timeoutSeconds = 300; // per attempt
    RetryPolicy retry; // how many attempts, and the backoff between them
    // Progress reaches the sink at most this often (and at every step start).
    std::chrono::milliseconds progressInterval { 100 };
    // An attempt younger than this keeps no copy of its state: fast jobs never pay for checkpoints.
    std::chrono::milliseconds copyAfter { 20 };
    // Once an attempt is this old, its latest finished step is saved at most this often.
    std::chrono::milliseconds checkpointEvery { 1000 };
    // A step that took this long is saved right after it, durably, before the next one starts: a
    // crash never redoes it (an LLM call, say).
    std::chrono::milliseconds slowStep { 500 };
    const Clock *clock = nullptr; // the system clock when null
};

// What a runner supplies to an attempt: the local SQLite store, or the server's job lease.
// Called on the attempt's thread.
class AttemptSink
{
public:
    enum class Stop {
        None,
        Cancel, // the user canceled: the job ends canceled
        HandBack, // shutdown: the job goes back to the queue, same attempt
        Lost, // the lease went to another worker: write nothing more
    };

    virtual ~AttemptSink() = default;
    // Between steps and at least every 250 ms inside a step; keep it cheap (a lease renews itself
    // here at its own pace).
    virtual Stop poll() = 0;
    virtual void progress(double progress, const QString &partialOutput) = 0;
    // A checkpoint worth keeping, with the steps finished since the last one. `durable`: return
    // only once it is stored (it follows a slow step).
    virtual void checkpoint(const PipelineCheckpoint &checkpoint, const QList<FinishedStep> &steps, bool durable) = 0;
};

// How one attempt ended, and what to write for it.
struct AttemptOutcome final
{
    enum class Kind {
        Succeeded,
        Failed, // permanent error, timeout, or the last attempt's transient error
        Canceled,
        RetryLater, // transient error with attempts left: back to the queue after retryDelayMs
        HandedBack, // shutdown: back to the queue, same attempt
        Lost, // the lease is gone: write nothing
    };

    Kind kind = Kind::Failed;
    std::optional<nlohmann::json> result; // Succeeded
    // Failed/Canceled: the job's error; RetryLater: why this attempt failed.
    QString error;
    qint64 retryDelayMs = 0;
    QList<FinishedStep> unsavedSteps; // finished since the last checkpoint: write with the outcome
};

// Runs one attempt of a job through the engine with every rule of SPEC §3 that does not depend on
// where the job is kept: cancel and hand-back through the sink, the per-attempt timeout, outcome
// and retry classification, the error texts, progress throttling and the checkpoint policy. The
// local runner and the server's workers both use it and differ only in their sinks.
class AttemptRunner final
{
public:
    AttemptRunner(std::shared_ptr<const AnalysisEngine> engine, AttemptOptions options);

    // Runs `job` (its current attempt) from `checkpoint`, which holds the latest finished step
    // when this returns. Never throws.
    AttemptOutcome run(const Job &job, PipelineCheckpoint &checkpoint, AttemptSink &sink) const;

    const AttemptOptions &options() const { return m_options; }
    const Clock &clock() const { return *m_options.clock; }

    // The error of a job whose transient failures used up its attempts.
    static QString gaveUpMessage(const QString &lastError, int attempts);
    // What a job waiting for its retry shows (partialOutput).
    static QString retryingMessage(int failedAttempt, const QString &error, qint64 delayMs);
    // The error of a job whose process died in its last allowed attempt.
    static QString interruptedMessage(int attempt, int maxAttempts);

private:
    std::shared_ptr<const AnalysisEngine> m_engine;
    AttemptOptions m_options;
};

} // namespace dealscope
