// Desktop responsiveness figures (issue 4 §6): the event loop's worst stall while 500 analyses run
// in the real main window, and the time to load (import off the GUI thread) and filter 100k
// generated listings. Run on any platform plugin, e.g. QT_QPA_PLATFORM=offscreen ./bench_ui
//   bench_ui [--listings N] [--analyses N] [--threads N]
#include "benchmarks/BenchmarkTable.h"
#include "generate/ListingGenerator.h"
#include "jobs/LocalJobRunner.h"
#include "listings/ListingFilterProxy.h"
#include "listings/ListingTableModel.h"
#include "mainwindow/AnalysisController.h"
#include "mainwindow/MainWindow.h"
#include "config/AppSettings.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>

using namespace dealscope;
using namespace dealscope::ui;
using namespace Qt::Literals::StringLiterals;

namespace {

// Measures the gaps between ticks of a 1 ms timer: the longest gap is the worst time the event
// loop could not run (no repaint, no input) during the measured period.
class StallMeter final : public QObject
{
public:
    StallMeter()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(1);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            if (m_last > 0)
                m_gaps.push_back(double(now - m_last) / 1e6);
            m_last = now;
        });
    }
    void start()
    {
        m_gaps.clear();
        m_last = 0;
        m_clock.start();
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    double worst() const { return m_gaps.empty() ? 0 : *std::max_element(m_gaps.begin(), m_gaps.end()); }
    double percentile(double p) const
    {
        if (m_gaps.empty())
            return 0;
        std::vector<double> g = m_gaps;
        std::sort(g.begin(), g.end());
        return g[std::min(g.size() - 1, size_t(p * double(g.size())))];
    }
    size_t ticks() const { return m_gaps.size(); }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    std::vector<double> m_gaps;
};

// Runs a real event loop (as the app's exec() does) until `done` or the timeout.
void waitUntil(const std::function<bool()> &done, int timeoutMs)
{
    QEventLoop loop;
    QTimer check;
    check.setInterval(5);
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    check.start();
    if (!done())
        loop.exec();
}

double ms(const QElapsedTimer &t)
{
    return double(t.nsecsElapsed()) / 1e6;
}

} // namespace

int main(int argc, char *argv[])
{
    std::setvbuf(stdout, nullptr, _IOLBF, 0);   // figures appear as they are measured
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption listingsOpt(u"listings"_s, u"Listings to generate (default 100000)."_s, u"N"_s, u"100000"_s);
    const QCommandLineOption analysesOpt(u"analyses"_s, u"Concurrent analyses (default 500)."_s, u"N"_s, u"500"_s);
    const QCommandLineOption threadsOpt(u"threads"_s, u"Worker threads (default 2)."_s, u"N"_s, u"2"_s);
    parser.addOptions({listingsOpt, analysesOpt, threadsOpt});
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
    std::printf("dealscope desktop benchmark: %d generated listings, %d analyses, %s worker threads\n", listingCount,
                analyses, qPrintable(parser.value(threadsOpt)));

    MainWindowOptions options;
    options.settingsFile = dir.filePath(u"settings.ini"_s);
    options.dataDir = dir.filePath(u"data"_s);
    options.secretMode = SecretStore::Mode::MemoryOnly;
    options.demoListingsResource.clear();   // start empty: the benchmark imports its own file
    MainWindow window(options);
    window.resize(1400, 900);
    window.show();
    waitUntil([&] { return window.isLoaded(); }, 60000);

    StallMeter meter;
    // 1. Import 100k rows: parsing runs on a worker thread, the model swap on the GUI thread.
    bool imported = false;
    QObject::connect(&window, &MainWindow::importFinished, &window, [&] { imported = true; });
    meter.start();
    QElapsedTimer t;
    t.start();
    window.importFile(csv);
    waitUntil([&] { return imported; }, 300000);
    const double importMs = ms(t);
    meter.stop();
    std::printf("import %d listings (CSV, off the GUI thread):  %9.1f ms   worst event-loop stall %7.1f ms\n",
                int(window.listingModel()->rowCount()), importMs, meter.worst());

    // 2. Model swap of 100k listings (what a restart does after reading listings.json).
    QList<Listing> copy = window.listingModel()->listings();
    t.restart();
    window.listingModel()->setListings(copy);
    QCoreApplication::processEvents();
    std::printf("set 100k listings on the model + repaint:     %9.1f ms\n", ms(t));

    // 3. Filters over the full table, each as one user action on the GUI thread.
    ListingFilterProxy *proxy = window.listingProxy();
    auto timed = [&](const char *what, const std::function<void()> &action) {
        QElapsedTimer at;
        at.start();
        action();
        QCoreApplication::processEvents();
        std::printf("%-46s %9.1f ms   -> %d rows\n", what, ms(at), proxy->rowCount());
    };
    timed("search \"car\"", [&] { proxy->setSearchText(u"car"_s); });
    timed("search cleared", [&] { proxy->setSearchText({}); });
    timed("state = TX", [&] { proxy->setState(u"TX"_s); });
    timed("price 250k..1M (with state)", [&] { proxy->setPriceRange(250'000, 1'000'000); });
    timed("all filters cleared", [&] {
        proxy->setState({});
        proxy->setPriceRange(std::nullopt, std::nullopt);
    });
    timed("sort by asking price", [&] { window.listingView()->sortByColumn(ListingTableModel::ColAsking, Qt::DescendingOrder); });
    timed("sort by title", [&] { window.listingView()->sortByColumn(ListingTableModel::ColTitle, Qt::AscendingOrder); });

    // 4. 500 analyses at once, the window open; the stall meter runs the whole time.
    int finished = 0;
    int startErrors = 0;
    QObject::connect(&window, &MainWindow::analysisFinished, &window, [&](const Job &) { ++finished; });
    QObject::connect(window.controller(), &AnalysisController::errorOccurred, &window,
                     [&](const QString &, const QString &, const QString &message) {
                         if (++startErrors <= 3)
                             std::printf("  start error: %s\n", qPrintable(message));
                     });
    const QList<Listing> &all = window.listingModel()->listings();
    meter.start();
    t.restart();
    for (int i = 0; i < analyses && i < all.size(); ++i)
        window.startAnalysis(all.at(i).id, i % 2 ? u"valuation"_s : u"risk_assessment"_s);
    const double startMs = ms(t);
    waitUntil([&] { return finished + startErrors >= std::min<qsizetype>(analyses, all.size()); }, 600000);
    const double runMs = ms(t);
    meter.stop();
    std::printf("start %d analyses (GUI thread):                %9.1f ms\n", analyses, startMs);
    if (startErrors > 0)
        std::printf("%d analyses could not start\n", startErrors);
    std::printf("%d analyses finished in                       %9.1f ms   (%.0f analyses/s)\n", finished, runMs,
                runMs > 0 ? finished * 1000.0 / runMs : 0.0);
    std::printf("event loop while they ran: worst stall %.1f ms, p99 gap %.1f ms, p50 gap %.2f ms over %zu ticks\n",
                meter.worst(), meter.percentile(0.99), meter.percentile(0.50), meter.ticks());
    return 0;
}
