// Issue 14 in the real window (offscreen, real runner, SQLite and files in a temp folder): export
// from the Library and a result's view in every format, written and read back; notes and tags;
// the market scan over 1,000 listings with cancel-all and dedup; compare with missing figures;
// the charts.
#include "WindowFixture.h"
#include "analysis/AnalysisEngine.h"
#include "analysis/AnalysisType.h"
#include "app/AnalysisController.h"
#include "app/MarketScan.h"
#include "benchmarks/BenchmarkTable.h"
#include "common/CsvReader.h"
#include "common/Failpoints.h"
#include "generate/ListingGenerator.h"
#include "jobs/LocalJobRunner.h"
#include "storage/ResultsLibrary.h"
#include "ui/charts/MultiplesChart.h"
#include "ui/charts/ScanScatterChart.h"
#include "ui/charts/SensitivityHeatMap.h"
#include "ui/common/ExportLauncher.h"
#include "ui/common/FileDialog.h"
#include "ui/common/NotesEditor.h"
#include "ui/compare/CompareDialog.h"
#include "ui/library/LibraryModel.h"
#include "ui/library/LibraryView.h"
#include "ui/listings/ListingFilterProxy.h"
#include "ui/listings/ListingTableModel.h"
#include "ui/results/ResultView.h"
#include "ui/scan/MarketScanView.h"
#include "ui/scan/ScanFilterProxy.h"
#include "ui/scan/ScanModel.h"

#include <QAction>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace dealscope;
using namespace dealscope::ui;
using namespace dealscope::testing;
using namespace Qt::Literals::StringLiterals;

namespace {

// L4 has no cash flow (its DSCR, multiple and max price are unknown); L7's title is hostile.
const QByteArray kSeedCsv
    = "id,title,industry,location,Asking Price,Gross Revenue,Cash Flow,Established\n"
      "L1,Austin Car Wash,Car Washes,\"Austin, TX\",\"$1,200,000\",800000,300000,2005\n"
      "L2,Denver Pizza Shop,Restaurants,\"Denver, CO\",450000,900000,150000,2015\n"
      "L3,Houston Plumbing Co,Plumbing,\"Houston, TX\",2500000,3000000,600000,1998\n"
      "L4,Miami Salon,Beauty Salons,\"Miami, FL\",150000,250000,,2020\n"
      "L5,Dallas Landscaping,Landscaping,\"Dallas, TX\",700000,1100000,250000,2010\n"
      "L7,\"../../etc/passwd, \"\"Evil\"\" <b>Co</b>\",Retail,\"Reno, NV\",300000,500000,90000,2011\n";

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QList<QStringList> parseCsv(const QByteArray &bytes)
{
    QList<QStringList> rows;
    CsvReader reader(bytes);
    CsvRecord record;
    while (reader.next(record))
        rows.append(record.fields);
    return rows;
}

QString pdfText(const QString &file)
{
    QProcess p;
    p.start(QStandardPaths::findExecutable(u"pdftotext"_s), { file, u"-"_s });
    p.waitForFinished(60000);
    return QString::fromUtf8(p.readAllStandardOutput());
}

} // namespace

class TestReview final : public QObject
{
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;

    QString path(const QString &name) const { return m_dir->filePath(name); }
    TestWindow makeWindow(const QString &seed = u"seed.csv"_s)
    {
        return makeTestWindow(path(u"settings.ini"_s), path(u"data"_s), path(seed));
    }

    // Runs `type` on each listing through the window and waits until every result is stored.
    static void analyze(MainWindow &w, const QStringList &ids, const QString &type)
    {
        QSignalSpy stored(w.controller(), &AnalysisController::resultStored);
        for (const QString &id : ids)
            w.startAnalysis(id, type);
        QTRY_COMPARE_WITH_TIMEOUT(stored.size(), ids.size(), 30000);
    }

    // Clicks `button` with the file dialog answering `file`, and waits for the export to land.
    static bool exportWith(MainWindow &w, QAbstractButton *button, const QString &file)
    {
        QSignalSpy done(w.exporter(), &ExportLauncher::finished);
        FileDialog::instance().setNextFileName(file);
        QTest::mouseClick(button, Qt::LeftButton);
        return done.wait(60000) && done.last().at(0).toBool();
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (QStandardPaths::findExecutable(u"pdftotext"_s).isEmpty())
            QFAIL("pdftotext (poppler-utils, scripts/packages.txt) is missing");
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        writeFile(path(u"seed.csv"_s), kSeedCsv);
        Failpoints::configure({});
    }

    void cleanup()
    {
        Failpoints::configure({});
        m_dir.reset();
    }

    void libraryExportsEveryFormat()
    {
        auto w = makeWindow();
        QVERIFY(waitLoaded(*w));
        analyze(*w, { u"L1"_s, u"L2"_s, u"L4"_s, u"L7"_s }, u"valuation"_s);
        LibraryView *library = w->libraryView();
        w->tabs()->setCurrentWidget(library);
        library->refresh();
        QTRY_COMPARE(library->model()->rowCount(), 4);

        // Nothing selected: everything the filters match.
        const QString csv = path(u"out/all.csv"_s);
        QVERIFY(exportWith(*w, library->exportButton(), csv));
        const auto rows = parseCsv(readFile(csv));
        QCOMPARE(rows.size(), 5);
        const QStringList header = rows.at(0);
        QStringList ids;
        for (const QStringList &row : rows.mid(1))
            ids << row.at(header.indexOf(u"listingId"_s));
        ids.sort();
        QCOMPARE(ids, (QStringList { u"L1"_s, u"L2"_s, u"L4"_s, u"L7"_s }));
        for (const QStringList &row : rows.mid(1)) {
            if (row.at(0) == u"L1"_s)
                QCOMPARE(row.at(header.indexOf(u"sdeMultiple"_s)).toDouble(), 4.0);
            if (row.at(0) == u"L4"_s)
                QCOMPARE(row.at(header.indexOf(u"dscr"_s)), QString()); // unknown, not 0
        }

        // A filter narrows what is exported.
        QTest::keyClicks(library->searchEdit(), u"pizza"_s);
        QTRY_COMPARE(library->model()->rowCount(), 1);
        const QString json = path(u"out/pizza.json"_s);
        QVERIFY(exportWith(*w, library->exportButton(), json));
        const auto parsed = nlohmann::json::parse(readFile(json).toStdString());
        QCOMPARE(parsed.size(), size_t(1));
        QVERIFY(parsed[0]["listingId"] == "L2");
        library->searchEdit()->clear();
        QTRY_COMPARE(library->model()->rowCount(), 4);

        // One selected: its result only, the dialog suggesting a safe name from its title.
        int evil = -1;
        for (int r = 0; r < library->model()->rowCount(); ++r)
            evil = library->model()->rowAt(r).listingId == u"L7"_s ? r : evil;
        library->table()->selectRow(evil);
        const QString pdf = path(u"out/evil.pdf"_s);
        QVERIFY(exportWith(*w, library->exportButton(), pdf));
        const QString suggested = FileDialog::instance().lastSuggested();
        QVERIFY2(!suggested.contains(u'/') && !suggested.contains(u'"') && !suggested.contains(u'<')
                && !suggested.startsWith(u'.') && suggested.endsWith(u".pdf"_s),
            qPrintable(suggested));
        const QString text = pdfText(pdf);
        QVERIFY2(text.contains(u"Evil"_s), qPrintable(text.left(500)));
        QVERIFY(!text.contains(u"Austin Car Wash"_s));

        // Two selected, as Markdown; a name without an extension gets the chosen type's.
        library->table()->selectionModel()->clearSelection();
        for (int r = 0; r < library->model()->rowCount(); ++r) {
            if (library->model()->rowAt(r).listingId == u"L1"_s || library->model()->rowAt(r).listingId == u"L2"_s)
                library->table()->selectionModel()->select(
                    library->model()->index(r, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        }
        QVERIFY(library->compareButton()->isEnabled());
        const QString md = path(u"out/two.md"_s);
        QVERIFY(exportWith(*w, library->exportButton(), md));
        const QString markdown = QString::fromUtf8(readFile(md));
        QVERIFY(markdown.contains(u"## Valuation — Austin Car Wash"_s));
        QVERIFY(markdown.contains(u"## Valuation — Denver Pizza Shop"_s));
        QVERIFY(!markdown.contains(u"Miami Salon"_s));

        // Canceled dialog: nothing happens; an unwritable target: the user is told.
        FileDialog::instance().setNextFileName(QString());
        QTest::mouseClick(library->exportButton(), Qt::LeftButton);
        QVERIFY(!w->exporter()->isBusy());
        writeFile(path(u"blocker"_s), "x");
        QVERIFY(!exportWith(*w, library->exportButton(), path(u"blocker/x.csv"_s)));
        QTRY_VERIFY(w->statusBar()->currentMessage().contains(u"failed"_s));
    }

    void resultViewExportsItsResult()
    {
        auto w = makeWindow();
        QVERIFY(waitLoaded(*w));
        analyze(*w, { u"L3"_s }, u"risk_assessment"_s);
        w->selectListing(u"L3"_s);
        QTRY_VERIFY(w->resultView()->reportText().contains(u"Houston Plumbing Co"_s));
        QVERIFY(w->resultView()->exportButton()->isVisible());
        const QString file = path(u"result.md"_s);
        QVERIFY(exportWith(*w, w->resultView()->exportButton(), file));
        const QString md = QString::fromUtf8(readFile(file));
        QVERIFY(md.contains(u"## Risk assessment — Houston Plumbing Co"_s));
        QCOMPARE(FileDialog::instance().lastSuggested(), u"Risk-assessment-—-Houston-Plumbing-Co.pdf"_s);
        // The library's result view exports the same way.
        w->tabs()->setCurrentWidget(w->libraryView());
        w->libraryView()->refresh();
        QTRY_COMPARE(w->libraryView()->model()->rowCount(), 1);
        w->libraryView()->table()->setCurrentIndex(w->libraryView()->model()->index(0, 0));
        w->libraryView()->openSelected();
        const QString json = path(u"library-result.json"_s);
        QVERIFY(exportWith(*w, w->libraryView()->resultView()->exportButton(), json));
        QVERIFY(nlohmann::json::parse(readFile(json).toStdString())[0]["analysisType"] == "risk_assessment");
    }

    void notesAndTagsAreSavedSearchedAndExported()
    {
        auto w = makeWindow();
        QVERIFY(waitLoaded(*w));
        analyze(*w, { u"L1"_s, u"L5"_s }, u"valuation"_s);
        w->selectListing(u"L1"_s);
        NotesEditor *notes = w->listingNotes();
        QVERIFY(notes->isEnabled());
        QVERIFY(!notes->saveButton()->isEnabled()); // nothing to save yet
        QTest::keyClicks(notes->tagsEdit(), u"shortlist, call back"_s);
        notes->notesToggle()->click();
        QVERIFY(notes->notesEdit()->isVisible());
        QTest::keyClicks(notes->notesEdit(), u"Owner carries 20 %; lease ends 2031"_s);
        QVERIFY(notes->saveButton()->isEnabled());
        QSignalSpy saved(notes, &NotesEditor::saved);
        QTest::mouseClick(notes->saveButton(), Qt::LeftButton);
        QVERIFY(saved.wait(10000));
        QVERIFY(saved.last().at(2).toBool());
        QCOMPARE(notes->stateLabel()->text(), u"Saved"_s);
        QCOMPARE(w->library().annotation(AnnotationKind::Listing, u"L1"_s).tags,
            (QStringList { u"shortlist"_s, u"call back"_s }));

        // Another listing and back: the notes come back from the library.
        w->selectListing(u"L5"_s);
        QCOMPARE(notes->tagsEdit()->text(), QString());
        w->selectListing(u"L1"_s);
        QCOMPARE(notes->tagsEdit()->text(), u"shortlist, call back"_s);
        QVERIFY(notes->notesEdit()->toPlainText().contains(u"lease ends 2031"_s));

        // Searchable in the Library, where a result gets notes of its own.
        LibraryView *library = w->libraryView();
        w->tabs()->setCurrentWidget(library);
        QTest::keyClicks(library->searchEdit(), u"SHORTLIST"_s);
        QTRY_COMPARE(library->model()->rowCount(), 1);
        QCOMPARE(library->model()->rowAt(0).listingId, u"L1"_s);
        library->table()->setCurrentIndex(library->model()->index(0, 0));
        library->openSelected();
        NotesEditor *resultNotes = library->notesEditor();
        QVERIFY(resultNotes->isEnabled());
        QTest::keyClicks(resultNotes->tagsEdit(), u"offer sent"_s);
        QSignalSpy resultSaved(resultNotes, &NotesEditor::saved);
        QTest::mouseClick(resultNotes->saveButton(), Qt::LeftButton);
        QVERIFY(resultSaved.wait(10000));
        library->searchEdit()->clear();
        QTest::keyClicks(library->searchEdit(), u"offer sent"_s);
        QTRY_COMPARE(library->model()->rowCount(), 1);

        // Exported with the results.
        const QString csv = path(u"notes.csv"_s);
        QVERIFY(exportWith(*w, library->exportButton(), csv));
        const auto rows = parseCsv(readFile(csv));
        QCOMPARE(rows.size(), 2);
        const QStringList header = rows.at(0);
        QCOMPARE(rows.at(1).at(header.indexOf(u"tags"_s)), u"offer sent"_s);
        QCOMPARE(rows.at(1).at(header.indexOf(u"listingTags"_s)), u"shortlist; call back"_s);
        QVERIFY(rows.at(1).at(header.indexOf(u"listingNotes"_s)).contains(u"lease ends 2031"_s));
    }

    void compareMarksTheBetterValueWithMissingFigures()
    {
        auto w = makeWindow();
        QVERIFY(waitLoaded(*w));
        analyze(*w, { u"L1"_s, u"L2"_s, u"L4"_s }, u"valuation"_s);
        // L5 was never analysed: its inputs compare, its metrics are unknown.
        QTableView *view = w->listingView();
        view->selectionModel()->clearSelection();
        for (const QString &id : { u"L1"_s, u"L2"_s, u"L4"_s, u"L5"_s }) {
            const QModelIndex idx
                = w->listingProxy()->mapFromSource(w->listingModel()->index(w->listingModel()->rowOf(id), 0));
            view->selectionModel()->select(idx, QItemSelectionModel::Select | QItemSelectionModel::Rows);
        }
        QCOMPARE(w->selectedListingIds().size(), 4);
        w->findChild<QAction *>(u"actionCompare"_s)->trigger();
        CompareDialog *dialog = w->lastCompareDialog();
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        QCOMPARE(dialog->table()->columnCount(), 4);
        const auto column = [&](const QString &id) { return int(w->selectedListingIds().indexOf(id)); };
        // Asking price: L4's $150,000 is the lowest.
        QVERIFY(dialog->isMarkedBetter(u"Asking price"_s, column(u"L4"_s)));
        QVERIFY(dialog->cellText(u"Asking price"_s, column(u"L4"_s)).startsWith(u"★ "_s));
        // L4 has no cash flow: its DSCR is unknown and never marked; L5 has no result at all.
        QCOMPARE(dialog->cellText(u"DSCR"_s, column(u"L4"_s)), u"—"_s);
        QCOMPARE(dialog->cellText(u"DSCR"_s, column(u"L5"_s)), u"—"_s);
        QVERIFY(!dialog->isMarkedBetter(u"DSCR"_s, column(u"L4"_s)));
        QVERIFY(
            dialog->isMarkedBetter(u"DSCR"_s, column(u"L1"_s)) || dialog->isMarkedBetter(u"DSCR"_s, column(u"L2"_s)));
        QCOMPARE(dialog->cellText(u"Cash flow (SDE)"_s, column(u"L4"_s)), u"—"_s);
        QVERIFY(dialog->cellText(u"Valuation range"_s, column(u"L1"_s)).contains(u" – "_s));
        QVERIFY(dialog->rowOf(u"Findings"_s) > dialog->rowOf(u"DSCR"_s));
        // One listing is not a comparison.
        view->selectionModel()->clearSelection();
        view->setCurrentIndex(w->listingProxy()->index(0, 0));
        w->findChild<QAction *>(u"actionCompare"_s)->trigger();
        QCOMPARE(w->lastCompareDialog(), dialog); // the old one stays; the user is told why
        QVERIFY(w->statusBar()->currentMessage().contains(u"2 to 4"_s));
    }

    void chartsShowTheResultAgainstItsSector()
    {
        auto w = makeWindow();
        QVERIFY(waitLoaded(*w));
        analyze(*w, { u"L1"_s }, u"valuation"_s);
        w->selectListing(u"L1"_s);
        ResultView *result = w->resultView();
        QTRY_VERIFY(result->reportText().contains(u"Austin Car Wash"_s));
        result->setCurrentWidget(result->chartsTab());
        QVERIFY(result->multiplesChart()->description().contains(u"SDE × of this listing: 4.00×"_s));
        QVERIFY(result->multiplesChart()->description().contains(u"published benchmark"_s));
        QVERIFY(result->heatMap()->isVisibleTo(result));
        QCOMPARE(result->heatMap()->cellCount(), 15); // 5 rates × 3 down payments
        QVERIFY(result->heatMap()->description().contains(u"at 10.5 % interest, 10.0 % down"_s));
        // A risk assessment has no sensitivity grid: no heat map.
        analyze(*w, { u"L1"_s }, u"risk_assessment"_s);
        const auto stored = w->library().latestFor(u"L1"_s, u"risk_assessment"_s);
        QVERIFY(stored);
        result->showResult(stored->job["result"], u"Risk"_s, stored->jobId);
        QVERIFY(!result->heatMap()->isVisibleTo(result));
    }

    void scatterOfALargeScanShowsItsBestListings()
    {
        QList<RankedListing> ranking;
        for (int i = 0; i < 1000; ++i) {
            RankedListing r;
            r.listingId = u"L%1"_s.arg(i);
            r.score = 100.0 - i / 10.0;
            r.askingPremium = (i % 50) / 100.0;
            r.dscr = i % 2 ? 1.5 : 1.0;
            ranking << r;
        }
        RankedListing failed;
        failed.listingId = u"LX"_s;
        failed.error = u"canceled by user"_s;
        ranking << failed;
        ScanScatterChart chart;
        chart.setRanking(ranking);
        QCOMPARE(chart.pointCount(), ScanScatterChart::kMaxPoints);
        QVERIFY2(chart.title().contains(u"best 400 of 1000"_s), qPrintable(chart.title()));
        chart.setRanking(ranking.mid(0, 10));
        QCOMPARE(chart.pointCount(), 10);
        QVERIFY(!chart.title().contains(u"best"_s));
    }

    void marketScanOfAThousandListingsWithCancelAll()
    {
        writeFile(path(u"thousand.csv"_s),
            ListingGenerator::toCsv(ListingGenerator(BenchmarkTable::builtin(), 11).generate(1000)));
        auto w = makeWindow(u"thousand.csv"_s);
        QVERIFY(waitLoaded(*w));
        QCOMPARE(w->listingModel()->rowCount(), 1000);
        // Slow enough that Cancel all lands mid-scan on any machine.
        const auto steps = w->engine()->steps(AnalysisType::Valuation);
        Failpoints::configure(u"analysis.step.valuation.%1=delay(40)"_s.arg(steps.at(1).id));

        w->findChild<QAction *>(u"actionScan_valuation"_s)->trigger();
        MarketScan *scan = w->marketScan();
        QVERIFY(scan);
        MarketScanView *view = w->scanView();
        QCOMPARE(w->tabs()->currentWidget(), view);
        QCOMPARE(view->model()->rowCount(), 1000);
        QVERIFY(view->cancelButton()->isEnabled());
        QSignalSpy finished(scan, &MarketScan::finished);
        QTRY_VERIFY_WITH_TIMEOUT(scan->progress().succeeded >= 12, 60000);
        // The aggregate progress and an ETA are shown while it runs.
        QTRY_VERIFY(view->progressBar()->value() > 0);
        QTRY_VERIFY(view->etaLabel()->text().startsWith(u"about"_s));
        QTest::mouseClick(view->cancelButton(), Qt::LeftButton);
        QVERIFY(finished.wait(60000));
        const MarketScan::Progress p = scan->progress();
        QCOMPARE(p.total, 1000);
        QCOMPARE(p.finished, 1000);
        QCOMPARE(p.succeeded + p.failed + p.canceled, 1000);
        QVERIFY2(p.canceled > 500, qPrintable(QString::number(p.canceled)));
        QCOMPARE(p.failed, 0);
        QVERIFY(!view->cancelButton()->isEnabled());
        QCOMPARE(view->progressBar()->value(), 1000);
        QTRY_COMPARE(w->runner()->activeCount(), 0); // nothing left running on the backend
        QVERIFY(view->summaryLabel()->text().contains(u"%1 succeeded"_s.arg(p.succeeded)));

        // Ranked best first once finished; the unknowns and canceled ones last.
        ScanFilterProxy *proxy = view->proxy();
        QCOMPARE(proxy->rowCount(), 1000);
        double previous = 101;
        for (int r = 0; r < p.succeeded; ++r) {
            const QVariant score = proxy->index(r, ScanModel::ColScore).data(ScanModel::SortRole);
            if (!score.isValid())
                break;
            QVERIFY(score.toDouble() <= previous);
            previous = score.toDouble();
        }
        QVERIFY(!proxy->index(999, ScanModel::ColScore).data(ScanModel::SortRole).isValid());
        QCOMPARE(proxy->index(999, ScanModel::ColStatus).data().toString(), u"canceled by user"_s);
        // Sortable by another column, and filterable.
        view->table()->sortByColumn(ScanModel::ColDscr, Qt::DescendingOrder);
        const QVariant top = proxy->index(0, ScanModel::ColDscr).data(ScanModel::SortRole);
        QVERIFY(top.isValid());
        view->minScoreSpin()->setValue(1);
        QVERIFY(proxy->rowCount() <= p.succeeded);
        QVERIFY(proxy->rowCount() > 0);
        view->minScoreSpin()->setValue(0);
        view->filterEdit()->setText(u"no listing has this title"_s);
        QCOMPARE(proxy->rowCount(), 0);
        view->filterEdit()->clear();
        QCOMPARE(proxy->rowCount(), 1000);
        // The scatter has a point per analysed listing with a score and a premium.
        QVERIFY(view->scatter()->pointCount() > 0);
        QVERIFY(view->scatter()->pointCount() <= p.succeeded);

        // Exported: one CSV row per succeeded analysis, in the ranking's order.
        QVERIFY(view->exportButton()->isEnabled());
        view->table()->sortByColumn(ScanModel::ColScore, Qt::DescendingOrder);
        const QString csv = path(u"scan.csv"_s);
        QVERIFY(exportWith(*w, view->exportButton(), csv));
        const auto rows = parseCsv(readFile(csv));
        QCOMPARE(rows.size(), p.succeeded + 1);
        const int scoreColumn = int(rows.at(0).indexOf(u"score"_s));
        for (int r = 2; r < rows.size(); ++r)
            QVERIFY(rows.at(r).at(scoreColumn).toDouble() <= rows.at(r - 1).at(scoreColumn).toDouble());

        // Again over the listings the filter shows: dedup returns what succeeded within the hour.
        Failpoints::configure({});
        const int jobsBefore = int(w->runner()->jobs().size());
        const QStringList succeededIds = [&] {
            QStringList ids;
            for (const RankedListing &r : scan->rows())
                if (r.hasResult())
                    ids << r.listingId;
            return ids;
        }();
        QTest::keyClicks(w->searchEdit(), succeededIds.first());
        QTRY_COMPARE(w->listingProxy()->rowCount(), 1);
        w->findChild<QAction *>(u"actionScan_valuation"_s)->trigger();
        MarketScan *again = w->marketScan();
        QVERIFY(again != scan);
        QSignalSpy againFinished(again, &MarketScan::finished);
        QVERIFY(againFinished.wait(60000));
        QCOMPARE(again->progress().deduplicated, 1);
        QCOMPARE(again->progress().succeeded, 1);
        QCOMPARE(int(w->runner()->jobs().size()), jobsBefore); // no new job
    }
};

QTEST_MAIN(TestReview)
#include "tst_review.moc"
