#pragma once

#include "analysis/AnalysisParams.h"
#include "analysis/AnalysisRequest.h"
#include "analysis/AnalysisType.h"
#include "common/Clock.h"

#include <QList>
#include <QMutex>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <variant>

namespace dealscope {

class BenchmarkTable;
class ListingCatalog;
class NarrativeProvider;

// Where a pipeline resumes: the index of the next step to run and the state the finished steps left.
struct PipelineCheckpoint final
{
    int nextStep = 0;
    nlohmann::json state = nlohmann::json::object();
};

struct StepInfo final
{
    QString id; // "sde_multiple"
    QString label; // "Computing SDE multiple…"
    double weight; // relative; progress is the weighted sum
};

struct ExecutionHooks final
{
    // progress 0..100 (weighted over steps) and the partialOutput line. Called from the worker thread.
    std::function<void(double progress, const QString &partialOutput)> onProgress;
    // Called after each finished step, before the next one starts; persist it to resume there.
    // Taken by value so a hook can move the state it keeps (hooks taking const & still fit).
    std::function<void(PipelineCheckpoint checkpoint)> onCheckpoint;
    // The same moment without a copy: the live state, valid only during the call. For callers
    // that persist a checkpoint only now and then (the server worker), so a fast job does not pay
    // for a deep copy of the state after every step. Both hooks may be set.
    std::function<void(int nextStep, const nlohmann::json &state)> onStepDone;
    // Called right before a step's work starts changing the state: until then the state last
    // handed to onStepDone is still that step boundary's (e.g. while a failpoint delays the step).
    std::function<void(int stepIndex)> beforeStepRun;
    // Polled between steps and at least every 250 ms inside long steps.
    std::function<bool()> isCancelRequested;
    // Per-attempt deadline; past it the run throws AnalysisError TimedOut "timed out after N s".
    std::optional<std::chrono::steady_clock::time_point> deadline;
    // The clock `deadline` is measured on; the system's when null (tests pass a manual one).
    const Clock *clock = nullptr;
    int timeoutSeconds = 300;
};

struct ValidationError final
{
    QString field; // "analysisType", "params.downPaymentPct", "listingId"
    QString message;
};

// The built-in analysis engine (SPEC §4): four pipelines of named, weighted steps. One instance is
// shared by the local runner and the server's workers; run() is reentrant and thread-safe.
class AnalysisEngine final
{
public:
    AnalysisEngine(std::shared_ptr<const BenchmarkTable> benchmarks, std::shared_ptr<const ListingCatalog> catalog);
    ~AnalysisEngine();

    // The listings analyses run against; replaced atomically (running analyses keep their snapshot).
    void setCatalog(std::shared_ptr<const ListingCatalog> catalog);
    std::shared_ptr<const ListingCatalog> catalog() const;

    // Providers the operator enabled; params.provider may only name one of these or "builtin".
    void registerProvider(std::shared_ptr<const NarrativeProvider> provider);
    void setDefaultProvider(const QString &name); // "builtin" unless set
    QStringList providerNames() const; // "builtin" first

    // The year businessAgeYears is measured against (default: the system date). Pinned into the
    // checkpointed state at the first step, so a resumed job keeps the year it started with; tests
    // inject a fixed year to make results reproducible.
    void setCurrentYearSource(std::function<int()> currentYear);

    // Checks analysisType, params (types, ranges, provider) and that the listing exists (in the
    // catalog, or as the request's snapshot with the same id and a title).
    std::optional<ValidationError> validate(const AnalysisRequest &request) const;

    QList<StepInfo> steps(AnalysisType type, const nlohmann::json &params = {}) const;

    // Runs (or resumes from `checkpoint`) the pipeline of request.analysisType for the request's
    // listing with request.params. Returns the result object of SPEC §4. Throws AnalysisError.
    nlohmann::json run(
        const AnalysisRequest &request, const PipelineCheckpoint &checkpoint, const ExecutionHooks &hooks) const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace dealscope
