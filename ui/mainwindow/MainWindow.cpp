#include "ui/mainwindow/MainWindow.h"

#include "analysis/AnalysisEngine.h"
#include "analysis/AnalysisType.h"
#include "app/AnalysisController.h"
#include "app/AppContext.h"
#include "app/ExportService.h"
#include "app/ListingsService.h"
#include "app/MarketScan.h"
#include "config/AppSettings.h"
#include "export/Comparison.h"
#include "export/Format.h"
#include "export/ResultFigures.h"
#include "jobs/LocalJobRunner.h"
#include "storage/ResultsLibrary.h"
#include "ui/common/ExportLauncher.h"
#include "ui/common/FileDialog.h"
#include "ui/common/NotesEditor.h"
#include "ui/compare/CompareDialog.h"
#include "ui/imports/ImportDiagnosticsDialog.h"
#include "ui/jobs/JobListModel.h"
#include "ui/jobs/JobsDock.h"
#include "ui/library/LibraryView.h"
#include "ui/listings/AnalysisRow.h"
#include "ui/listings/ListingFilterProxy.h"
#include "ui/listings/ListingPanel.h"
#include "ui/listings/ListingTableModel.h"
#include "ui/listings/ScoreDelegate.h"
#include "ui/mainwindow/FilterBar.h"
#include "ui/mainwindow/ListingsDocument.h"
#include "ui/results/ResultView.h"
#include "ui/scan/MarketScanView.h"
#include "ui/settings/SettingsDialog.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDragEnterEvent>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMimeData>
#include <QSplitter>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

namespace {
const QStringList &analysisTypes()
{
    static const QStringList types = analysisTypeNames();
    return types;
}
} // namespace

MainWindow::MainWindow(AppContext &context, MainWindowOptions options, QWidget *parent)
    : QMainWindow(parent)
    , m_context(context)
    , m_options(std::move(options))
    , m_document(new ListingsDocument(context, this))
{
    setWindowTitle(u"Dealscope"_s);
    setObjectName(u"mainWindow"_s);
    setAcceptDrops(true);

    buildUi();
    buildMenus();
    restoreState();
    connectContext();

    for (const QString &problem : m_context.problems())
        showNotice(problem, true);
    if (m_context.options().secretMode == SecretStore::Mode::Keychain)
        m_context.secrets().probe();
    else
        statusBar()->showMessage(m_context.secrets().warning(), 8000); // chosen by the user: no alarm

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(windowIcon().isNull() ? QApplication::windowIcon() : windowIcon(), this);
        m_tray->setToolTip(u"Dealscope"_s);
        m_tray->show();
    }
    statusBar()->showMessage(tr("Loading listings…"));
    m_document->load(m_options.demoListingsResource);
}

MainWindow::~MainWindow()
{
    saveState();
}

AppSettings &MainWindow::settings()
{
    return m_context.settings();
}

SecretStore &MainWindow::secrets()
{
    return m_context.secrets();
}

ResultsLibrary &MainWindow::library()
{
    return m_context.library();
}

AnalysisController *MainWindow::controller() const
{
    return &m_context.controller();
}

LocalJobRunner *MainWindow::runner() const
{
    return &m_context.runner();
}

std::shared_ptr<AnalysisEngine> MainWindow::engine() const
{
    return m_context.engine();
}

ListingTableModel *MainWindow::listingModel() const
{
    return m_document->model();
}

ListingFilterProxy *MainWindow::listingProxy() const
{
    return m_document->proxy();
}

QLineEdit *MainWindow::searchEdit() const
{
    return m_filters->searchEdit();
}

QComboBox *MainWindow::industryCombo() const
{
    return m_filters->industryCombo();
}

QComboBox *MainWindow::stateCombo() const
{
    return m_filters->stateCombo();
}

QLineEdit *MainWindow::minPriceEdit() const
{
    return m_filters->minPriceEdit();
}

QLineEdit *MainWindow::maxPriceEdit() const
{
    return m_filters->maxPriceEdit();
}

void MainWindow::connectContext()
{
    AnalysisController *controller = &m_context.controller();
    connect(controller, &AnalysisController::jobChanged, this, &MainWindow::onJobChanged);
    connect(controller, &AnalysisController::jobFinished, this, &MainWindow::onJobFinished);
    connect(controller, &AnalysisController::resultStored, this,
        [this](const QString &, const QString &listingId, std::optional<double> score) {
            m_document->noteResult(listingId, score);
            if (listingId == m_panel->listingId())
                refreshPanel();
            if (!m_libraryView->isVisible())
                m_libraryStale = true; // queried when it is shown
            else if (!m_libraryRefresh.isActive())
                m_libraryRefresh.start();
        });
    connect(controller, &AnalysisController::errorOccurred, this,
        [this](const QString &listingId, const QString &type, const QString &message) {
            statusBar()->showMessage(tr("%1 of %2: %3").arg(analysisTypeLabel(type), listingId, message), 10000);
            if (listingId == m_panel->listingId())
                refreshPanelRow(type);
        });
    connect(
        controller, &AnalysisController::pairStateChanged, this, [this](const QString &listingId, const QString &type) {
            m_document->updateStatus(listingId);
            if (listingId == m_panel->listingId())
                refreshPanelRow(type);
            if (!m_countsTimer.isActive())
                m_countsTimer.start();
        });
    connect(&m_context.secrets(), &SecretStore::fallbackActivated, this,
        [this](const QString &warning) { showNotice(warning, true); });
    connect(
        &m_context, &AppContext::message, this, [this](const QString &text) { statusBar()->showMessage(text, 8000); });
    connect(&m_context, &AppContext::connectionStateChanged, this, &MainWindow::showConnectionState);
    connect(&m_context.listings(), &ListingsService::serverListingsMerged, this,
        [this](const QUrl &server, int added, int updated) {
            statusBar()->showMessage(
                tr("Listings of %1: %2 added, %3 updated.").arg(server.host()).arg(added).arg(updated), 8000);
            updateStatusCounts();
            Q_EMIT serverListingsMerged(added, updated);
        });
    connect(&m_context.controller(), &AnalysisController::jobNoteChanged, m_jobModel, &JobListModel::setNote);
    showConnectionState(m_context.connectionState());

    connect(m_document, &ListingsDocument::loaded, this, &MainWindow::onListingsLoaded);
    connect(m_document, &ListingsDocument::importFinished, this, &MainWindow::onImportFinished);
    connect(m_document, &ListingsDocument::facetsChanged, m_filters, &FilterBar::setFacets);
    connect(m_document, &ListingsDocument::indexed, this, &MainWindow::onIndexed);
    connect(m_document, &ListingsDocument::saveFailed, this,
        [this](const QString &error) { showNotice(tr("Your listings could not be saved: %1").arg(error), true); });
}

void MainWindow::buildUi()
{
    m_jobModel = new JobListModel(this);
    m_exporter = new ExportLauncher(m_context.exports(), this);
    connect(m_exporter, &ExportLauncher::message, this,
        [this](const QString &text) { statusBar()->showMessage(text, 10000); });

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(u"mainTabs"_s);
    m_tabs->setDocumentMode(true);

    auto *central = new QWidget(this);
    auto *centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    m_notice = new QLabel(central);
    m_notice->setObjectName(u"noticeBanner"_s);
    m_notice->setAccessibleName(tr("Notice"));
    m_notice->setWordWrap(true);
    m_notice->setMargin(6);
    m_notice->setAutoFillBackground(true);
    m_notice->setBackgroundRole(QPalette::AlternateBase);
    m_notice->hide();
    centralLayout->addWidget(m_notice);
    centralLayout->addWidget(m_tabs, 1);
    setCentralWidget(central);

    // Listings tab: filters + table on the left, listing panel and result on the right.
    auto *listingsTab = new QSplitter(Qt::Horizontal, m_tabs);
    listingsTab->setObjectName(u"listingsSplitter"_s);
    auto *left = new QWidget(listingsTab);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(4, 4, 4, 4);
    m_filters = new FilterBar(left);
    leftLayout->addWidget(m_filters);

    m_listingView = new QTableView(left);
    m_listingView->setObjectName(u"listingsView"_s);
    m_listingView->setAccessibleName(tr("Listings"));
    m_listingView->setModel(m_document->proxy());
    m_listingView->setSortingEnabled(true);
    m_listingView->sortByColumn(-1, Qt::AscendingOrder);
    m_listingView->setSelectionBehavior(QAbstractItemView::SelectRows);
    // Several rows for Compare; the current row is still the one the panel shows.
    m_listingView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_listingView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_listingView->setWordWrap(false);
    m_listingView->setAlternatingRowColors(true);
    m_listingView->verticalHeader()->hide();
    // Fixed row heights: no per-row measuring, which is what keeps 100k rows cheap.
    m_listingView->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_listingView->verticalHeader()->setDefaultSectionSize(m_listingView->fontMetrics().height() + 8);
    m_listingView->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_listingView->horizontalHeader()->setStretchLastSection(false);
    m_listingView->setColumnWidth(ListingTableModel::ColId, 70);
    m_listingView->setColumnWidth(ListingTableModel::ColTitle, 200);
    m_listingView->setColumnWidth(ListingTableModel::ColIndustry, 110);
    m_listingView->setColumnWidth(ListingTableModel::ColState, 44);
    for (int c : { ListingTableModel::ColAsking, ListingTableModel::ColRevenue, ListingTableModel::ColCashFlow })
        m_listingView->setColumnWidth(c, 84);
    m_listingView->setColumnWidth(ListingTableModel::ColMultiple, 54);
    m_listingView->setColumnWidth(ListingTableModel::ColScore, 90);
    // The score and analysis state next to the title, where the eye is, not past the money columns.
    m_listingView->horizontalHeader()->moveSection(ListingTableModel::ColScore, ListingTableModel::ColIndustry);
    m_listingView->setItemDelegateForColumn(ListingTableModel::ColScore,
        new ScoreDelegate(
            { ListingTableModel::ActiveRole, ListingTableModel::ProgressRole, ListingTableModel::ScoreRole },
            m_listingView));
    leftLayout->addWidget(m_listingView, 1);

    auto *right = new QSplitter(Qt::Vertical, listingsTab);
    right->setObjectName(u"detailSplitter"_s);
    m_panel = new ListingPanel(right);
    m_listingNotes = new NotesEditor(m_context.library(), m_context.libraryWriter(), right);
    m_listingNotes->setObjectName(u"listingNotes"_s);
    m_resultView = new ResultView(right);
    m_resultView->setExporter(m_exporter);
    right->addWidget(m_panel);
    right->addWidget(m_listingNotes);
    right->addWidget(m_resultView);
    right->setStretchFactor(0, 0);
    right->setStretchFactor(1, 0);
    right->setStretchFactor(2, 1);
    listingsTab->addWidget(left);
    listingsTab->addWidget(right);
    listingsTab->setStretchFactor(0, 3);
    listingsTab->setStretchFactor(1, 2);
    listingsTab->setSizes({ 830, 450 });
    right->setSizes({ 330, 30, 440 });
    m_tabs->addTab(listingsTab, tr("&Listings"));

    m_libraryView = new LibraryView(m_context.library(), &m_context.libraryWriter(), m_exporter, m_tabs);
    m_tabs->addTab(m_libraryView, tr("Li&brary"));
    connect(m_libraryView, &LibraryView::compareRequested, this, &MainWindow::compareResults);
    connect(m_listingNotes, &NotesEditor::saved, this, [this] {
        if (m_libraryView->isVisible())
            m_libraryView->refresh();
        else
            m_libraryStale = true; // notes and tags are searched there
    });

    m_scanView = new MarketScanView(m_exporter, m_tabs);
    m_tabs->addTab(m_scanView, tr("Market &scan"));
    connect(m_scanView, &MarketScanView::compareRequested, this, &MainWindow::compareResults);
    connect(m_scanView, &MarketScanView::listingActivated, this, &MainWindow::selectListing);

    m_jobsDock = new JobsDock(m_jobModel, this);
    addDockWidget(Qt::BottomDockWidgetArea, m_jobsDock);
    connect(m_jobsDock, &JobsDock::developerModeChanged, this,
        [this](bool on) { m_context.settings().setDeveloperMode(on); });
    connect(m_jobsDock, &JobsDock::jobActivated, this, [this](const QString &jobId) {
        if (const Job *j = m_jobModel->job(jobId)) {
            selectListing(j->listingId);
            showResultFor(j->listingId, j->analysisType);
        }
    });

    m_counts = new QLabel(this);
    m_counts->setObjectName(u"statusCounts"_s);
    statusBar()->addPermanentWidget(m_counts);
    m_connection = new QLabel(this);
    m_connection->setObjectName(u"connectionState"_s);
    m_connection->setAccessibleName(tr("Job server connection"));
    m_connection->hide();
    statusBar()->addPermanentWidget(m_connection);

    ListingFilterProxy *proxy = m_document->proxy();
    connect(m_filters, &FilterBar::changed, this, &MainWindow::applyFilters);
    connect(m_listingView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        &MainWindow::onCurrentListingChanged);
    connect(proxy, &ListingFilterProxy::mappingApplied, this, &MainWindow::onMappingApplied);
    connect(proxy, &QAbstractItemModel::modelReset, this, &MainWindow::updateStatusCounts);
    connect(proxy, &QAbstractItemModel::rowsInserted, this, &MainWindow::updateStatusCounts);
    connect(proxy, &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateStatusCounts);

    connect(m_panel, &ListingPanel::startRequested, this, &MainWindow::startAnalysis);
    connect(m_panel, &ListingPanel::cancelRequested, this, &MainWindow::cancelAnalysis);
    connect(m_panel, &ListingPanel::viewRequested, this, &MainWindow::showResultFor);

    m_libraryRefresh.setSingleShot(true);
    m_libraryRefresh.setInterval(300);
    // Results stream in while analyses run: the library's query runs only when it can be seen.
    connect(&m_libraryRefresh, &QTimer::timeout, this, [this] {
        if (m_libraryView->isVisible())
            m_libraryView->refresh();
        else
            m_libraryStale = true;
    });
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        if (m_tabs->currentWidget() == m_libraryView && std::exchange(m_libraryStale, false))
            m_libraryView->refresh();
    });
    m_countsTimer.setSingleShot(true);
    m_countsTimer.setInterval(250);
    connect(&m_countsTimer, &QTimer::timeout, this, &MainWindow::updateStatusCounts);
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *import = file->addAction(tr("&Import listings…"), this, [this] {
        const QString path = FileDialog::instance().getOpenFileName(
            this, tr("Import listings"), tr("Listings (*.csv *.json);;All files (*)"));
        if (!path.isEmpty())
            importFile(path);
    });
    import->setShortcut(QKeySequence::Open);
    import->setObjectName(u"actionImport"_s);
    QAction *settings = file->addAction(tr("&Settings…"), this, &MainWindow::openSettings);
    settings->setShortcut(QKeySequence(u"Ctrl+,"_s));
    settings->setObjectName(u"actionSettings"_s);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *analysis = menuBar()->addMenu(tr("&Analysis"));
    for (int i = 0; i < analysisTypes().size(); ++i) {
        const QString type = analysisTypes().at(i);
        QAction *a = analysis->addAction(tr("Start %1").arg(analysisTypeLabel(type)), this, [this, type] {
            const QString id = currentListingId();
            if (!id.isEmpty())
                startAnalysis(id, type, false);
        });
        a->setShortcut(QKeySequence(u"Ctrl+%1"_s.arg(i + 1)));
        a->setObjectName(u"actionStart_"_s + type);
    }
    analysis->addSeparator();
    QMenu *scan = analysis->addMenu(tr("Analyze all &shown listings"));
    scan->setObjectName(u"menuScan"_s);
    for (const QString &type : analysisTypes()) {
        QAction *a = scan->addAction(analysisTypeLabel(type), this, [this, type] { analyzeShownListings(type); });
        a->setObjectName(u"actionScan_"_s + type);
    }
    QAction *compare = analysis->addAction(
        tr("C&ompare selected listings"), this, [this] { compareListings(selectedListingIds()); });
    compare->setShortcut(QKeySequence(u"Ctrl+Shift+C"_s));
    compare->setObjectName(u"actionCompare"_s);
    analysis->addSeparator();
    QAction *cancelAll = analysis->addAction(tr("&Cancel analyses of this listing"), this, [this] {
        const QString id = currentListingId();
        for (const QString &type : analysisTypes())
            if (!id.isEmpty())
                cancelAnalysis(id, type);
    });
    cancelAll->setShortcut(QKeySequence(u"Ctrl+."_s));
    cancelAll->setObjectName(u"actionCancel"_s);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    QAction *find = view->addAction(tr("&Find listing"), this, [this] {
        m_tabs->setCurrentIndex(0);
        m_filters->focusSearch();
    });
    find->setShortcut(QKeySequence::Find);
    QAction *listings = view->addAction(tr("&Listings"), this, [this] { m_tabs->setCurrentIndex(0); });
    listings->setShortcut(QKeySequence(u"Ctrl+Shift+L"_s));
    QAction *library = view->addAction(tr("Results li&brary"), this, [this] {
        m_tabs->setCurrentIndex(1);
        m_libraryView->refresh();
    });
    library->setShortcut(QKeySequence(u"Ctrl+L"_s));
    library->setObjectName(u"actionLibrary"_s);
    QAction *scanTab = view->addAction(tr("&Market scan"), this, [this] { m_tabs->setCurrentWidget(m_scanView); });
    scanTab->setShortcut(QKeySequence(u"Ctrl+Shift+M"_s));
    QAction *jobs = m_jobsDock->toggleViewAction();
    jobs->setShortcut(QKeySequence(u"Ctrl+J"_s));
    view->addAction(jobs);
}

void MainWindow::restoreState()
{
    AppSettings &settings = m_context.settings();
    const QByteArray geometry = settings.windowGeometry();
    if (geometry.isEmpty() || !restoreGeometry(geometry))
        resize(1280, 800);
    if (!QMainWindow::restoreState(settings.windowState()))
        resizeDocks({ m_jobsDock }, { 130 }, Qt::Vertical); // first start: the listings get the room
    m_jobsDock->setDeveloperMode(settings.developerMode());
    // Industry and state are re-selected once the listings (and so the choices) are loaded.
    m_filters->restore(settings.lastFilters());
}

void MainWindow::saveState()
{
    AppSettings &settings = m_context.settings();
    settings.setWindowGeometry(saveGeometry());
    settings.setWindowState(QMainWindow::saveState());
    settings.setLastFilters(m_filters->saved());
    settings.sync();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveState();
    QMainWindow::closeEvent(event);
}

void MainWindow::onListingsLoaded(int count, bool demo, const QString &error)
{
    m_resultView->setMarket(m_context.engine()->catalog());
    m_libraryView->resultView()->setMarket(m_context.engine()->catalog());
    applyFilters();
    if (!error.isEmpty())
        showNotice(tr("Your saved listings could not be read (%1).").arg(error), true);
    statusBar()->showMessage(demo ? tr("Loaded %n demo listing(s). Import your own with Ctrl+O.", nullptr, count)
                                  : tr("Loaded %n listing(s).", nullptr, count),
        8000);

    // Auto-resume (SPEC §6): every in-flight entry is attached again on the backend that ran it,
    // and what a killed process left running is requeued, so the analyses reappear and finish
    // from their checkpoints.
    // Server mode: the server's listings join the local ones (they are read in the background).
    m_context.refreshServerListings();
    const ResumeSummary resumed = m_context.resumeInFlight();
    m_resumed = resumed.resumed();
    const QString notice = AnalysisController::resumeNotice(resumed);
    if (!notice.isEmpty())
        showNotice(notice, resumed.waiting > 0);
    m_loaded = true;
    updateStatusCounts();
    Q_EMIT listingsLoaded(count);
    for (const QString &file : std::as_const(m_options.importFiles))
        importFile(file);

    if (!m_options.demoAnalyzeListingId.isEmpty()) {
        selectListing(m_options.demoAnalyzeListingId);
        startAnalysis(m_options.demoAnalyzeListingId, u"valuation"_s, true);
    } else if (m_document->proxy()->isPending()) {
        m_selectFirstRow = true; // the restored filters are still being applied
    } else if (m_document->proxy()->rowCount() > 0 && !m_listingView->currentIndex().isValid()) {
        m_listingView->setCurrentIndex(m_document->proxy()->index(0, 0));
    }
}

void MainWindow::onMappingApplied()
{
    updateStatusCounts();
    ListingFilterProxy *proxy = m_document->proxy();
    if (!m_pendingSelection.isEmpty()) {
        selectListing(std::exchange(m_pendingSelection, {}));
    } else if (std::exchange(m_selectFirstRow, false) && proxy->rowCount() > 0
        && !m_listingView->currentIndex().isValid()) {
        m_listingView->setCurrentIndex(proxy->index(0, 0));
    }
}

void MainWindow::importFile(const QString &path)
{
    statusBar()->showMessage(tr("Importing %1…").arg(QDir::toNativeSeparators(path)));
    m_document->importFile(path);
}

void MainWindow::onImportFinished(const ImportOutcome &outcome)
{
    ImportDiagnosticsDialog::Merge merge;
    merge.added = outcome.added;
    merge.updated = outcome.updated;
    const QString name = QFileInfo(outcome.path).fileName();
    statusBar()->showMessage(outcome.result.ok()
            ? tr("Imported %1: %2 listings.").arg(name).arg(outcome.result.imported)
            : tr("Import of %1 failed.").arg(name),
        8000);
    if (m_importDialog)
        m_importDialog->close();
    m_importDialog = new ImportDiagnosticsDialog(outcome.path, outcome.result, merge, this);
    m_importDialog->setAttribute(Qt::WA_DeleteOnClose);
    m_importDialog->show();
    updateStatusCounts();
    Q_EMIT importFinished(outcome.path, outcome.result.ok());
}

void MainWindow::onIndexed()
{
    m_resultView->setMarket(m_context.engine()->catalog());
    m_libraryView->resultView()->setMarket(m_context.engine()->catalog());
    // The engine knows every listing now: run what was asked for in the meantime.
    const QList<DeferredStart> deferred = std::exchange(m_deferredStarts, {});
    for (const DeferredStart &d : deferred)
        startAnalysis(d.listingId, d.analysisType, d.force);
}

void MainWindow::applyFilters()
{
    m_document->setQuery(m_filters->query());
    updateStatusCounts();
}

QString MainWindow::currentListingId() const
{
    const QModelIndex idx = m_listingView->currentIndex();
    return idx.isValid() ? idx.data(ListingTableModel::ListingIdRole).toString() : QString();
}

void MainWindow::selectListing(const QString &listingId)
{
    ListingTableModel *model = m_document->model();
    ListingFilterProxy *proxy = m_document->proxy();
    const int sourceRow = model->rowOf(listingId);
    if (sourceRow < 0)
        return;
    m_tabs->setCurrentIndex(0);
    QModelIndex idx = proxy->mapFromSource(model->index(sourceRow, 0));
    if (!idx.isValid() && !proxy->isPending()) {
        // Filtered out: clear the filters rather than leaving the user with an invisible selection.
        m_filters->clear();
        idx = proxy->mapFromSource(model->index(sourceRow, 0));
    }
    if (!idx.isValid() && proxy->isPending()) {
        // The rows are being recomputed (a just-imported listing, or the cleared filters): try
        // again when they are shown, and only then clear filters that hide it.
        m_pendingSelection = listingId;
        return;
    }
    m_pendingSelection.clear();
    m_listingView->setCurrentIndex(idx);
    m_listingView->scrollTo(idx);
}

void MainWindow::onCurrentListingChanged()
{
    const QString id = currentListingId();
    if (id == m_panel->listingId() && !id.isEmpty())
        return;
    m_panel->setListing(m_document->find(id));
    m_listingNotes->setTarget(AnnotationKind::Listing, id);
    m_resultView->clear();
    refreshPanel();
    // Show the newest finished result of this listing, if any, so selecting reads like browsing.
    for (const QString &type : analysisTypes()) {
        if (m_panelStored.contains(type)) {
            showResultFor(id, type);
            break;
        }
    }
}

void MainWindow::refreshPanel()
{
    m_panelStored.clear();
    const QString id = m_panel->listingId();
    if (id.isEmpty())
        return;
    // Runs on every selection change (arrow keys through 100k rows): one indexed query, no JSON.
    m_panelStored = m_context.library().storedTypes(id);
    for (const QString &type : analysisTypes())
        refreshPanelRow(type);
}

void MainWindow::refreshPanelRow(const QString &type)
{
    const QString id = m_panel->listingId();
    if (id.isEmpty())
        return;
    const AnalysisController &controller = m_context.controller();
    m_panel->setRowState(type, controller.job(id, type), controller.isActive(id, type), m_panelStored.contains(type));
}

void MainWindow::startAnalysis(const QString &listingId, const QString &analysisType, bool force)
{
    if (!m_document->find(listingId))
        return;
    if (m_document->isIndexing()) {
        // Freshly imported listings reach the engine with the rebuilt index; start right after.
        m_deferredStarts.append({ listingId, analysisType, force });
        statusBar()->showMessage(tr("Indexing the imported listings; the analysis starts in a moment…"), 3000);
        return;
    }
    m_context.controller().start(listingId, analysisType, m_context.settings().analysisDefaults().toParams(), force);
    if (listingId == m_panel->listingId())
        refreshPanelRow(analysisType);
    m_document->updateStatus(listingId);
}

void MainWindow::cancelAnalysis(const QString &listingId, const QString &analysisType)
{
    m_context.controller().cancel(listingId, analysisType);
}

void MainWindow::onJobChanged(const Job &job)
{
    Job shown = JobListModel::summaryOf(job);
    if (shown.backend.isEmpty())
        shown.backend = m_context.runner().kind();
    m_jobModel->upsert(std::move(shown));
    m_document->noteJob(job);
    if (job.listingId == m_panel->listingId())
        refreshPanelRow(job.analysisType);
    if (!m_countsTimer.isActive())
        m_countsTimer.start();
}

void MainWindow::onJobFinished(const Job &job)
{
    m_document->updateStatus(job.listingId);
    if (job.listingId == m_panel->listingId()) {
        if (job.status == JobStatus::Succeeded) {
            m_panelStored.insert(job.analysisType);
            showResultFor(job.listingId, job.analysisType);
        }
        refreshPanelRow(job.analysisType);
    }
    if (m_tray && !isActiveWindow()) {
        const auto listing = m_document->find(job.listingId);
        const QString title = listing ? listing->title : job.listingId;
        QString body;
        switch (job.status) {
        case JobStatus::Succeeded:
            body = tr("%1 finished: %2").arg(analysisTypeLabel(job.analysisType), title);
            break;
        case JobStatus::Failed:
            body = tr("%1 failed: %2 — %3").arg(analysisTypeLabel(job.analysisType), title, job.error);
            break;
        default:
            body = tr("%1 canceled: %2").arg(analysisTypeLabel(job.analysisType), title);
            break;
        }
        m_tray->showMessage(u"Dealscope"_s, body,
            job.status == JobStatus::Failed ? QSystemTrayIcon::Warning : QSystemTrayIcon::Information, 5000);
    }
    // Coalesced: counting walks every tracker, and the label's new text relays the status bar out.
    if (!m_countsTimer.isActive())
        m_countsTimer.start();
    Q_EMIT analysisFinished(job);
}

void MainWindow::showResultFor(const QString &listingId, const QString &analysisType)
{
    const auto listing = m_document->find(listingId);
    const QString heading = u"%1 — %2"_s.arg(analysisTypeLabel(analysisType), listing ? listing->title : listingId);
    if (const auto j = m_context.controller().job(listingId, analysisType);
        j && j->status == JobStatus::Succeeded && j->result) {
        m_resultView->showResult(*j->result, heading, j->id);
        return;
    }
    if (const auto stored = m_context.library().latestFor(listingId, analysisType)) {
        m_resultView->showResult(stored->job.value("result", nlohmann::json::object()), heading, stored->jobId);
        return;
    }
    m_resultView->showMessage(tr("No finished %1 for this listing yet.").arg(analysisTypeLabel(analysisType)));
}

void MainWindow::openSettings()
{
    SettingsDialog dialog(m_context.settings(), m_context.secrets(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    if (!dialog.enteredServerToken().isEmpty())
        m_context.setServerToken(m_context.settings().serverUrl(), dialog.enteredServerToken());
    m_context.applySettings();
    m_context.refreshServerListings();
    statusBar()->showMessage(tr("Settings saved."), 4000);
}

void MainWindow::showConnectionState(const QString &state)
{
    m_connection->setVisible(!state.isEmpty());
    if (state.isEmpty()) {
        m_connection->clear();
        return;
    }
    const QString server = m_context.settings().serverUrl().host();
    QString text;
    if (state == u"online"_s)
        text = tr("Server %1: online").arg(server);
    else if (state == u"reconnecting"_s)
        text = tr("Server %1: reconnecting…").arg(server);
    else if (state == u"unauthorized"_s)
        text = tr("Server %1: unauthorized — enter a token in Settings").arg(server);
    else if (state == u"tls-error"_s)
        text = tr("Server %1: TLS error").arg(server);
    else
        text = tr("Server %1: %2").arg(server, state);
    m_connection->setText(text);
    m_connection->setProperty("state", state);
}

MarketScan *MainWindow::marketScan() const
{
    return m_scan;
}

CompareDialog *MainWindow::lastCompareDialog() const
{
    return m_compareDialog;
}

QStringList MainWindow::selectedListingIds() const
{
    QStringList ids;
    for (const QModelIndex &idx : m_listingView->selectionModel()->selectedRows())
        ids << idx.data(ListingTableModel::ListingIdRole).toString();
    return ids;
}

void MainWindow::analyzeShownListings(const QString &analysisType)
{
    if (m_scan && m_scan->state() != MarketScan::State::Finished) {
        statusBar()->showMessage(tr("A market scan is running; cancel it or let it finish first."), 8000);
        m_tabs->setCurrentWidget(m_scanView);
        return;
    }
    if (m_document->isIndexing()) {
        statusBar()->showMessage(tr("Indexing the imported listings; try again in a moment."), 5000);
        return;
    }
    ListingFilterProxy *proxy = m_document->proxy();
    QStringList ids;
    ids.reserve(proxy->rowCount());
    for (int r = 0; r < proxy->rowCount(); ++r)
        ids << proxy->index(r, 0).data(ListingTableModel::ListingIdRole).toString();
    if (ids.isEmpty()) {
        statusBar()->showMessage(tr("No listing is shown: clear the filters first."), 5000);
        return;
    }
    delete m_scan;
    auto *scan = new MarketScan(
        m_context.backends(), &m_context.libraryWriter(), [this](const QString &id) { return m_document->find(id); },
        this);
    m_scan = scan;
    connect(scan, &MarketScan::resultStored, this, [this](const QString &listingId, std::optional<double> score) {
        m_document->noteResult(listingId, score);
        m_libraryStale = true;
    });
    connect(scan, &MarketScan::finished, this, [this, scan] {
        const MarketScan::Progress p = scan->progress();
        statusBar()->showMessage(tr("Market scan finished: %1 succeeded, %2 failed, %3 canceled in %4.")
                                     .arg(p.succeeded)
                                     .arg(p.failed)
                                     .arg(p.canceled)
                                     .arg(formatDuration(p.elapsedMs)),
            10000);
    });
    scan->start(ids, analysisType, m_context.settings().analysisDefaults().toParams());
    m_scanView->setScan(scan);
    m_tabs->setCurrentWidget(m_scanView);
    statusBar()->showMessage(tr("Analyze %n shown listings", nullptr, int(ids.size())) + u"…"_s, 5000);
}

void MainWindow::compareListings(const QStringList &listingIds)
{
    if (listingIds.size() < 2 || listingIds.size() > 4) {
        statusBar()->showMessage(tr("Select 2 to 4 listings to compare (Ctrl+click)."), 6000);
        return;
    }
    QList<ComparedListing> compared;
    for (const QString &id : listingIds) {
        ComparedListing c;
        c.listingId = id;
        if (const auto listing = m_document->find(id)) {
            c.title = listing->title;
            c.listing = listingToJson(*listing);
        }
        // The valuation when there is one (it has the range), else the newest other result.
        std::optional<StoredResult> stored = m_context.library().latestFor(id, u"valuation"_s);
        for (const QString &type : analysisTypes()) {
            if (!stored)
                stored = m_context.library().latestFor(id, type);
        }
        if (stored) {
            c.result = ResultFigures::resultOf(*stored);
            if (c.listing.empty())
                c.listing = stored->listing;
            if (c.title.isEmpty())
                c.title = stored->listingTitle;
        }
        compared << c;
    }
    openCompare(compared);
}

void MainWindow::compareResults(const QStringList &jobIds)
{
    if (jobIds.size() < 2 || jobIds.size() > 4) {
        statusBar()->showMessage(tr("Select 2 to 4 results to compare."), 6000);
        return;
    }
    QList<ComparedListing> compared;
    for (const QString &jobId : jobIds) {
        const auto stored = m_context.library().get(jobId);
        if (!stored)
            continue;
        ComparedListing c;
        c.listingId = stored->listingId;
        c.title = ResultFigures::titleOf(*stored);
        c.listing = stored->listing.is_object() ? stored->listing : nlohmann::json::object();
        c.result = ResultFigures::resultOf(*stored);
        compared << c;
    }
    if (compared.size() < 2) {
        statusBar()->showMessage(tr("These results are no longer in the library."), 6000);
        return;
    }
    openCompare(compared);
}

void MainWindow::openCompare(const QList<ComparedListing> &listings)
{
    if (m_compareDialog)
        m_compareDialog->close();
    m_compareDialog = new CompareDialog(listings, this);
    m_compareDialog->setAttribute(Qt::WA_DeleteOnClose);
    m_compareDialog->show();
}

void MainWindow::showNotice(const QString &text, bool warning)
{
    if (text.isEmpty())
        return;
    QString current = m_notice->isVisible() ? m_notice->text() : QString();
    if (current.contains(text))
        return;
    m_notice->setText(current.isEmpty() ? text : current + u"\n"_s + text);
    // Palette roles, not colours: the banner follows light and dark themes.
    m_notice->setBackgroundRole(warning ? QPalette::Highlight : QPalette::AlternateBase);
    m_notice->setForegroundRole(warning ? QPalette::HighlightedText : QPalette::WindowText);
    m_notice->show();
    statusBar()->showMessage(text, 10000);
}

void MainWindow::updateStatusCounts()
{
    m_countsTimer.stop();
    const int active = m_context.controller().activeCount();
    m_counts->setText(tr("%1 of %2 listings · %3 running")
                          .arg(m_document->proxy()->rowCount())
                          .arg(m_document->model()->rowCount())
                          .arg(active));
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    const QMimeData *mime = event->mimeData();
    if (mime->hasUrls()) {
        for (const QUrl &url : mime->urls()) {
            if (url.isLocalFile()) {
                event->acceptProposedAction();
                return;
            }
        }
    }
    event->ignore();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    for (const QUrl &url : urls) {
        if (url.isLocalFile())
            importFile(url.toLocalFile());
    }
    event->acceptProposedAction();
}

} // namespace dealscope::ui
