#pragma once

// Shared set-up for the local runner tests: the real engine over a few fictional listings, a
// real SQLite store in a temp folder, and a recorder of every jobUpdated the runner emits.

#include "analysis/AnalysisEngine.h"
#include "analysis/AnalysisType.h"
#include "benchmarks/BenchmarkTable.h"
#include "common/Failpoints.h"
#include "jobs/LocalJobRunner.h"
#include "jobs/LocalJobStore.h"
#include "market/ListingCatalog.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QTest>

#include <functional>
#include <memory>
#include <optional>

namespace dealscope::testing {

inline QList<Listing> fictionalListings(int count)
{
    QList<Listing> out;
    for (int i = 1; i <= count; ++i) {
        Listing l;
        l.id = QStringLiteral("L%1").arg(i);
        l.title = QStringLiteral("Fictional Car Wash %1").arg(i);
        l.industry = QStringLiteral("Car Washes");
        l.location = QStringLiteral("Austin, TX");
        l.city = QStringLiteral("Austin");
        l.state = QStringLiteral("TX");
        l.askingPrice = 400000 + 10000 * i;
        l.grossRevenue = 900000 + 5000 * i;
        l.cashFlow = 150000 + 2000 * i;
        l.ebitda = 120000 + 2000 * i;
        l.yearEstablished = 1990 + (i % 30);
        l.employees = 5 + i % 10;
        l.source = QStringLiteral("test");
        out.append(l);
    }
    return out;
}

inline std::shared_ptr<const AnalysisEngine> makeEngine(int listings = 60)
{
    auto benchmarks = BenchmarkTable::builtin();
    auto catalog = std::make_shared<const ListingCatalog>(fictionalListings(listings), benchmarks);
    return std::make_shared<const AnalysisEngine>(benchmarks, catalog);
}

inline QString stepId(const AnalysisEngine &engine, int index, AnalysisType type = AnalysisType::Valuation)
{
    const auto steps = engine.steps(type);
    return index < steps.size() ? steps.at(index).id : QString();
}

inline qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// Records every jobUpdated, per job, in arrival order.
class UpdateRecorder final : public QObject
{
public:
    explicit UpdateRecorder(JobBackend &backend)
    {
        connect(&backend, &JobBackend::jobUpdated, this, [this](const Job &job) {
            updates[job.id].append(job);
            ++total;
        });
    }

    std::optional<Job> last(const QString &id) const
    {
        const auto list = updates.value(id);
        return list.isEmpty() ? std::nullopt : std::optional<Job>(list.last());
    }
    std::optional<JobStatus> status(const QString &id) const
    {
        const auto job = last(id);
        return job ? std::optional<JobStatus>(job->status) : std::nullopt;
    }
    bool isTerminalNow(const QString &id) const
    {
        const auto s = status(id);
        return s && isTerminal(*s);
    }
    bool waitTerminal(const QString &id, int timeoutMs = 20000)
    {
        return QTest::qWaitFor([&] { return isTerminalNow(id); }, timeoutMs);
    }
    bool waitStatus(const QString &id, JobStatus wanted, int timeoutMs = 20000)
    {
        return QTest::qWaitFor([&] { return status(id) == wanted; }, timeoutMs);
    }

    QHash<QString, QList<Job>> updates;
    int total = 0;
};

// Calls one of the backend's asynchronous methods and waits for its reply.
inline std::optional<BackendReply> await(const std::function<void(JobBackend::Callback)> &call, int timeoutMs = 20000)
{
    std::optional<BackendReply> reply;
    call([&reply](const BackendReply &r) { reply = r; });
    if (!QTest::qWaitFor([&] { return reply.has_value(); }, timeoutMs))
        return std::nullopt;
    return reply;
}

inline StartRequest request(const QString &listing, const QString &type = QStringLiteral("valuation"),
    nlohmann::json params = nlohmann::json::object(), bool force = false)
{
    StartRequest r;
    r.listingId = listing;
    r.analysisType = type;
    r.params = std::move(params);
    r.force = force;
    return r;
}

inline LocalRunnerOptions options(const QString &dataDir, int threads = 2)
{
    LocalRunnerOptions o;
    o.dataDir = dataDir;
    o.threads = threads;
    o.timeoutSeconds = 60;
    o.retryBaseDelayMs = 10;
    o.retryMaxDelayMs = 100;
    return o;
}

inline QList<JobStepRecord> storedSteps(const QString &dataDir, const QString &jobId)
{
    LocalJobStore store(dataDir + QStringLiteral("/jobs.sqlite"));
    if (!store.open())
        return {};
    return store.steps(jobId);
}

} // namespace dealscope::testing
