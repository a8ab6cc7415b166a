// Market scan figures (issue 14 §3): "Analyze all shown listings" over N generated listings
// (default 10,000) in the real window, end to end: every analysis started, run, ranked and stored
// in the results library. Prints analyses/s and the GUI thread's worst stall meanwhile (and its own
// CPU time between two ticks, which the machine's load does not inflate). Run on any platform
// plugin, e.g. QT_QPA_PLATFORM=offscreen ./bench_scan
//   bench_scan [--listings N] [--threads N] [--type TYPE]
#include "BenchSupport.h"
#include "app/AppContext.h"
#include "app/MarketScan.h"
#include "benchmarks/BenchmarkTable.h"
#include "config/AppSettings.h"
#include "generate/ListingGenerator.h"
#include "storage/ResultsLibrary.h"
#include "ui/listings/ListingTableModel.h"
#include "ui/mainwindow/MainWindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>
#include <QTemporaryDir>
#include <QThread>

#include <cstdio>

using namespace dealscope;
using namespace dealscope::ui;
using namespace dealscope::bench;
using namespace Qt::Literals::StringLiterals;

int main(int argc, char *argv[])
{
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption listingsOpt(u"listings"_s, u"Listings to scan (default 10000)."_s, u"N"_s, u"10000"_s);
    const QCommandLineOption threadsOpt(u"threads"_s, u"Worker threads (default 2)."_s, u"N"_s, u"2"_s);
    const QCommandLineOption typeOpt(u"type"_s, u"Analysis type (default valuation)."_s, u"TYPE"_s, u"valuation"_s);
    parser.addOptions({ listingsOpt, threadsOpt, typeOpt });
    parser.process(app);
    const int count = parser.value(listingsOpt).toInt();

    QTemporaryDir dir;
    const QString csv = dir.filePath(u"listings.csv"_s);
    {
        QFile f(csv);
        if (!f.open(QIODevice::WriteOnly))
            return 1;
        ListingGenerator(BenchmarkTable::builtin(), 99).writeCsv(f, count);
    }
    {
        AppSettings settings(dir.filePath(u"settings.ini"_s));
        settings.setWorkerThreads(parser.value(threadsOpt).toInt());
    }
    const auto loadAverage = [] {
        QFile f(u"/proc/loadavg"_s);
        return f.open(QIODevice::ReadOnly) ? QString::fromLatin1(f.readAll()).section(u' ', 0, 2) : u"n/a"_s;
    };
    std::printf("dealscope market scan benchmark: %d generated listings, %s, %s worker threads, %d cores\n", count,
        qPrintable(parser.value(typeOpt)), qPrintable(parser.value(threadsOpt)), QThread::idealThreadCount());
    std::printf("load average at start: %s\n", qPrintable(loadAverage()));

    // Built as app/desktop/main.cpp builds them; the generated file is what a first start loads.
    AppContextOptions contextOptions;
    contextOptions.settingsFile = dir.filePath(u"settings.ini"_s);
    contextOptions.dataDir = dir.filePath(u"data"_s);
    contextOptions.secretMode = SecretStore::Mode::MemoryOnly;
    AppContext context(contextOptions);
    MainWindowOptions options;
    options.demoListingsResource = csv;
    MainWindow window(context, options);
    window.resize(1400, 900);
    window.show();
    waitUntil([&] { return window.isLoaded(); }, 120000);
    std::printf("listings loaded: %d\n", window.listingModel()->rowCount());

    StallMeter meter;
    meter.start();
    waitUntil([] { return false; }, 30);
    QElapsedTimer clock;
    bool started = false;
    QTimer::singleShot(0, &window, [&] {
        clock.start();
        window.analyzeShownListings(parser.value(typeOpt));
        started = true;
    });
    waitUntil(
        [&] { return started && window.marketScan() && window.marketScan()->state() == MarketScan::State::Finished; },
        3'600'000);
    const double totalMs = ms(clock);
    meter.stop();
    const MarketScan::Progress p = window.marketScan()->progress();
    std::printf("market scan of %d listings: %d succeeded, %d failed, %d canceled in %.1f s\n", p.total, p.succeeded,
        p.failed, p.canceled, totalMs / 1000.0);
    std::printf("  end to end (started, run, ranked, stored): %.0f analyses/s\n", p.finished * 1000.0 / totalMs);
    std::printf("  event loop meanwhile: worst stall %.1f ms, p99 gap %.1f ms, p50 gap %.2f ms over %zu ticks\n",
        meter.worst(), meter.percentile(0.99), meter.percentile(0.50), meter.ticks());
    std::printf("  GUI thread's own work between ticks: worst %.1f ms, p99 %.2f ms\n", meter.worstWork(),
        meter.workPercentile(0.99));
    std::printf("  results in the library: %d\n", context.library().count());
    std::printf("load average at the end: %s\n", qPrintable(loadAverage()));
    return 0;
}
