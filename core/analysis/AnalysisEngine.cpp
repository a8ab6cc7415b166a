#include "analysis/AnalysisEngine.h"

#include "analysis/AnalysisContext.h"
#include "analysis/AnalysisError.h"
#include "analysis/AnalysisLog.h"
#include "analysis/NarrativeProvider.h"
#include "analysis/Pipelines.h"
#include "benchmarks/BenchmarkTable.h"
#include "common/Failpoints.h"
#include "common/JsonQt.h"
#include "market/ListingCatalog.h"

#include <QDate>
#include <QDateTime>
#include <QMutexLocker>
#include <QVarLengthArray>

#include <algorithm>
#include <atomic>

namespace dealscope {

using json = nlohmann::json;

namespace {

const QString kBuiltin = QStringLiteral("builtin");

// The local calendar year, looked up at most once a second: QDate::currentDate() re-reads the
// time zone on every call, which was a visible share of a fast job's CPU.
int systemYear()
{
    static std::atomic<qint64> validUntilMs { 0 };
    static std::atomic<int> year { 0 };
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (now < validUntilMs.load(std::memory_order_acquire))
        return year.load(std::memory_order_relaxed);
    const int y = QDate::currentDate().year();
    year.store(y, std::memory_order_relaxed);
    validUntilMs.store(now + 1000, std::memory_order_release);
    return y;
}

QString clip(const QString &s, qsizetype max = 80)
{
    return s.size() > max ? s.left(max - 3) + QStringLiteral("...") : s;
}

} // namespace

struct AnalysisEngine::Private
{
    mutable QMutex mutex;
    std::shared_ptr<const BenchmarkTable> benchmarks;
    std::shared_ptr<const ListingCatalog> catalog;
    QList<std::shared_ptr<const NarrativeProvider>> providers;
    QString defaultProvider = kBuiltin;
    std::function<int()> currentYear;

    // What one run needs, copied under the lock so that setters never race a running analysis.
    struct Snapshot
    {
        std::shared_ptr<const ListingCatalog> catalog;
        QList<std::shared_ptr<const NarrativeProvider>> providers;
        QString defaultProvider;
        std::function<int()> currentYear;
    };
    Snapshot snapshot() const
    {
        QMutexLocker lock(&mutex);
        return { catalog, providers, defaultProvider, currentYear };
    }

    std::shared_ptr<const ListingCatalog> normalized(std::shared_ptr<const ListingCatalog> c) const
    {
        if (!c)
            return std::make_shared<const ListingCatalog>(QList<Listing> {}, benchmarks);
        if (!c->benchmarksPtr())
            return std::make_shared<const ListingCatalog>(c->listings(), benchmarks);
        return c;
    }

    // Resolves params.provider (or the default) to a provider; nullptr means the built-in narrative.
    static std::optional<ValidationError> resolveProvider(
        const Snapshot &snap, const QString &requested, std::shared_ptr<const NarrativeProvider> &out)
    {
        const QString name = requested.isEmpty() ? snap.defaultProvider : requested;
        out.reset();
        if (name.isEmpty() || name == kBuiltin)
            return std::nullopt;
        for (const auto &p : snap.providers) {
            if (p->name() == name) {
                out = p;
                return std::nullopt;
            }
        }
        QStringList names { kBuiltin };
        for (const auto &p : snap.providers)
            names << p->name();
        if (requested.isEmpty())
            return ValidationError { QStringLiteral("params.provider"),
                QStringLiteral("the default provider %1 is not available (available: %2)")
                    .arg(clip(name), names.join(QStringLiteral(", "))) };
        return ValidationError {
            QStringLiteral("params.provider"),
            QStringLiteral("unknown provider \"%1\" (available: %2)").arg(clip(name), names.join(QStringLiteral(", ")))
        };
    }

    // What validate() accepted, resolved against one snapshot, so that run() takes the lock and
    // parses the params once instead of validating and then resolving everything again.
    struct Checked
    {
        AnalysisType type;
        AnalysisParams params;
        std::shared_ptr<const NarrativeProvider> provider;
        const Listing *listing;
    };
    static std::variant<Checked, ValidationError> check(const Snapshot &snap, const AnalysisRequest &request)
    {
        const auto type = parseAnalysisType(request.analysisType);
        if (!type)
            return ValidationError { QStringLiteral("analysisType"),
                QStringLiteral("unknown analysisType \"%1\" (allowed: %2)")
                    .arg(clip(request.analysisType), analysisTypeNames().join(QStringLiteral(", "))) };
        auto parsed = parseAnalysisParams(request.params);
        if (const auto *e = std::get_if<ParamsError>(&parsed)) {
            const QString field
                = e->parameter == QLatin1String("params") ? e->parameter : QStringLiteral("params.") + e->parameter;
            return ValidationError { field, e->message };
        }
        Checked ok { *type, std::move(std::get<AnalysisParams>(parsed)), nullptr, nullptr };
        if (auto err = resolveProvider(snap, ok.params.provider, ok.provider))
            return *err;
        if (request.listingId.trimmed().isEmpty())
            return ValidationError { QStringLiteral("listingId"), QStringLiteral("listingId is required") };
        if (request.listing) {
            if (request.listing->id != request.listingId)
                return ValidationError { QStringLiteral("listing.id"),
                    QStringLiteral("the listing's id \"%1\" is not the listingId \"%2\"")
                        .arg(clip(request.listing->id), clip(request.listingId)) };
            if (request.listing->title.trimmed().isEmpty())
                return ValidationError { QStringLiteral("listing.title"), QStringLiteral("the listing needs a title") };
            ok.listing = &*request.listing;
            return ok;
        }
        ok.listing = snap.catalog->find(request.listingId);
        if (!ok.listing)
            return ValidationError { QStringLiteral("listingId"),
                QStringLiteral("unknown listing id \"%1\"").arg(clip(request.listingId)) };
        return ok;
    }
};

AnalysisEngine::AnalysisEngine(
    std::shared_ptr<const BenchmarkTable> benchmarks, std::shared_ptr<const ListingCatalog> catalog)
    : d(std::make_unique<Private>())
{
    if (!benchmarks)
        benchmarks = catalog && catalog->benchmarksPtr() ? catalog->benchmarksPtr() : BenchmarkTable::builtin();
    d->benchmarks = std::move(benchmarks);
    d->catalog = d->normalized(std::move(catalog));
}

AnalysisEngine::~AnalysisEngine() = default;

void AnalysisEngine::setCatalog(std::shared_ptr<const ListingCatalog> catalog)
{
    auto c = d->normalized(std::move(catalog));
    QMutexLocker lock(&d->mutex);
    d->catalog = std::move(c);
}

std::shared_ptr<const ListingCatalog> AnalysisEngine::catalog() const
{
    QMutexLocker lock(&d->mutex);
    return d->catalog;
}

void AnalysisEngine::registerProvider(std::shared_ptr<const NarrativeProvider> provider)
{
    if (!provider)
        return;
    const QString name = provider->name();
    if (name.isEmpty() || name == kBuiltin) {
        qCWarning(lcAnalysis) << "ignoring a narrative provider named" << name << "(reserved or empty)";
        return;
    }
    QMutexLocker lock(&d->mutex);
    d->providers.removeIf([&](const auto &p) { return p->name() == name; });
    d->providers << std::move(provider);
}

void AnalysisEngine::setDefaultProvider(const QString &name)
{
    QMutexLocker lock(&d->mutex);
    d->defaultProvider = name.isEmpty() ? kBuiltin : name;
}

QStringList AnalysisEngine::providerNames() const
{
    QMutexLocker lock(&d->mutex);
    QStringList names { kBuiltin };
    for (const auto &p : d->providers)
        names << p->name();
    return names;
}

void AnalysisEngine::setCurrentYearSource(std::function<int()> currentYear)
{
    QMutexLocker lock(&d->mutex);
    d->currentYear = std::move(currentYear);
}

std::optional<ValidationError> AnalysisEngine::validate(const AnalysisRequest &request) const
{
    const auto checked = Private::check(d->snapshot(), request);
    if (const auto *e = std::get_if<ValidationError>(&checked))
        return *e;
    return std::nullopt;
}

QList<StepInfo> AnalysisEngine::steps(AnalysisType type, const nlohmann::json &params) const
{
    QList<StepInfo> out;
    const QList<PipelineStep> pipeline = Pipelines::forType(type); // const: iterating must not detach
    for (const auto &s : pipeline)
        out << s.info;
    const auto parsed = parseAnalysisParams(params);
    const QString requested
        = std::holds_alternative<AnalysisParams>(parsed) ? std::get<AnalysisParams>(parsed).provider : QString();
    std::shared_ptr<const NarrativeProvider> provider;
    if (!Private::resolveProvider(d->snapshot(), requested, provider) && provider)
        out << StepInfo { QStringLiteral("narrative"),
            QStringLiteral("Writing the narrative with %1…").arg(provider->name()), 10.0 };
    return out;
}

nlohmann::json AnalysisEngine::run(
    const AnalysisRequest &request, const PipelineCheckpoint &checkpoint, const ExecutionHooks &hooks) const
{
    using Kind = AnalysisError::Kind;
    auto fail = [](const ValidationError &e) {
        throw AnalysisError(Kind::Permanent, e.field + QStringLiteral(": ") + e.message);
    };

    const auto snap = d->snapshot();
    auto checked = Private::check(snap, request);
    if (const auto *err = std::get_if<ValidationError>(&checked))
        fail(*err);
    const Private::Checked &ok = std::get<Private::Checked>(checked);
    const AnalysisType type = ok.type;
    const AnalysisParams &params = ok.params;
    const std::shared_ptr<const NarrativeProvider> &provider = ok.provider;
    const Listing *listing = ok.listing;

    // const: the list is shared with Pipelines' own, and a non-const steps[i] would deep-copy it.
    const QList<PipelineStep> steps = [&] {
        QList<PipelineStep> list = Pipelines::forType(type);
        if (provider) {
            list << PipelineStep { { QStringLiteral("narrative"),
                                       QStringLiteral("Writing the narrative with %1…").arg(provider->name()), 10.0 },
                [provider](AnalysisContext &ctx) { provider->writeNarrative(ctx); } };
        }
        return list;
    }();

    int start = checkpoint.nextStep;
    json state = checkpoint.state;
    if (start < 0 || start > steps.size() || (start > 0 && !state.is_object())) {
        qCWarning(lcAnalysis) << "analysis" << request.label << "has an unusable checkpoint (next step" << start << "of"
                              << steps.size() << "); starting over";
        start = 0;
    }
    if (start == 0)
        state = json::object();
    if (start == steps.size() && !(state.contains("result") && state["result"].is_object()))
        start = 0, state = json::object();

    // weightBefore[i] = the weights of steps 0..i-1, summed in the same order as before (so the
    // progress values stay bit-identical), once per run instead of once per progress report.
    QVarLengthArray<double, 16> weightBefore;
    weightBefore.append(0.0);
    for (const auto &s : steps)
        weightBefore.append(weightBefore.back() + s.info.weight);
    const double totalWeight = weightBefore.back();
    auto progressBefore = [&](int index) { return totalWeight > 0 ? 100.0 * weightBefore[index] / totalWeight : 0.0; };

    double lastProgress = 0;
    auto emitProgress = [&](double p, const QString &line) {
        lastProgress = std::clamp(std::max(lastProgress, p), 0.0, 100.0);
        if (hooks.onProgress)
            hooks.onProgress(lastProgress, line);
    };
    auto stopError = [&]() -> std::optional<AnalysisError> {
        if (hooks.isCancelRequested && hooks.isCancelRequested())
            return AnalysisError::canceledByUser();
        if (hooks.deadline && (hooks.clock ? hooks.clock->now() : std::chrono::steady_clock::now()) >= *hooks.deadline)
            return AnalysisError(Kind::TimedOut, QStringLiteral("timed out after %1 s").arg(hooks.timeoutSeconds));
        return std::nullopt;
    };

    int current = start;
    AnalysisContext::Callbacks callbacks;
    callbacks.progress = [&](double fraction, const QString &line) {
        const auto &info = steps[current].info;
        emitProgress(
            progressBefore(current) + fraction * 100.0 * info.weight / totalWeight, line.isEmpty() ? info.label : line);
    };
    callbacks.shouldStop = [&] { return stopError().has_value(); };
    callbacks.throwIfStopped = [&] {
        if (auto e = stopError())
            throw *e;
    };
    const int pinnedYear = snap.currentYear ? snap.currentYear() : 0;
    callbacks.currentYear = [&state, pinnedYear]() -> int {
        // A resumed job keeps the year its first attempt pinned.
        if (state.contains("asOfYear") && state["asOfYear"].is_number_integer())
            return state["asOfYear"].get<int>();
        return pinnedYear > 0 ? pinnedYear : systemYear();
    };
    AnalysisContext ctx(type, *listing, params, *snap.catalog, state, std::move(callbacks));

    // Takes a function building the name, so a run without failpoints builds no names.
    auto applyFailpoint = [&](auto &&nameOf) {
        if (!Failpoints::enabled())
            return;
        const QString name = nameOf();
        const Failpoints::Hit h = Failpoints::hit(name);
        switch (h.action) {
        case Failpoints::Action::None:
        case Failpoints::Action::Abort: // hit() never returns for abort
            return;
        case Failpoints::Action::Delay:
            ctx.interruptibleSleep(h.delayMs);
            return;
        case Failpoints::Action::FailTransient:
            throw AnalysisError(
                Kind::Transient, QStringLiteral("injected transient failure at failpoint %1").arg(name));
        case Failpoints::Action::FailPermanent:
            throw AnalysisError(
                Kind::Permanent, QStringLiteral("injected permanent failure at failpoint %1").arg(name));
        }
    };

    emitProgress(
        progressBefore(start), start < steps.size() ? steps[start].info.label : QStringLiteral("Analysis complete"));
    for (current = start; current < steps.size(); ++current) {
        const PipelineStep &step = steps[current];
        if (auto e = stopError())
            throw *e;
        applyFailpoint([&]() -> QString { return QStringLiteral("analysis.step.") + step.info.id; });
        applyFailpoint([&]() -> QString {
            return QStringLiteral("analysis.step.") + analysisTypeName(type) + QLatin1Char('.') + step.info.id;
        });
        if (auto e = stopError())
            throw *e;
        emitProgress(progressBefore(current), step.info.label);
        qCDebug(lcAnalysis) << "analysis" << request.label << analysisTypeName(type) << "step" << step.info.id;
        if (hooks.beforeStepRun)
            hooks.beforeStepRun(current);
        try {
            step.run(ctx);
        } catch (const AnalysisError &) {
            throw;
        } catch (const std::exception &e) {
            // A bug or a corrupt checkpoint must fail the job with a reason, never crash the worker.
            throw AnalysisError(Kind::Permanent,
                QStringLiteral("internal error in step %1: %2").arg(step.info.id, QString::fromUtf8(e.what())));
        }
        if (hooks.onCheckpoint)
            hooks.onCheckpoint(PipelineCheckpoint { int(current + 1), state });
        if (hooks.onStepDone)
            hooks.onStepDone(int(current + 1), state);
        applyFailpoint([]() -> QString { return QStringLiteral("jobs.after_checkpoint"); });
    }
    current = int(steps.size()) - 1;
    emitProgress(100.0, QStringLiteral("Analysis complete"));

    const auto result = state.find("result");
    if (result == state.end() || !result->is_object())
        throw AnalysisError(Kind::Permanent, QStringLiteral("internal error: the pipeline produced no result"));
    return std::move(*result); // the state dies here: moved, not copied
}

} // namespace dealscope
