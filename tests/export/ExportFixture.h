#pragma once

// Real results for the export tests: the built-in engine run on listings, stored in a real
// results library in a temporary folder and read back the way exports read them.
#include "analysis/AnalysisEngine.h"
#include "benchmarks/BenchmarkTable.h"
#include "jobs/Job.h"
#include "market/ListingCatalog.h"
#include "storage/ResultsLibrary.h"

#include <QDateTime>
#include <QTemporaryDir>

namespace dealscope::testing {

inline Listing exportListing(const QString &id, const QString &title, std::optional<qint64> asking,
    std::optional<qint64> revenue, std::optional<qint64> cashFlow,
    const QString &industry = QStringLiteral("Car Washes"))
{
    Listing l;
    l.id = id;
    l.title = title;
    l.industry = industry;
    l.location = QStringLiteral("Austin, TX");
    l.city = QStringLiteral("Austin");
    l.state = QStringLiteral("TX");
    l.askingPrice = asking;
    l.grossRevenue = revenue;
    l.cashFlow = cashFlow;
    l.yearEstablished = 2005;
    return l;
}

// Runs `type` on each listing with the real engine and stores the results in `library`.
inline QList<StoredResult> storeResults(ResultsLibrary &library, const QList<Listing> &listings, const QString &type)
{
    auto benchmarks = BenchmarkTable::builtin();
    auto catalog = std::make_shared<const ListingCatalog>(listings, benchmarks);
    AnalysisEngine engine(benchmarks, catalog);
    ExecutionHooks hooks;
    hooks.onProgress = [](double, const QString &) {};
    hooks.isCancelRequested = [] { return false; };
    QStringList ids;
    qint64 at = 1'700'000'000'000;
    for (const Listing &l : listings) {
        Job job;
        job.id = QStringLiteral("job-%1-%2").arg(l.id, type);
        job.listingId = l.id;
        job.analysisType = type;
        job.status = JobStatus::Succeeded;
        job.progress = 100;
        job.finishedAt = at++;
        job.backend = QStringLiteral("local");
        job.result = engine.run(analysisRequestOf(job), PipelineCheckpoint {}, hooks);
        library.store(jobToJson(job), listingToJson(l));
        ids << job.id;
    }
    ResultQuery q;
    q.jobIds = ids;
    q.withJson = true;
    q.limit = 100000;
    return library.search(q);
}

} // namespace dealscope::testing
