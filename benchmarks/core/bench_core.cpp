// bench_core: import rows/s and analyses/s (1 and 2 worker threads) on a generated listings file.
// Prints figures; asserts nothing about time. Usage:
//   bench_core [--rows N] [--analyses N] [--type TYPE] [--seed S]

#include "analysis/AnalysisEngine.h"
#include "analysis/AnalysisType.h"
#include "benchmarks/BenchmarkTable.h"
#include "generate/ListingGenerator.h"
#include "import/ListingImporter.h"
#include "jobs/LocalJobRunner.h"
#include "market/ListingCatalog.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <thread>
#include <vector>

using namespace dealscope;
using namespace Qt::Literals::StringLiterals;

namespace {

void print(const QString &line)
{
    std::printf("%s\n", line.toUtf8().constData());
    std::fflush(stdout);
}

double perSecond(qint64 count, qint64 nanoseconds)
{
    return nanoseconds > 0 ? double(count) * 1e9 / double(nanoseconds) : 0.0;
}

// Runs `listings.size()` analyses through a LocalJobRunner with `threads` workers, from the first
// start until the last job is terminal. Returns analyses/s, or a negative value on failure.
double runAnalyses(const std::shared_ptr<const AnalysisEngine> &engine, const QList<Listing> &listings,
    const QString &type, int threads, const QString &dataDir)
{
    LocalRunnerOptions options;
    options.dataDir = dataDir;
    options.threads = threads;
    LocalJobRunner runner(engine, options);
    if (!runner.open()) {
        print(u"cannot open the job store in %1: %2"_s.arg(dataDir, runner.errorString()));
        return -1;
    }
    const qsizetype total = listings.size();
    qsizetype terminal = 0;
    qsizetype failed = 0;
    QSet<QString> done;
    QEventLoop loop;
    QObject context;
    QObject::connect(&runner, &JobBackend::jobUpdated, &context, [&](const Job &job) {
        if (!isTerminal(job.status) || done.contains(job.id))
            return;
        done.insert(job.id);
        ++terminal;
        failed += job.status == JobStatus::Succeeded ? 0 : 1;
        if (terminal == total)
            loop.quit();
    });

    QElapsedTimer timer;
    timer.start();
    for (const Listing &listing : listings) {
        runner.start(StartRequest { listing.id, type, nlohmann::json::object(), true, {} }, &context,
            [&](const BackendReply &reply) {
                if (!reply.ok()) {
                    print(u"start refused: %1"_s.arg(reply.message));
                    loop.exit(1);
                } else if (reply.job && isTerminal(reply.job->status) && !done.contains(reply.job->id)) {
                    done.insert(reply.job->id);
                    if (++terminal == total)
                        loop.quit();
                }
            });
    }
    if (terminal < total && loop.exec() != 0)
        return -1;
    const qint64 elapsed = timer.nsecsElapsed();
    if (failed > 0)
        print(u"  %1 of %2 analyses failed"_s.arg(failed).arg(total));
    return perSecond(total, elapsed);
}

// The engine alone on `threads` threads, each running its share of the listings: what the
// runner's scheduling, store and signals cost on top of it.
double runEngineOnly(const AnalysisEngine &engine, const QList<Listing> &listings, const QString &type, int threads)
{
    QElapsedTimer timer;
    timer.start();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            ExecutionHooks hooks;
            hooks.onProgress = [](double, const QString &) {};
            hooks.onStepDone = [](int, const nlohmann::json &) {};
            hooks.isCancelRequested = [] { return false; };
            for (qsizetype i = t; i < listings.size(); i += threads)
                engine.run(AnalysisRequest { listings[i].id, type, nlohmann::json::object(), {}, {} },
                    PipelineCheckpoint {}, hooks);
        });
    }
    for (auto &w : workers)
        w.join();
    return perSecond(listings.size(), timer.nsecsElapsed());
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Import rows/s and analyses/s of the Dealscope core."_s);
    parser.addHelpOption();
    parser.addOption({ u"rows"_s, u"Rows of the generated file (default 100000)."_s, u"N"_s, u"100000"_s });
    parser.addOption({ u"analyses"_s, u"Analyses per thread count (default 20000)."_s, u"N"_s, u"20000"_s });
    parser.addOption({ u"type"_s, u"Analysis type (default valuation)."_s, u"TYPE"_s, u"valuation"_s });
    parser.addOption({ u"seed"_s, u"Generator seed (default 2026)."_s, u"S"_s, u"2026"_s });
    parser.process(app);

    bool ok = false;
    const qint64 rows = parser.value(u"rows"_s).toLongLong(&ok);
    if (!ok || rows < 1)
        return 2;
    const qint64 analyses = parser.value(u"analyses"_s).toLongLong(&ok);
    if (!ok || analyses < 1)
        return 2;
    const QString type = parser.value(u"type"_s);
    if (!parseAnalysisType(type))
        return 2;
    const quint64 seed = parser.value(u"seed"_s).toULongLong(&ok);
    if (!ok)
        return 2;

    QTemporaryDir dir;
    if (!dir.isValid())
        return 1;
    const auto benchmarks = BenchmarkTable::builtin();

    // 1. A generated file, as `dealscope-cli generate` writes it.
    const QString path = dir.filePath(u"listings.csv"_s);
    {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return 1;
        QElapsedTimer timer;
        timer.start();
        ListingGenerator generator(benchmarks, seed);
        if (!generator.writeCsv(file, rows))
            return 1;
        file.close();
        print(u"generate: %1 rows, %2 MB in %3 s (%4 rows/s)"_s.arg(rows)
                  .arg(double(QFileInfo(path).size()) / 1e6, 0, 'f', 1)
                  .arg(double(timer.nsecsElapsed()) / 1e9, 0, 'f', 2)
                  .arg(perSecond(rows, timer.nsecsElapsed()), 0, 'f', 0));
    }

    // 2. Import, three runs: the best and the median.
    const ListingImporter importer(benchmarks);
    QList<double> rates;
    ImportResult imported;
    for (int run = 0; run < 3; ++run) {
        QElapsedTimer timer;
        timer.start();
        imported = importer.importFile(path);
        rates.append(perSecond(imported.rows, timer.nsecsElapsed()));
        if (!imported.ok()) {
            print(u"import failed: %1"_s.arg(imported.fatalError));
            return 1;
        }
    }
    std::sort(rates.begin(), rates.end());
    print(u"import: %1 rows, %2 imported, %3 warnings, %4 errors; %5 rows/s (median of 3), best %6 rows/s"_s
              .arg(imported.rows)
              .arg(imported.imported)
              .arg(imported.warnings)
              .arg(imported.errors)
              .arg(rates[1], 0, 'f', 0)
              .arg(rates[2], 0, 'f', 0));

    // 3. Analyses through the local runner (thread pool + SQLite checkpoints), 1 and 2 threads.
    const auto catalog = std::make_shared<const ListingCatalog>(imported.listings, benchmarks);
    const auto engine = std::make_shared<const AnalysisEngine>(benchmarks, catalog);
    const QList<Listing> sample
        = imported.listings.mid(0, qsizetype(std::min<qint64>(analyses, imported.listings.size())));

    // The engine alone and the runner, on 1 and 2 threads, in this same run.
    const double engineOne = runEngineOnly(*engine, sample, type, 1);
    print(u"engine only (%1, no runner, no store), 1 thread: %2 analyses/s"_s.arg(type).arg(engineOne, 0, 'f', 0));
    const double engineTwo = runEngineOnly(*engine, sample, type, 2);
    print(u"engine only, 2 threads: %1 analyses/s"_s.arg(engineTwo, 0, 'f', 0));

    const double one = runAnalyses(engine, sample, type, 1, dir.filePath(u"runner1"_s));
    print(u"runner, 1 thread: %1 %2 analyses, %3 analyses/s"_s.arg(sample.size()).arg(type).arg(one, 0, 'f', 1));
    const double two = runAnalyses(engine, sample, type, 2, dir.filePath(u"runner2"_s));
    print(u"runner, 2 threads: %1 %2 analyses, %3 analyses/s"_s.arg(sample.size()).arg(type).arg(two, 0, 'f', 1));
    if (one > 0 && two > 0) {
        print(u"ratio 2 threads / 1 thread: %1"_s.arg(two / one, 0, 'f', 2));
        print(u"ratio runner / engine alone: %1 on 1 thread, %2 on 2 threads"_s.arg(one / engineOne, 0, 'f', 2)
                  .arg(two / engineTwo, 0, 'f', 2));
    }
    return one > 0 && two > 0 ? 0 : 1;
}
