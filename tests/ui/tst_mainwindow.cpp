// Drives the real Dealscope main window on the offscreen platform: real local runner and engine,
// real QSettings INI and SQLite files in a temp folder, QTest clicks and keys.
#include "WindowFixture.h"
#include "analysis/AnalysisEngine.h"
#include "analysis/AnalysisType.h"
#include "app/AnalysisController.h"
#include "benchmarks/BenchmarkTable.h"
#include "common/Failpoints.h"
#include "config/AppSettings.h"
#include "config/ServerCredentials.h"
#include "export/Format.h"
#include "generate/ListingGenerator.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/LocalJobRunner.h"
#include "market/ListingCatalog.h"
#include "storage/ResultsLibrary.h"
#include "ui/imports/ImportDiagnosticsDialog.h"
#include "ui/jobs/JobListModel.h"
#include "ui/jobs/JobsDock.h"
#include "ui/library/LibraryModel.h"
#include "ui/library/LibraryView.h"
#include "ui/listings/AnalysisRow.h"
#include "ui/listings/ListingFilterProxy.h"
#include "ui/listings/ListingPanel.h"
#include "ui/listings/ListingTableModel.h"
#include "ui/mainwindow/MainWindow.h"
#include "ui/results/ResultView.h"
#include "ui/settings/SettingsDialog.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <QTimer>

using namespace dealscope;
using namespace dealscope::ui;
using namespace dealscope::testing;
using namespace Qt::Literals::StringLiterals;

namespace {

const QByteArray kSeedCsv = "id,title,industry,location,Asking Price,Gross Revenue,Cash Flow,Established\n"
                            "L1,Austin Car Wash,Car Washes,\"Austin, TX\",\"$1,200,000\",800000,300000,2005\n"
                            "L2,Denver Pizza Shop,Restaurants,\"Denver, CO\",450000,900000,150000,2015\n"
                            "L3,Houston Plumbing Co,Plumbing,\"Houston, TX\",2500000,3000000,600000,1998\n"
                            "L4,Miami Salon,Beauty Salons,\"Miami, FL\",150000,250000,,2020\n"
                            "L5,Dallas Landscaping,Landscaping,\"Dallas, TX\",700000,1100000,250000,2010\n"
                            "L6,Boulder Coffee Roaster,Coffee Shops,\"Boulder, CO\",350000,500000,90000,2018\n";

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

} // namespace

class TestMainWindow final : public QObject
{
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;

    QString ini() const { return m_dir->filePath(u"settings.ini"_s); }
    QString dataDir() const { return m_dir->filePath(u"data"_s); }

    TestWindow makeWindow() { return makeTestWindow(ini(), dataDir(), m_dir->filePath(u"seed.csv"_s)); }

    static QString firstStepId(MainWindow &w, AnalysisType type, int index = 0)
    {
        const auto steps = w.engine()->steps(type);
        return steps.at(qMin<qsizetype>(index, steps.size() - 1)).id;
    }

    static std::optional<Job> job(MainWindow &w, const QString &listing, const QString &type)
    {
        return w.controller()->job(listing, type);
    }

    static int jobsInStore(MainWindow &w, const QString &listing, const QString &type)
    {
        int n = 0;
        for (const Job &j : w.runner()->jobs())
            n += (j.listingId == listing && j.analysisType == type) ? 1 : 0;
        return n;
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        writeFile(m_dir->filePath(u"seed.csv"_s), kSeedCsv);
        Failpoints::configure({});
    }

    void cleanup()
    {
        Failpoints::configure({});
        m_dir.reset();
    }

    void titleAndFirstStartListings()
    {
        auto w = makeWindow();
        QCOMPARE(w->windowTitle(), u"Dealscope"_s);
        QVERIFY(waitLoaded(*w));
        QCOMPARE(w->listingModel()->rowCount(), 6);
        QCOMPARE(w->listingView()->model()->rowCount(), 6);
        // Every control the user reaches has a name for assistive technology.
        for (QWidget *c : w->findChildren<QWidget *>()) {
            if (qobject_cast<QLineEdit *>(c) || qobject_cast<QComboBox *>(c) || qobject_cast<QProgressBar *>(c)) {
                if (c->objectName().isEmpty() || c->objectName().startsWith(u"qt_"_s))
                    continue;
                QVERIFY2(!c->accessibleName().isEmpty(), qPrintable(c->objectName()));
            }
            if (auto *b = qobject_cast<QPushButton *>(c))
                QVERIFY2(!b->accessibleName().isEmpty() || !b->text().isEmpty(), qPrintable(b->objectName()));
        }
    }

    void startShowsProgressAndRendersTheEngineResult()
    {
        auto w = makeWindow();
        QVERIFY(waitLoaded(*w));
        // Slow two steps down a little so the running states are visible, as in real use.
        Failpoints::configure(u"analysis.step.valuation.%1=delay(300);analysis.step.valuation.%2=delay(300)"_s.arg(
            firstStepId(*w, AnalysisType::Valuation, 1), firstStepId(*w, AnalysisType::Valuation, 3)));

        // Select L1 with the keyboard: Home goes to the first row of the (unsorted) table.
        w->listingView()->setFocus();
        w->selectListing(u"L1"_s);
        QCOMPARE(w->listingPanel()->listingId(), u"L1"_s);

        QSignalSpy changes(w->controller(), &AnalysisController::jobChanged);
        QSignalSpy finished(w.get(), &MainWindow::analysisFinished);
        AnalysisRow *row = w->listingPanel()->row(u"valuation"_s);
        QVERIFY(row->startButton()->isEnabled());
        QTest::mouseClick(row->startButton(), Qt::LeftButton);
        QVERIFY(!row->startButton()->isEnabled()); // active: a second start is not offered
        QVERIFY(row->cancelButton()->isEnabled());

        QTRY_VERIFY_WITH_TIMEOUT(row->progressBar()->value() > 0 && row->progressBar()->value() < 100, 10000);
        QVERIFY(!row->statusLabel()->text().isEmpty());
        // The listings table's score cell shows the running analysis with its progress.
        const QModelIndex scoreCell
            = w->listingModel()->index(w->listingModel()->rowOf(u"L1"_s), ListingTableModel::ColScore);
        QTRY_VERIFY_WITH_TIMEOUT(scoreCell.data().toString().startsWith(u"Running"_s)
                && !scoreCell.data().toString().contains(u" 0 %"_s)
                && !scoreCell.data().toString().contains(u"100 %"_s),
            10000);
        QVERIFY(finished.wait(20000));
        const Job done = finished.last().at(0).value<Job>();
        QCOMPARE(done.status, JobStatus::Succeeded);
        QCOMPARE(row->progressBar()->value(), 100);
        QVERIFY(row->startButton()->isEnabled());
        QVERIFY(row->rerunButton()->isEnabled());
        QVERIFY(!row->cancelButton()->isEnabled());
        QVERIFY(!row->elapsedLabel()->text().isEmpty());

        bool sawRunning = false;
        double last = -1;
        for (const auto &args : changes) {
            const Job j = args.at(0).value<Job>();
            if (j.status == JobStatus::Running && j.progress > 0 && j.progress < 100)
                sawRunning = true;
            if (j.status == JobStatus::Running && j.attempt == 1) {
                QVERIFY2(j.progress >= last, "progress went backwards");
                last = j.progress;
            }
        }
        QVERIFY(sawRunning);

        // The same engine, run directly on the same listings, gives the same result.
        AnalysisEngine engine(w->engine()->catalog()->benchmarksPtr(), w->engine()->catalog());
        Job direct;
        direct.id = u"direct"_s;
        direct.listingId = u"L1"_s;
        direct.analysisType = u"valuation"_s;
        direct.params = w->settings().analysisDefaults().toParams();
        ExecutionHooks hooks;
        hooks.onProgress = [](double, const QString &) {};
        hooks.onCheckpoint = [](const PipelineCheckpoint &) {};
        hooks.isCancelRequested = [] { return false; };
        Failpoints::configure({});
        const nlohmann::json expected = engine.run(analysisRequestOf(direct), PipelineCheckpoint {}, hooks);
        QVERIFY(done.result.has_value());
        QVERIFY(done.result->at("metrics") == expected.at("metrics"));
        QVERIFY(done.result->at("score") == expected.at("score"));

        // What the user reads: hand-computed figures for L1 ($1.2M asking, $300k cash flow).
        QTRY_VERIFY(w->resultView()->reportText().contains(u"Valuation — Austin Car Wash"_s));
        const QString report = w->resultView()->reportText();
        QVERIFY2(report.contains(u"4.00×"_s), qPrintable(report)); // SDE multiple 1.2M / 300k
        QVERIFY(report.contains(u"1.50×"_s)); // revenue multiple 1.2M / 800k
        QVERIFY(report.contains(u"37.5 %"_s)); // margin 300k / 800k
        QVERIFY(report.contains(u"$1,080,000"_s)); // loan: 90 % of the price
        QVERIFY(report.contains(formatMetric(u"dscr"_s, expected["metrics"]["dscr"])));
        QVERIFY(report.contains(formatMetric(u"annualDebtService"_s, expected["metrics"]["annualDebtService"])));
        QVERIFY(report.contains(u"Score %1 / 100"_s.arg(QString::number(expected["score"].get<double>(), 'f', 0))));
        QVERIFY(report.contains(u"Rate \\ Down payment"_s)); // sensitivity grid
        QVERIFY(report.contains(u"secondary source"_s));
        for (const auto &f : expected["findings"])
            QVERIFY2(report.contains(QString::fromStdString(f["message"].get<std::string>())), f.dump().c_str());

        // Stored in the library (written on its storage thread), and the listings table shows the score.
        QTRY_VERIFY(w->library().contains(done.id));
        const int row0 = w->listingModel()->rowOf(u"L1"_s);
        QTRY_COMPARE(
            w->listingModel()->index(row0, ListingTableModel::ColScore).data(ListingTableModel::ScoreRole).toDouble(),
            expected["score"].get<double>());
        // The jobs dock lists it.
        w->jobModel()->flushPendingChanges();
        QCOMPARE(w->jobModel()->rowCount(), 1);
        QCOMPARE(w->jobModel()->index(0, JobListModel::ColStatus).data().toString(), u"succeeded"_s);
        QCOMPARE(w->jobModel()->index(0, JobListModel::ColBackend).data().toString(), u"local"_s);
    }

    void cancelStopsTheJob()
    {
        auto w = makeWindow();
        QVERIFY(waitLoaded(*w));
        Failpoints::configure(
            u"analysis.step.valuation.%1=delay(20000)"_s.arg(firstStepId(*w, AnalysisType::Valuation, 1)));
        w->selectListing(u"L2"_s);
        AnalysisRow *row = w->listingPanel()->row(u"valuation"_s);
        QTest::mouseClick(row->startButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(
            job(*w, u"L2"_s, u"valuation"_s) && job(*w, u"L2"_s, u"valuation"_s)->status == JobStatus::Running, 10000);
        QVERIFY(row->cancelButton()->isEnabled());
        QTest::mouseClick(row->cancelButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(job(*w, u"L2"_s, u"valuation"_s)->status, JobStatus::Canceled, 10000);
        // The panel follows the job through the paced queue: a moment later on a loaded machine.
        QTRY_COMPARE_WITH_TIMEOUT(row->statusLabel()->text(), u"Canceled"_s, 10000);
        QTRY_VERIFY(row->startButton()->isEnabled());
        QVERIFY(!row->cancelButton()->isEnabled());
        w->jobModel()->flushPendingChanges();
        QCOMPARE(w->jobModel()->index(0, JobListModel::ColStatus).data().toString(), u"canceled"_s);
        QCOMPARE(w->library().count(), 0);
    }

    void doubleClickStartsOneJob()
    {
        auto w = makeWindow();
        QVERIFY(waitLoaded(*w));
        Failpoints::configure(
            u"analysis.step.risk_assessment.%1=delay(1500)"_s.arg(firstStepId(*w, AnalysisType::RiskAssessment, 1)));
        w->selectListing(u"L3"_s);
        AnalysisRow *row = w->listingPanel()->row(u"risk_assessment"_s);
        QTest::mouseDClick(row->startButton(), Qt::LeftButton);
        QTest::mouseClick(row->startButton(), Qt::LeftButton);
        QTest::keyClick(w.get(), Qt::Key_3, Qt::ControlModifier); // the shortcut, too
        w->startAnalysis(u"L3"_s, u"risk_assessment"_s); // and a programmatic start
        QTRY_VERIFY_WITH_TIMEOUT(job(*w, u"L3"_s, u"risk_assessment"_s).has_value(), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(job(*w, u"L3"_s, u"risk_assessment"_s)->status, JobStatus::Succeeded, 20000);
        QCOMPARE(jobsInStore(*w, u"L3"_s, u"risk_assessment"_s), 1);
        w->jobModel()->flushPendingChanges();
        QCOMPARE(w->jobModel()->rowCount(), 1);
        // Start again within the hour: the recent success is returned, no new job; Re-run forces one.
        QTest::mouseClick(row->startButton(), Qt::LeftButton);
        QTRY_VERIFY(!w->controller()->isActive(u"L3"_s, u"risk_assessment"_s));
        QCOMPARE(jobsInStore(*w, u"L3"_s, u"risk_assessment"_s), 1);
        Failpoints::configure({});
        QTRY_VERIFY(row->rerunButton()->isEnabled());
        QTest::mouseClick(row->rerunButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(jobsInStore(*w, u"L3"_s, u"risk_assessment"_s), 2, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!w->controller()->isActive(u"L3"_s, u"risk_assessment"_s), 20000);
    }

    void filterAndSearch()
    {
        auto w = makeWindow();
        QVERIFY(waitLoaded(*w));
        ListingFilterProxy *proxy = w->listingProxy();
        QAbstractItemModel *view = w->listingView()->model();
        QCOMPARE(view, proxy);
        // Filters and sorting are computed off the GUI thread; "settled" = the newest result is shown.
        const auto settled = [&] { return !proxy->isPending(); };
        QTest::keyClicks(w->searchEdit(), u"pizza"_s);
        QTRY_COMPARE(view->rowCount(), 1);
        QCOMPARE(view->index(0, ListingTableModel::ColId).data().toString(), u"L2"_s);
        w->searchEdit()->clear();
        QTRY_COMPARE(view->rowCount(), 6);

        QComboBox *state = w->stateCombo();
        const int tx = state->findData(u"TX"_s);
        QVERIFY(tx > 0);
        state->setCurrentIndex(tx);
        QTRY_VERIFY(settled());
        QCOMPARE(view->rowCount(), 3);
        QTest::keyClicks(w->maxPriceEdit(), u"1,000,000"_s);
        QTRY_COMPARE(view->rowCount(), 1);
        QCOMPARE(view->index(0, ListingTableModel::ColId).data().toString(), u"L5"_s);
        w->maxPriceEdit()->clear();
        QTest::keyClicks(w->minPriceEdit(), u"1000000"_s);
        QTRY_COMPARE(view->rowCount(), 2); // L1 1.2M, L3 2.5M
        state->setCurrentIndex(0);
        QTRY_VERIFY(settled());
        QCOMPARE(view->rowCount(), 2);
        w->minPriceEdit()->clear();
        QTRY_COMPARE(view->rowCount(), 6);

        QComboBox *industry = w->industryCombo();
        industry->setCurrentIndex(industry->findData(u"Plumbing"_s));
        QTRY_VERIFY(settled());
        QCOMPARE(view->rowCount(), 1);
        industry->setCurrentIndex(0);
        // Hostile search text is just text.
        QTest::keyClicks(w->searchEdit(), u"(.*[\\"_s);
        QTRY_COMPARE(view->rowCount(), 0);
        w->searchEdit()->clear();
        QTRY_COMPARE(view->rowCount(), 6);

        // Sorting by asking price puts the cheapest first, unknowns last.
        w->listingView()->sortByColumn(ListingTableModel::ColAsking, Qt::AscendingOrder);
        QTRY_COMPARE(view->index(0, ListingTableModel::ColId).data().toString(), u"L4"_s);
        QVERIFY(settled());
        w->selectListing(u"L5"_s);
        w->listingView()->sortByColumn(ListingTableModel::ColCashFlow, Qt::DescendingOrder);
        QTRY_COMPARE(view->index(0, ListingTableModel::ColId).data().toString(), u"L3"_s);
        QCOMPARE(view->index(5, ListingTableModel::ColId).data().toString(), u"L4"_s); // unknown cash flow last
        // The selection and current row stay on the listing, wherever the sort moved it.
        QCOMPARE(w->listingView()->currentIndex().data(ListingTableModel::ListingIdRole).toString(), u"L5"_s);
        QCOMPARE(w->listingView()->currentIndex().row(), 2); // L3 600k, L1 300k, L5 250k
        QCOMPARE(w->listingView()->selectionModel()->selectedRows().size(), 1);
        QCOMPARE(
            w->listingView()->selectionModel()->selectedRows().at(0).data(ListingTableModel::ListingIdRole).toString(),
            u"L5"_s);
        QCOMPARE(w->listingPanel()->listingId(), u"L5"_s);
        w->listingView()->sortByColumn(ListingTableModel::ColTitle, Qt::AscendingOrder);
        QTRY_COMPARE(view->index(0, ListingTableModel::ColId).data().toString(), u"L1"_s); // Austin…
        QCOMPARE(view->index(5, ListingTableModel::ColId).data().toString(), u"L4"_s); // …Miami
        QCOMPARE(w->listingView()->horizontalHeader()->sortIndicatorSection(), int(ListingTableModel::ColTitle));
        QCOMPARE(w->listingModel()->find(u"L5"_s)->title, u"Dallas Landscaping"_s);

        // Filter and sort together: Texas by title descending.
        w->listingView()->sortByColumn(ListingTableModel::ColTitle, Qt::DescendingOrder);
        state->setCurrentIndex(tx);
        QTRY_VERIFY(settled());
        QCOMPARE(view->rowCount(), 3);
        QCOMPARE(view->index(0, ListingTableModel::ColId).data().toString(), u"L3"_s); // Houston
        QCOMPARE(view->index(1, ListingTableModel::ColId).data().toString(), u"L5"_s); // Dallas
        QCOMPARE(view->index(2, ListingTableModel::ColId).data().toString(), u"L1"_s); // Austin
        QCOMPARE(w->listingView()->currentIndex().data(ListingTableModel::ListingIdRole).toString(), u"L5"_s);
        QCOMPARE(w->listingView()->currentIndex().row(), 1);
        // Filtering the selected listing out drops the selection, not onto another listing.
        state->setCurrentIndex(state->findData(u"CO"_s));
        QTRY_VERIFY(settled());
        QCOMPARE(view->rowCount(), 2);
        QCOMPARE(view->index(0, ListingTableModel::ColId).data().toString(), u"L2"_s); // Denver Pizza
        QVERIFY(!w->listingView()->currentIndex().isValid());
        // Selecting a filtered-out listing clears the filters and selects it once they are applied.
        w->selectListing(u"L3"_s);
        QTRY_COMPARE(w->listingView()->currentIndex().data(ListingTableModel::ListingIdRole).toString(), u"L3"_s);
        QCOMPARE(view->rowCount(), 6);
        QCOMPARE(w->listingView()->currentIndex().row(), 1); // Miami, then Houston, by title descending
        state->setCurrentIndex(0);
        QTRY_VERIFY(settled());

        // The filters come back after a restart.
        QTest::keyClicks(w->searchEdit(), u"co"_s);
        state->setCurrentIndex(state->findData(u"CO"_s));
        QTRY_COMPARE(view->rowCount(), 2);
        w.reset();
        auto again = makeWindow();
        QVERIFY(waitLoaded(*again));
        QCOMPARE(again->searchEdit()->text(), u"co"_s);
        QCOMPARE(again->stateCombo()->currentData().toString(), u"CO"_s);
        QTRY_COMPARE(again->listingView()->model()->rowCount(), 2);
        QVERIFY(again->listingView()->currentIndex().isValid()); // the first shown row, once filtered
    }

    void importGoodAndMalformedFiles()
    {
        auto w = makeWindow();
        QVERIFY(waitLoaded(*w));
        QSignalSpy imported(w.get(), &MainWindow::importFinished);

        const QString good = m_dir->filePath(u"more.csv"_s);
        writeFile(good,
            "id,title,location,Asking Price,Cash Flow\n"
            "N1,Tampa Bakery,\"Tampa, FL\",300000,80000\n"
            "N2,Reno Gym,\"Reno, NV\",N/A,Not Disclosed\n"
            "L1,Austin Car Wash (price cut),\"Austin, TX\",\"$1,000,000\",300000\n"
            "N3,,\"Nowhere, XX\",1,1\n");
        w->importFile(good);
        QVERIFY(imported.wait(20000));
        QCOMPARE(imported.last().at(1).toBool(), true);
        QCOMPARE(w->listingModel()->rowCount(), 8); // 6 kept + 2 new; L1 updated in place
        QCOMPARE(w->listingModel()->find(u"L1"_s)->askingPrice, std::optional<qint64>(1'000'000));
        QVERIFY(!w->listingModel()->find(u"N2"_s)->askingPrice);
        ImportDiagnosticsDialog *dialog = w->lastImportDialog();
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        QVERIFY2(dialog->summaryText().contains(u"2 new, 1 updated"_s), qPrintable(dialog->summaryText()));
        QVERIFY(dialog->summaryText().contains(u"1 rejected"_s));
        QVERIFY(dialog->table()->rowCount() >= 1);
        bool lineFive = false;
        for (int r = 0; r < dialog->table()->rowCount(); ++r)
            lineFive |= dialog->table()->item(r, 0)->text() == u"5"_s;
        QVERIFY(lineFive); // the row without a title, by its line number
        // Imported listings can be analysed at once.
        QSignalSpy errors(w->controller(), &AnalysisController::errorOccurred);
        w->startAnalysis(u"N1"_s, u"valuation"_s);
        QTRY_VERIFY_WITH_TIMEOUT(
            job(*w, u"N1"_s, u"valuation"_s) && job(*w, u"N1"_s, u"valuation"_s)->status == JobStatus::Succeeded,
            20000);
        QCOMPARE(errors.size(), 0);

        const QString bad = m_dir->filePath(u"garbage.csv"_s);
        QByteArray junk(4096, '\0');
        for (int i = 0; i < junk.size(); ++i)
            junk[i] = char((i * 131) % 256);
        writeFile(bad, junk);
        w->importFile(bad);
        QVERIFY(imported.wait(20000));
        QCOMPARE(imported.last().at(1).toBool(), false);
        QCOMPARE(w->listingModel()->rowCount(), 8); // nothing lost
        QTRY_VERIFY(w->lastImportDialog() && w->lastImportDialog() != dialog);
        QVERIFY(w->lastImportDialog()->summaryText().contains(u"could not be imported"_s));

        w->importFile(m_dir->filePath(u"does-not-exist.json"_s));
        QVERIFY(imported.wait(20000));
        QCOMPARE(imported.last().at(1).toBool(), false);
        QCOMPARE(w->listingModel()->rowCount(), 8);

        // Drag and drop of a JSON file onto the window imports it too.
        const QString json = m_dir->filePath(u"dropped.json"_s);
        writeFile(json, R"({"listings":[{"id":"J1","title":"Boise Print Shop","askingPrice":90000}]})");
        QMimeData mime;
        mime.setUrls({ QUrl::fromLocalFile(json) });
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(w.get(), &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(w.get(), &drop);
        QVERIFY(imported.wait(20000));
        QCOMPARE(w->listingModel()->rowCount(), 9);

        // Still there after a restart.
        QTRY_VERIFY_WITH_TIMEOUT(readFile(dataDir() + u"/listings.json"_s).contains("Boise Print Shop"), 10000);
        w.reset();
        auto again = makeWindow();
        QVERIFY(waitLoaded(*again));
        QCOMPARE(again->listingModel()->rowCount(), 9);
        QVERIFY(again->listingModel()->find(u"N1"_s));
        QVERIFY(again->listingModel()->find(u"J1"_s));
    }

    void importAppendsIntoTheSortedFilteredView()
    {
        auto w = makeWindow();
        QVERIFY(waitLoaded(*w));
        ListingFilterProxy *proxy = w->listingProxy();
        QAbstractItemModel *view = w->listingView()->model();
        w->listingView()->sortByColumn(ListingTableModel::ColAsking, Qt::AscendingOrder);
        QTRY_COMPARE(view->index(0, ListingTableModel::ColId).data().toString(), u"L4"_s); // 150k
        w->selectListing(u"L5"_s);
        QCOMPARE(w->listingView()->currentIndex().row(), 3); // 150k, 350k, 450k, 700k
        QSignalSpy resets(w->listingModel(), &QAbstractItemModel::modelReset);
        QSignalSpy inserts(w->listingModel(), &QAbstractItemModel::rowsInserted);
        QSignalSpy imported(w.get(), &MainWindow::importFinished);

        // Two imports back to back: merged in the order asked (b's N1 wins), whichever parses first.
        const QString a = m_dir->filePath(u"a.csv"_s);
        const QString b = m_dir->filePath(u"b.csv"_s);
        writeFile(a,
            "id,title,location,Asking Price,Cash Flow\n"
            "N1,Tampa Bakery,\"Tampa, FL\",100000,30000\n"
            "L2,Denver Pizza Shop,\"Denver, CO\",900000,150000\n");
        writeFile(b,
            "id,title,location,Asking Price,Cash Flow\n"
            "N2,Reno Gym,\"Reno, NV\",5000000,800000\n"
            "N1,Tampa Bakery,\"Tampa, FL\",120000,30000\n");
        w->importFile(a);
        w->importFile(b);
        QTRY_COMPARE(imported.size(), 2);
        QCOMPARE(resets.size(), 0); // appended, never a reset of the table
        QCOMPARE(inserts.size(), 2);
        QCOMPARE(w->listingModel()->rowCount(), 8);
        QCOMPARE(w->listingModel()->find(u"N1"_s)->askingPrice, std::optional<qint64>(120'000));
        QCOMPARE(w->listingModel()->find(u"L2"_s)->askingPrice, std::optional<qint64>(900'000));
        QCOMPARE(w->listingModel()->find(u"L1"_s)->title, u"Austin Car Wash"_s); // existing kept

        // The view places them by the sort in effect and keeps the selection on its listing.
        QTRY_COMPARE(view->rowCount(), 8);
        QTRY_VERIFY(!proxy->isPending());
        const QStringList expected = { u"N1"_s, u"L4"_s, u"L6"_s, u"L5"_s, u"L2"_s, u"L1"_s, u"L3"_s, u"N2"_s };
        QStringList shown;
        for (int r = 0; r < view->rowCount(); ++r)
            shown << view->index(r, ListingTableModel::ColId).data().toString();
        QCOMPARE(shown, expected);
        QCOMPARE(w->listingView()->currentIndex().data(ListingTableModel::ListingIdRole).toString(), u"L5"_s);
        QCOMPARE(w->listingView()->currentIndex().row(), 3);
        QCOMPARE(w->listingPanel()->listingId(), u"L5"_s);
        // The filters apply to imported rows as to the others.
        QTest::keyClicks(w->searchEdit(), u"tampa"_s);
        QTRY_COMPARE(view->rowCount(), 1);
        QCOMPARE(view->index(0, ListingTableModel::ColId).data().toString(), u"N1"_s);
    }

    void selectingAJustImportedListingKeepsTheFilters()
    {
        auto w = makeWindow();
        QVERIFY(waitLoaded(*w));
        QComboBox *state = w->stateCombo();
        state->setCurrentIndex(state->findData(u"FL"_s));
        QTRY_VERIFY(!w->listingProxy()->isPending());
        QCOMPARE(w->listingView()->model()->rowCount(), 1); // Miami Salon
        const QString file = m_dir->filePath(u"fl.csv"_s);
        writeFile(file, "id,title,location,Asking Price\nN9,Orlando Florist,\"Orlando, FL\",200000\n");
        bool selectedWhilePending = false;
        connect(w.get(), &MainWindow::importFinished, this, [&] {
            // The new row is not placed yet: selecting it must wait for it, not clear the filters.
            selectedWhilePending = w->listingProxy()->isPending();
            w->selectListing(u"N9"_s);
        });
        w->importFile(file);
        QTRY_COMPARE(w->listingView()->currentIndex().data(ListingTableModel::ListingIdRole).toString(), u"N9"_s);
        QVERIFY(selectedWhilePending);
        QCOMPARE(state->currentData().toString(), u"FL"_s);
        QCOMPARE(w->listingView()->model()->rowCount(), 2);
        QCOMPARE(w->listingPanel()->listingId(), u"N9"_s);
    }

    void closingRightAfterAnalysesFinishResumesNothing()
    {
        {
            auto w = makeWindow();
            QVERIFY(waitLoaded(*w));
            int finished = 0;
            QEventLoop loop;
            connect(w.get(), &MainWindow::analysisFinished, &loop, [&] {
                if (++finished == 4)
                    loop.quit();
            });
            QTimer::singleShot(20000, &loop, &QEventLoop::quit);
            for (const QString &id : { u"L1"_s, u"L2"_s, u"L3"_s, u"L5"_s })
                w->startAnalysis(id, u"risk_assessment"_s);
            loop.exec();
            QCOMPARE(finished, 4);
            // Closed at once: the last result is still on its way to the library.
        }
        auto again = makeWindow();
        QVERIFY(waitLoaded(*again));
        QCOMPARE(again->resumedCount(), 0);
        QCOMPARE(again->library().count(), 4);
        QVERIFY(!readFile(ini()).contains("jobId"));
    }

    void destroyedWhileImportingAndSorting()
    {
        // A big file: parsing, merging, sorting and the catalog rebuild are all still running on
        // workers when the window goes. Nothing may touch it afterwards (ASan would say so).
        const QString file = m_dir->filePath(u"big.csv"_s);
        writeFile(file, ListingGenerator::toCsv(ListingGenerator(BenchmarkTable::builtin(), 7).generate(20000)));
        // Gone at three stages: both files still parsing, the first one merged (the second
        // merging, the index rebuilding), both merged (sorting and indexing the 20k rows).
        for (int importsDone : { 0, 1, 2 }) {
            auto w = makeWindow();
            QVERIFY(waitLoaded(*w));
            QSignalSpy imported(w.get(), &MainWindow::importFinished);
            w->listingView()->sortByColumn(ListingTableModel::ColTitle, Qt::DescendingOrder);
            w->importFile(file);
            w->importFile(file);
            QTRY_COMPARE_WITH_TIMEOUT(imported.size() >= importsDone, true, 60000);
            w->listingView()->sortByColumn(ListingTableModel::ColAsking, Qt::AscendingOrder);
            QTest::keyClicks(w->searchEdit(), u"shop"_s);
            w.reset();
            // What the workers posted to the window's objects goes with them, never delivered.
            QCoreApplication::sendPostedEvents();
        }
        QThreadPool::globalInstance()->waitForDone();
        // The last window got far enough to save the listings, or not: either way the next start works.
        auto again = makeWindow();
        QVERIFY(waitLoaded(*again));
        QVERIFY(again->listingModel()->rowCount() >= 6);
    }

    void libraryViewShowsResultsStoredOnTheStorageThread()
    {
        auto w = makeWindow();
        QVERIFY(waitLoaded(*w));
        w->tabs()->setCurrentWidget(w->libraryView());
        QCOMPARE(w->libraryView()->model()->rowCount(), 0);
        QSignalSpy stored(w->controller(), &AnalysisController::resultStored);
        w->startAnalysis(u"L2"_s, u"risk_assessment"_s);
        QVERIFY(stored.wait(20000));
        QCOMPARE(stored.last().at(1).toString(), u"L2"_s);
        QVERIFY(w->library().contains(stored.last().at(0).toString())); // committed before the signal
        // Visible: the view picks it up by itself.
        QTRY_COMPARE(w->libraryView()->model()->rowCount(), 1);
        QCOMPARE(w->libraryView()->model()->index(0, LibraryModel::ColListing).data().toString(), u"L2"_s);

        // The in-flight entry stays until the result is in the library (SPEC §6): a process
        // killed in between re-attaches the finished job and stores it then.
        QSettings ini(this->ini(), QSettings::IniFormat); // shares the window's unsynced changes
        InFlightRegistry registry(ini);
        bool entryWhileStoring = false;
        QString jobId;
        connect(w.get(), &MainWindow::analysisFinished, this, [&](const Job &j) {
            jobId = j.id;
            // The window's registry writes on a thread of its own: its put() must land first.
            w.context().registry().sync();
            entryWhileStoring = registry.contains(j.id);
        });
        w->startAnalysis(u"L4"_s, u"valuation"_s);
        QVERIFY(stored.wait(20000));
        QCOMPARE(stored.last().at(0).toString(), jobId);
        QVERIFY(entryWhileStoring);
        QTRY_VERIFY(!registry.contains(jobId)); // gone once stored (batched with other removals)
        QTRY_COMPARE(w->libraryView()->model()->rowCount(), 2);

        // Hidden: nothing queried meanwhile; brought up to date when shown again.
        w->tabs()->setCurrentIndex(0);
        w->startAnalysis(u"L3"_s, u"valuation"_s);
        QVERIFY(stored.wait(20000));
        QTRY_COMPARE(w->library().count(), 3);
        w->tabs()->setCurrentWidget(w->libraryView());
        QVERIFY(w->libraryView()->isRefreshing()); // searched on the storage thread
        QTRY_VERIFY(!w->libraryView()->isRefreshing());
        QCOMPARE(w->libraryView()->model()->rowCount(), 3);
        // And the listings table shows the stored score.
        const int row = w->listingModel()->rowOf(u"L3"_s);
        QTRY_VERIFY(
            w->listingModel()->index(row, ListingTableModel::ColScore).data(ListingTableModel::ScoreRole).isValid());
    }

    void inFlightJobsResumeInANewWindow()
    {
        const QStringList pairs = { u"L1/valuation"_s, u"L2/risk_assessment"_s, u"L3/business_analysis"_s };
        {
            auto w = makeWindow();
            QVERIFY(waitLoaded(*w));
            // Every step after the first waits, so the jobs are in flight when the window goes away.
            QStringList spec;
            for (AnalysisType t :
                { AnalysisType::Valuation, AnalysisType::RiskAssessment, AnalysisType::BusinessAnalysis })
                spec << u"analysis.step.%1.%2=delay(3000)"_s.arg(analysisTypeName(t), firstStepId(*w, t, 2));
            Failpoints::configure(spec.join(u';'));
            for (const QString &p : pairs)
                w->startAnalysis(p.section(u'/', 0, 0), p.section(u'/', 1, 1));
            // In flight: running (past the first step) or queued behind the worker threads.
            const auto inFlight = [&] {
                int running = 0;
                for (const QString &p : pairs) {
                    const auto j = job(*w, p.section(u'/', 0, 0), p.section(u'/', 1, 1));
                    if (!j || isTerminal(j->status))
                        return false;
                    running += j->status == JobStatus::Running ? 1 : 0;
                }
                return running >= 1;
            };
            QTRY_VERIFY_WITH_TIMEOUT(inFlight(), 10000);
            QVERIFY(readFile(ini()).contains("inflight"));
        }
        Failpoints::configure({});
        auto w = makeWindow();
        QVERIFY(waitLoaded(*w));
        QCOMPARE(w->resumedCount(), 3);
        QVERIFY(w->noticeLabel()->isVisible());
        QVERIFY2(
            w->noticeLabel()->text().contains(u"Resumed 3 local analyses."_s), qPrintable(w->noticeLabel()->text()));
        for (const QString &p : pairs) {
            const QString listing = p.section(u'/', 0, 0), type = p.section(u'/', 1, 1);
            QTRY_VERIFY_WITH_TIMEOUT(
                job(*w, listing, type) && job(*w, listing, type)->status == JobStatus::Succeeded, 30000);
        }
        QTRY_COMPARE(w->library().count(), 3);
        // Closing the window is not a failure: the running jobs were handed back in their attempt.
        for (const QString &p : pairs)
            QCOMPARE(job(*w, p.section(u'/', 0, 0), p.section(u'/', 1, 1))->attempt, 1);
        QTRY_VERIFY(!readFile(ini()).contains("jobId")); // entries leave the registry once stored
        // The library view finds them offline.
        w->tabs()->setCurrentWidget(w->libraryView());
        w->libraryView()->refresh();
        QTRY_COMPARE(w->libraryView()->model()->rowCount(), 3);
        QTest::keyClicks(w->libraryView()->searchEdit(), u"pizza"_s);
        QTRY_COMPARE(w->libraryView()->model()->rowCount(), 1);
        w->libraryView()->table()->setCurrentIndex(w->libraryView()->model()->index(0, 0));
        w->libraryView()->openSelected();
        QVERIFY(w->libraryView()->resultView()->reportText().contains(u"Denver Pizza Shop"_s));
        w->libraryView()->deleteSelected();
        QCOMPARE(w->library().count(), 2);
        QTRY_COMPARE(w->libraryView()->model()->rowCount(), 0);
    }

    void settingsPersistAndNoSecretInTheIni()
    {
        const QString secret = u"sk-test-SECRET-4242"_s;
        const QString serverToken = u"server-token-SECRET-4343"_s;
        {
            auto w = makeWindow();
            QVERIFY(waitLoaded(*w));
            bool sawDialog = false;
            QTimer::singleShot(0, this, [&] {
                auto *dialog = qobject_cast<SettingsDialog *>(QApplication::activeModalWidget());
                QVERIFY(dialog);
                sawDialog = true;
                auto *threads = dialog->findChild<QSpinBox *>(u"workerThreads"_s);
                threads->setValue(3);
                auto *salary = dialog->findChild<QSpinBox *>(u"ownerSalary"_s);
                salary->setValue(60000);
                auto *provider = dialog->findChild<QComboBox *>(u"llmProvider"_s);
                provider->setCurrentIndex(provider->findData(u"openai"_s));
                auto *baseUrl = dialog->findChild<QLineEdit *>(u"llmBaseUrl"_s);
                baseUrl->setText(u"http://127.0.0.1:9/v1"_s); // loopback only, never called here
                auto *model = dialog->findChild<QLineEdit *>(u"llmModel"_s);
                model->clear();
                QTest::keyClicks(model, u"llama3"_s);
                QVERIFY(dialog->apiKeyEdit()->isEnabled());
                QCOMPARE(dialog->apiKeyEdit()->echoMode(), QLineEdit::Password);
                QTest::keyClicks(dialog->apiKeyEdit(), secret);
                auto *warning = dialog->findChild<QLabel *>(u"keychainWarning"_s);
                QVERIFY(warning->text().contains(u"memory"_s)); // memory-only mode is said out loud
                // The job server's token goes to the keychain like the key, never into the INI.
                auto *serverUrl = dialog->findChild<QLineEdit *>(u"serverUrl"_s);
                QVERIFY(serverUrl->isEnabled());
                serverUrl->setText(u"http://127.0.0.1:9"_s);
                QCOMPARE(dialog->serverTokenEdit()->echoMode(), QLineEdit::Password);
                QTest::keyClicks(dialog->serverTokenEdit(), serverToken);
                auto *buttons = dialog->findChild<QDialogButtonBox *>(u"settingsButtons"_s);
                QTest::mouseClick(buttons->button(QDialogButtonBox::Ok), Qt::LeftButton);
            });
            w->openSettings();
            QVERIFY(sawDialog);
            QCOMPARE(w->secrets().cached(AppSettings::llmApiKeySecret()), std::optional<QString>(secret));
            QTRY_COMPARE(w->secrets().cached(ServerCredentials::secretKey(QUrl(u"http://127.0.0.1:9"_s))),
                std::optional<QString>(serverToken));
            // The chosen provider is registered with the engine (it is not called: builtin runs below).
            QTRY_VERIFY(w->engine()->providerNames().contains(u"openai"_s));
            w->engine()->setDefaultProvider(u"builtin"_s);
            // The default salary reaches the analyses.
            w->startAnalysis(u"L5"_s, u"valuation"_s);
            QTRY_VERIFY_WITH_TIMEOUT(
                job(*w, u"L5"_s, u"valuation"_s) && isTerminal(job(*w, u"L5"_s, u"valuation"_s)->status), 20000);
            QCOMPARE(job(*w, u"L5"_s, u"valuation"_s)->params["ownerSalary"].get<qint64>(), 60000);
            QVERIFY(!QString::fromStdString(job(*w, u"L5"_s, u"valuation"_s)->params.dump()).contains(secret));
        }
        AppSettings reread(ini());
        QCOMPARE(reread.workerThreads(), 3);
        QCOMPARE(reread.analysisDefaults().ownerSalary, 60000);
        QCOMPARE(reread.llmProvider(), u"openai"_s);
        QCOMPARE(reread.llmBaseUrl(), QUrl(u"http://127.0.0.1:9/v1"_s));
        QCOMPARE(reread.llmModel(), u"llama3"_s);
        // No secret anywhere on disk: not in the INI, not in the data folder.
        QVERIFY(!readFile(ini()).contains(secret.toUtf8()));
        QVERIFY(!readFile(ini()).contains(serverToken.toUtf8()));
        QDirIterator it(dataDir(), QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString f = it.next();
            QVERIFY2(!readFile(f).contains(secret.toUtf8()), qPrintable(f));
        }
        // Geometry and the developer toggle persist as well.
        auto w = makeWindow();
        QVERIFY(waitLoaded(*w));
        QVERIFY(w->jobsDock()->view()->isColumnHidden(JobListModel::ColId));
        w->jobsDock()->developerToggle()->click();
        QVERIFY(!w->jobsDock()->view()->isColumnHidden(JobListModel::ColId));
        w.reset();
        QVERIFY(readFile(ini()).contains("geometry="));
        auto again = makeWindow();
        QVERIFY(waitLoaded(*again));
        QVERIFY(again->jobsDock()->developerToggle()->isChecked());
        QVERIFY(!again->jobsDock()->view()->isColumnHidden(JobListModel::ColRequestId));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
