// Desktop responsiveness figures (issue 4 §1, §6): for each user action on 100k generated listings
// in the real main window (import, model swap, search, filters, sorts) the time until its rows are
// shown and the event loop's worst stall meanwhile; the worst stall while 500 analyses run; and a
// stock QSortFilterProxyModel's sorts in the same run as the reference. Run on any platform plugin, e.g.
// QT_QPA_PLATFORM=offscreen ./bench_ui
//   bench_ui [--listings N] [--analyses N] [--threads N]
#include "BenchSupport.h"
#include "app/AnalysisController.h"
#include "app/AppContext.h"
#include "benchmarks/BenchmarkTable.h"
#include "config/AppSettings.h"
#include "generate/ListingGenerator.h"
#include "jobs/LocalJobRunner.h"
#include "ui/library/LibraryModel.h"
#include "ui/library/LibraryView.h"
#include "ui/listings/ListingFilterProxy.h"
#include "ui/listings/ListingTableModel.h"
#include "ui/mainwindow/MainWindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <ctime>

using namespace dealscope;
using namespace dealscope::ui;
using namespace dealscope::bench;
using namespace Qt::Literals::StringLiterals;

namespace {

// With --trace-stalls: every event the GUI thread spends more than 4 ms on, with its receiver,
// printed at the end, longest first. Says which part of the window a stall comes from.
class TracingApplication final : public QApplication
{
public:
    using QApplication::QApplication;
    bool tracing = false;
    struct Slow
    {
        double ms; // wall time
        double cpuMs; // the GUI thread's CPU time: its own work, whatever else the machine runs
        QString what;
    };
    std::vector<Slow> slow;

    bool notify(QObject *receiver, QEvent *event) override
    {
        // notify() runs on every thread that delivers events; only the GUI thread's are traced.
        if (!tracing || QThread::currentThread() != thread())
            return QApplication::notify(receiver, event);
        const QString what = describe(receiver, event); // before: the event may delete the receiver
        QElapsedTimer t;
        t.start();
        const qint64 cpu = threadCpuNs();
        const bool result = QApplication::notify(receiver, event);
        const double ms = double(t.nsecsElapsed()) / 1e6;
        if (ms > 4)
            slow.push_back({ ms, double(threadCpuNs() - cpu) / 1e6, what });
        return result;
    }

private:
    static QString describe(QObject *receiver, QEvent *event)
    {
        QString name = QString::fromLatin1(receiver->metaObject()->className());
        if (const auto *timer = qobject_cast<QTimer *>(receiver))
            name += u" %1 ms"_s.arg(timer->interval()); // which timer: they are not named
        if (!receiver->objectName().isEmpty())
            name += u" \""_s + receiver->objectName() + u'"';
        if (QObject *parent = receiver->parent()) {
            name += u" in "_s + QString::fromLatin1(parent->metaObject()->className());
            if (!parent->objectName().isEmpty())
                name += u" \""_s + parent->objectName() + u'"';
        }
        return u"%1 (event %2)"_s.arg(name).arg(int(event->type()));
    }
};

} // namespace

int main(int argc, char *argv[])
{
    std::setvbuf(stdout, nullptr, _IOLBF, 0); // figures appear as they are measured
    TracingApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption listingsOpt(
        u"listings"_s, u"Listings to generate (default 100000)."_s, u"N"_s, u"100000"_s);
    const QCommandLineOption analysesOpt(u"analyses"_s, u"Concurrent analyses (default 500)."_s, u"N"_s, u"500"_s);
    const QCommandLineOption threadsOpt(u"threads"_s, u"Worker threads (default 2)."_s, u"N"_s, u"2"_s);
    const QCommandLineOption analysesOnlyOpt(
        u"analyses-only"_s, u"Skip the table operations: import, then the analysis rounds only."_s);
    const QCommandLineOption traceOpt(u"trace-stalls"_s, u"List the GUI thread's events that took over 4 ms."_s);
    parser.addOptions({ listingsOpt, analysesOpt, threadsOpt, analysesOnlyOpt, traceOpt });
    parser.process(app);
    const int listingCount = parser.value(listingsOpt).toInt();
    const int analyses = parser.value(analysesOpt).toInt();

    QTemporaryDir dir;
    const QString csv = dir.filePath(u"listings.csv"_s);
    {
        QFile f(csv);
        if (!f.open(QIODevice::WriteOnly))
            return 1;
        ListingGenerator gen(BenchmarkTable::builtin(), 42);
        gen.writeCsv(f, listingCount);
    }
    {
        AppSettings settings(dir.filePath(u"settings.ini"_s));
        settings.setWorkerThreads(parser.value(threadsOpt).toInt());
    }
    std::printf("dealscope desktop benchmark: %d generated listings, %d analyses, %s worker threads, %d cores\n",
        listingCount, analyses, qPrintable(parser.value(threadsOpt)), QThread::idealThreadCount());
    // Stalls depend on what else the machine runs: say how busy it was.
    const auto loadAverage = [] {
        QFile f(u"/proc/loadavg"_s);
        return f.open(QIODevice::ReadOnly) ? QString::fromLatin1(f.readAll()).section(u' ', 0, 2) : u"n/a"_s;
    };
    std::printf("load average at start: %s\n", qPrintable(loadAverage()));

    // Built as app/desktop/main.cpp builds them, over a temporary INI and data folder.
    AppContextOptions contextOptions;
    contextOptions.settingsFile = dir.filePath(u"settings.ini"_s);
    contextOptions.dataDir = dir.filePath(u"data"_s);
    contextOptions.secretMode = SecretStore::Mode::MemoryOnly;
    AppContext context(contextOptions);
    MainWindowOptions options;
    options.demoListingsResource.clear(); // start empty: the benchmark imports its own file
    MainWindow window(context, options);
    window.resize(1400, 900);
    window.show();
    waitUntil([&] { return window.isLoaded(); }, 60000);

    StallMeter meter;
    // Runs `action` from inside a running event loop (so the meter sees it), then keeps the loop
    // running until `done`: the latency until the user sees the result, and the worst stall.
    struct Figure
    {
        double totalMs = 0;
        double worstMs = 0;
        double worstWorkMs = 0;
    };
    const auto measure = [&](const std::function<void()> &action, const std::function<bool()> &done) {
        meter.start();
        waitUntil([] { return false; }, 30); // the meter is ticking before the action starts
        QElapsedTimer at;
        bool started = false;
        QTimer::singleShot(0, &window, [&] {
            at.start();
            action();
            started = true;
        });
        waitUntil([&] { return started && done(); }, 300000);
        Figure f { ms(at), 0 };
        meter.stop();
        f.worstMs = meter.worst();
        f.worstWorkMs = meter.worstWork();
        return f;
    };
    double worstOverall = 0;
    const auto report = [&](const char *what, const Figure &f, const QString &extra = {}) {
        worstOverall = std::max(worstOverall, f.worstMs);
        std::printf("%-44s %9.1f ms   worst GUI stall %7.1f ms (work %6.1f ms)%s\n", what, f.totalMs, f.worstMs,
            f.worstWorkMs, qPrintable(extra));
    };

    // 1. Import 100k rows: parsing and placing the rows run on workers; the GUI thread appends.
    bool imported = false;
    QObject::connect(&window, &MainWindow::importFinished, &window, [&] { imported = true; });
    ListingFilterProxy *proxy = window.listingProxy();
    const Figure importFig = measure(
        [&] { window.importFile(csv); }, [&] { return imported && !proxy->isPending() && proxy->rowCount() > 0; });
    report(
        "import 100k listings (CSV) until shown", importFig, u"   -> %1 rows"_s.arg(window.listingModel()->rowCount()));

    QTableView *view = window.listingView();
    if (!parser.isSet(analysesOnlyOpt)) {
        // 2. Model swap of 100k listings: what a restart does once the loader (a worker) has read
        //    listings.json and indexed the ids.
        QList<Listing> copy = window.listingModel()->listings();
        QHash<QString, int> index = ListingSet::indexRows(copy);
        report("set 100k listings on the model until shown",
            measure([&] { window.listingModel()->setListings(std::move(copy), std::move(index)); },
                [&] { return !proxy->isPending(); }));

        // 2b. The library's latest scores for every listing arriving (start-up or import with a big library).
        {
            QHash<QString, double> scores;
            scores.reserve(window.listingModel()->rowCount());
            for (const Listing &l : window.listingModel()->listings())
                scores.insert(l.id, double(qHash(l.id) % 101));
            report("latest scores of 100k listings applied",
                measure([&] { window.listingModel()->setScores(scores); }, [] { return true; }));
        }

        // 3. Filters and sorts over the full table, each as one user action, until its rows are shown.
        const auto timed = [&](const char *what, const std::function<void()> &action) {
            const Figure f = measure(action, [&] { return !proxy->isPending(); });
            report(what, f, u"   -> %1 rows"_s.arg(proxy->rowCount()));
            return f;
        };
        timed("search \"car\"", [&] { proxy->setSearchText(u"car"_s); });
        timed("search cleared", [&] { proxy->setSearchText({}); });
        timed("state = TX", [&] { proxy->setState(u"TX"_s); });
        timed("price 250k..1M (with state)", [&] { proxy->setPriceRange(250'000, 1'000'000); });
        timed("all filters cleared", [&] {
            proxy->setState({});
            proxy->setPriceRange(std::nullopt, std::nullopt);
        });
        const Figure sortPrice = timed(
            "sort by asking price", [&] { view->sortByColumn(ListingTableModel::ColAsking, Qt::DescendingOrder); });
        const Figure sortTitle
            = timed("sort by title", [&] { view->sortByColumn(ListingTableModel::ColTitle, Qt::AscendingOrder); });
        timed("sort by industry", [&] { view->sortByColumn(ListingTableModel::ColIndustry, Qt::AscendingOrder); });
        timed("search \"car\" (sorted by industry)", [&] { proxy->setSearchText(u"car"_s); });
        timed("search cleared (sorted by industry)", [&] { proxy->setSearchText({}); });
        timed("sort by title again", [&] { view->sortByColumn(ListingTableModel::ColTitle, Qt::AscendingOrder); });

        // The same sorts the way a stock QSortFilterProxyModel does them (on the GUI thread), in this
        // run on this machine: the reference the figures above are measured against.
        {
            QSortFilterProxyModel reference;
            reference.setSortRole(ListingTableModel::SortRole);
            reference.setSortCaseSensitivity(Qt::CaseInsensitive);
            reference.setSourceModel(window.listingModel());
            const Figure refPrice = measure(
                [&] { reference.sort(ListingTableModel::ColAsking, Qt::DescendingOrder); }, [] { return true; });
            const Figure refTitle = measure(
                [&] { reference.sort(ListingTableModel::ColTitle, Qt::AscendingOrder); }, [] { return true; });
            std::printf("reference QSortFilterProxyModel on the GUI thread (no view): sort by price %.1f ms, by title "
                        "%.1f ms\n",
                refPrice.totalMs, refTitle.totalMs);
            std::printf(
                "worst GUI stall vs reference: sort by price %.1f vs %.1f ms (%.0fx less), by title %.1f vs %.1f "
                "ms (%.0fx less)\n",
                sortPrice.worstMs, refPrice.worstMs, refPrice.worstMs / std::max(0.1, sortPrice.worstMs),
                sortTitle.worstMs, refTitle.worstMs, refTitle.worstMs / std::max(0.1, sortTitle.worstMs));
        }
    } else {
        view->sortByColumn(ListingTableModel::ColTitle, Qt::AscendingOrder); // as the rounds below expect
        waitUntil([&] { return !proxy->isPending(); }, 60000);
    }

    // 4. 500 analyses at once, the window open; the stall meter runs the whole time.
    int finished = 0;
    int succeeded = 0;
    int stored = 0;
    int startErrors = 0;
    QObject::connect(&window, &MainWindow::analysisFinished, &window, [&](const Job &job) {
        ++finished;
        succeeded += job.status == JobStatus::Succeeded ? 1 : 0;
    });
    QObject::connect(window.controller(), &AnalysisController::resultStored, &window, [&] { ++stored; });
    QObject::connect(window.controller(), &AnalysisController::errorOccurred, &window,
        [&](const QString &, const QString &, const QString &message) {
            if (++startErrors <= 3)
                std::printf("  start error: %s\n", qPrintable(message));
        });
    const QList<Listing> &all = window.listingModel()->listings();
    // Each round analyses listings of its own (a recent success would be answered from memory).
    const auto round = [&](const char *what, int first) {
        finished = succeeded = stored = startErrors = 0;
        const int wanted = int(std::clamp<qsizetype>(all.size() - first, 0, analyses));
        meter.start();
        waitUntil([] { return false; }, 30);
        QElapsedTimer t;
        bool started = false;
        double startMs = 0;
        QTimer::singleShot(0, &window, [&] {
            t.start();
            for (int i = first; i < first + wanted; ++i)
                window.startAnalysis(all.at(i).id, i % 2 ? u"valuation"_s : u"risk_assessment"_s);
            startMs = ms(t);
            started = true;
        });
        // Done when every analysis finished and every success is in the library (stored off the GUI thread).
        waitUntil([&] { return started && finished + startErrors >= wanted && stored >= succeeded; }, 600000);
        const double runMs = ms(t);
        meter.stop();
        std::printf("%s\n", what);
        std::printf("  start %d analyses (GUI thread):              %9.1f ms\n", wanted, startMs);
        if (startErrors > 0)
            std::printf("  %d analyses could not start\n", startErrors);
        std::printf("  %d analyses finished and stored in          %9.1f ms   (%.0f analyses/s)\n", finished, runMs,
            runMs > 0 ? finished * 1000.0 / runMs : 0.0);
        std::printf(
            "  event loop while they ran: worst stall %.1f ms, p99 gap %.1f ms, p50 gap %.2f ms over %zu ticks\n",
            meter.worst(), meter.percentile(0.99), meter.percentile(0.50), meter.ticks());
        std::printf("  GUI thread's own work between ticks: worst %.1f ms, p99 %.2f ms\n", meter.worstWork(),
            meter.workPercentile(0.99));
        worstOverall = std::max(worstOverall, meter.worst());
    };
    app.tracing = parser.isSet(traceOpt);
    round("500 analyses, listings sorted by title:", 0);
    // The user watches the scores come in: every stored score re-sorts the 100k rows (coalesced).
    view->sortByColumn(ListingTableModel::ColScore, Qt::DescendingOrder);
    waitUntil([&] { return !proxy->isPending(); }, 60000);
    round("500 analyses, listings sorted by score:", analyses);
    // The Library tab in front: it queries the results as they are stored.
    window.tabs()->setCurrentWidget(window.libraryView());
    round("500 analyses, Library tab shown:", 2 * analyses);
    const bool traced = std::exchange(app.tracing, false);
    report("Library view refresh until shown",
        measure([&] { window.libraryView()->refresh(); }, [&] { return !window.libraryView()->isRefreshing(); }),
        u"   -> %1 rows"_s.arg(window.libraryView()->model()->rowCount()));
    std::printf("WORST GUI-thread stall over every measured operation: %.1f ms\n", worstOverall);
    if (traced) {
        std::sort(app.slow.begin(), app.slow.end(), [](const auto &a, const auto &b) { return a.cpuMs > b.cpuMs; });
        std::printf("GUI-thread events over 4 ms during the analysis rounds (%zu), most CPU first:\n", app.slow.size());
        for (size_t i = 0; i < std::min<size_t>(app.slow.size(), 40); ++i)
            std::printf(
                "  %6.1f ms CPU %6.1f ms wall  %s\n", app.slow[i].cpuMs, app.slow[i].ms, qPrintable(app.slow[i].what));
    }
    std::printf("load average at the end: %s\n", qPrintable(loadAverage()));
    return 0;
}
