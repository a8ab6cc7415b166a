// What one server job costs in CPU without HTTP or a store, so run.sh's end-to-end figure can be
// read against its floor: the engine run (with the worker's hooks), and the serialisations of
// the finished job (storage JSON, wire JSON, parse back).
//
//   dealscope-server-enginebench LISTINGS_CSV [JOBS [engine|json]]   (only the engine / only the JSON part)

#include "analysis/AnalysisEngine.h"
#include "benchmarks/BenchmarkTable.h"
#include "import/ListingImporter.h"
#include "jobs/Job.h"
#include "jobs/JobJson.h"
#include "market/ListingCatalog.h"

#include <QCoreApplication>
#include <QTextStream>

#include <ctime>

namespace {
using namespace dealscope;

const char *const kTypes[] = { "business_analysis", "valuation", "risk_assessment", "market_intelligence" };

// CPU time of this thread, so other load on the machine does not skew the figure much.
double threadCpuMicros()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e6 + double(ts.tv_nsec) / 1e3;
}

template <typename F> double perJobMicros(int n, F &&f)
{
    const double start = threadCpuMicros();
    for (int i = 0; i < n; ++i)
        f(i);
    return (threadCpuMicros() - start) / n;
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList a = app.arguments();
    if (a.size() < 2) {
        QTextStream(stderr) << "usage: dealscope-server-enginebench LISTINGS_CSV [JOBS]" << Qt::endl;
        return 2;
    }
    const int n = a.size() > 2 ? a[2].toInt() : 20000;
    const auto benchmarks = BenchmarkTable::builtin();
    const ImportResult imported = ListingImporter(benchmarks).importFile(a[1]);
    if (imported.listings.isEmpty())
        return 1;
    auto catalog = std::make_shared<const ListingCatalog>(imported.listings, benchmarks);
    const AnalysisEngine engine(benchmarks, catalog);
    QTextStream out(stdout);

    auto jobFor = [&](int i) {
        Job job;
        job.id = QStringLiteral("bench%1").arg(i);
        job.owner = QStringLiteral("public");
        job.listingId = imported.listings[i % imported.listings.size()].id;
        job.analysisType = QLatin1String(kTypes[(i / imported.listings.size()) % 4]);
        job.status = JobStatus::Running;
        job.createdAt = job.updatedAt = 1764300000000;
        job.startedAt = 1764300000001;
        return job;
    };
    for (int t = 0; t < 4 && a.value(3) != QLatin1String("json"); ++t) {
        ExecutionHooks hooks; // as the server worker sets them
        PipelineCheckpoint kept;
        hooks.onProgress = [](double, const QString &) {};
        hooks.isCancelRequested = [] { return false; };
        hooks.onStepDone = [&](int next, const nlohmann::json &) { kept.nextStep = next; };
        Job job = jobFor(0);
        job.analysisType = QLatin1String(kTypes[t]);
        const double us = perJobMicros(n / 4, [&](int i) {
            job.listingId = imported.listings[i % imported.listings.size()].id;
            engine.run(analysisRequestOf(job), PipelineCheckpoint {}, hooks);
        });
        out << "engine " << kTypes[t] << ": " << qRound(us * 10) / 10.0 << " us/job" << Qt::endl;
    }
    if (a.value(3) == QLatin1String("engine"))
        return 0;
    Job done = jobFor(1);
    done.result = engine.run(analysisRequestOf(done), PipelineCheckpoint {}, ExecutionHooks {});
    done.status = JobStatus::Succeeded;
    done.progress = 100;
    done.finishedAt = 1764300000002;
    const QByteArray stored = serializeJob(done, JobJsonScope::Storage);
    out << "finished job: " << stored.size() << " bytes of storage JSON" << Qt::endl;
    const Job fresh = jobFor(2);
    out << "serializeJob() of a new job: "
        << perJobMicros(n, [&](int) { (void)serializeJob(fresh, JobJsonScope::Wire); }) << " us" << Qt::endl;
    out << "jobToJson().dump(): " << perJobMicros(n, [&](int) { (void)jobToJson(done, JobJsonScope::Storage).dump(); })
        << " us" << Qt::endl;
    out << "serializeJob():     " << perJobMicros(n, [&](int) { (void)serializeJob(done, JobJsonScope::Storage); })
        << " us" << Qt::endl;
    out << "parse + jobFromJson: "
        << perJobMicros(n,
               [&](int) {
                   (void)jobFromJson(nlohmann::json::parse(stored.constData(), stored.constData() + stored.size()));
               })
        << " us" << Qt::endl;
    out << "parseStoredJobBytes: " << perJobMicros(n, [&](int) { (void)parseJob(stored); }) << " us" << Qt::endl;
    // What a worker parses for each job it claims: the job as the claim wrote it, no result yet.
    const QByteArray claimed = serializeJob(fresh, JobJsonScope::Storage);
    out << "parseJob() of a claimed job (" << claimed.size()
        << " bytes): " << perJobMicros(n, [&](int) { (void)parseJob(claimed); }) << " us" << Qt::endl;
    out << "storage->wire bytes: "
        << perJobMicros(n, [&](int) { (void)wireFromStorage(stored, QStringLiteral("public")); }) << " us" << Qt::endl;
    return 0;
}
