#include "ui/mainwindow/MainWindow.h"

#include "analysis/AnalysisEngine.h"
#include "benchmarks/BenchmarkTable.h"
#include "config/AppSettings.h"
#include "import/ListingImporter.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/JobTracker.h"
#include "jobs/LocalJobRunner.h"
#include "llm/OpenAiNarrativeProvider.h"
#include "market/ListingCatalog.h"
#include "storage/AsyncResultsLibrary.h"
#include "storage/ListingStore.h"
#include "storage/ResultsLibrary.h"
#include "ui/common/Format.h"
#include "ui/common/ReleaseOffThread.h"
#include "ui/common/UiLog.h"
#include "ui/imports/ImportDiagnosticsDialog.h"
#include "ui/jobs/JobListModel.h"
#include "ui/jobs/JobsDock.h"
#include "ui/library/LibraryView.h"
#include "ui/listings/AnalysisRow.h"
#include "ui/listings/ListingFilterProxy.h"
#include "ui/listings/ListingPanel.h"
#include "ui/listings/ListingTableModel.h"
#include "ui/listings/ScoreDelegate.h"
#include "ui/mainwindow/AnalysisController.h"
#include "ui/results/ResultView.h"
#include "ui/settings/SettingsDialog.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMimeData>
#include <QRegularExpressionValidator>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <set>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

namespace {

const QStringList kTypes = { u"business_analysis"_s, u"valuation"_s, u"risk_assessment"_s, u"market_intelligence"_s };

// Runs on a worker thread: everything here works on values only.
LoadedListings finishLoad(QList<Listing> listings, const std::shared_ptr<const BenchmarkTable> &benchmarks)
{
    LoadedListings out;
    std::set<QString> industries;
    std::set<QString> states;
    for (const Listing &l : std::as_const(listings)) {
        if (!l.industry.isEmpty())
            industries.insert(l.industry);
        if (!l.state.isEmpty())
            states.insert(l.state);
    }
    out.industries = QStringList(industries.begin(), industries.end());
    out.states = QStringList(states.begin(), states.end());
    out.catalog = std::make_shared<const ListingCatalog>(listings, benchmarks);
    out.listings = std::move(listings);
    return out;
}

std::optional<qint64> parseMoneyField(const QString &text)
{
    QString digits = text;
    digits.remove(u',').remove(u'$').remove(u' ');
    if (digits.isEmpty())
        return std::nullopt;
    bool ok = false;
    const qint64 v = digits.toLongLong(&ok);
    return ok ? std::optional<qint64>(v) : std::nullopt;
}

} // namespace

MainWindow::MainWindow(MainWindowOptions options, QWidget *parent)
    : QMainWindow(parent)
    , m_options(std::move(options))
{
    setWindowTitle(u"Dealscope"_s);
    setObjectName(u"mainWindow"_s);
    setAcceptDrops(true);

    m_dataDir = m_options.dataDir.isEmpty() ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
                                            : m_options.dataDir;
    QDir().mkpath(m_dataDir);
    m_settings = std::make_unique<AppSettings>(m_options.settingsFile);
    m_secrets = new SecretStore(m_options.secretMode, u"Dealscope"_s, this);
    // Secrets an older settings file kept in plaintext go to the keychain now (already gone from the file).
    for (const auto &[name, secret] : m_settings->takeMigratedSecrets())
        m_secrets->write(name, secret);

    m_library = std::make_unique<ResultsLibrary>();
    const bool libraryOk = m_library->open(QDir(m_dataDir).filePath(u"results.sqlite"_s));
    m_libraryWriter = std::make_unique<AsyncResultsLibrary>();
    if (libraryOk)
        m_libraryWriter->open(QDir(m_dataDir).filePath(u"results.sqlite"_s));
    m_registry = std::make_unique<InFlightRegistry>(m_settings->qsettings());
    m_benchmarks = BenchmarkTable::builtin();
    m_engine = std::make_shared<AnalysisEngine>(
        m_benchmarks, std::make_shared<const ListingCatalog>(QList<Listing> {}, m_benchmarks));

    LocalRunnerOptions runnerOptions;
    runnerOptions.dataDir = m_dataDir;
    runnerOptions.threads = m_settings->workerThreads();
    runnerOptions.timeoutSeconds = m_settings->timeoutSeconds();
    m_runner = new LocalJobRunner(m_engine, runnerOptions, this);
    const bool runnerOk = m_runner->open();

    m_controller = new AnalysisController(
        *m_runner, m_registry.get(), m_libraryWriter.get(), [this](const QString &id) { return findListing(id); },
        this);

    buildUi();
    buildMenus();
    restoreState();

    connect(m_controller, &AnalysisController::jobChanged, this, &MainWindow::onJobChanged);
    connect(m_controller, &AnalysisController::jobFinished, this, &MainWindow::onJobFinished);
    connect(m_controller, &AnalysisController::resultStored, this,
        [this](const QString &, const QString &listingId, std::optional<double> score) {
            ListingAnalysisStatus st = m_listingModel->status(listingId);
            if (score)
                st.score = score;
            m_listingModel->setStatus(listingId, st);
            if (listingId == m_panel->listingId())
                refreshPanel();
            if (!m_libraryView->isVisible())
                m_libraryStale = true; // queried when it is shown
            else if (!m_libraryRefresh.isActive())
                m_libraryRefresh.start();
        });
    connect(m_controller, &AnalysisController::errorOccurred, this,
        [this](const QString &listingId, const QString &type, const QString &message) {
            statusBar()->showMessage(tr("%1 of %2: %3").arg(analysisTypeLabel(type), listingId, message), 10000);
            if (listingId == m_panel->listingId())
                refreshPanelRow(type);
        });
    connect(m_controller, &AnalysisController::pairStateChanged, this,
        [this](const QString &listingId, const QString &type) {
            updateListingStatus(listingId);
            if (listingId == m_panel->listingId())
                refreshPanelRow(type);
            if (!m_countsTimer.isActive())
                m_countsTimer.start();
        });
    connect(m_secrets, &SecretStore::fallbackActivated, this,
        [this](const QString &warning) { showNotice(warning, true); });

    if (!libraryOk)
        showNotice(tr("The results library could not be opened: %1").arg(m_library->errorString()), true);
    if (!runnerOk)
        showNotice(tr("The local job store could not be opened: %1").arg(m_runner->errorString()), true);
    if (m_options.secretMode == SecretStore::Mode::Keychain)
        m_secrets->probe();
    else
        statusBar()->showMessage(m_secrets->warning(), 8000); // chosen by the user: no alarm

    // Warm the session cache, so the settings dialog can tell whether a key is stored.
    m_secrets->read(AppSettings::serverTokenSecret(), this, [](const std::optional<QString> &) {});
    applyNarrativeProvider();

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(windowIcon().isNull() ? QApplication::windowIcon() : windowIcon(), this);
        m_tray->setToolTip(u"Dealscope"_s);
        m_tray->show();
    }
    loadListingsAsync();
}

MainWindow::~MainWindow()
{
    saveState();
    // Order matters: trackers (controller) before the backend they watch, the backend before the
    // engine and registry it uses.
    // Results still being written land first, so their in-flight entries go with them and the
    // next start does not resume analyses that are already in the library.
    m_libraryWriter->waitForIdle();
    QCoreApplication::sendPostedEvents(m_libraryWriter.get(), QEvent::MetaCall);
    delete m_controller;
    m_controller = nullptr;
    m_loadWatcher.waitForFinished();
    m_catalogWatcher.waitForFinished();
    delete m_runner;
    m_runner = nullptr;
    m_libraryWriter.reset(); // finishes the queued writes: no finished result is lost
}

void MainWindow::buildUi()
{
    m_listingModel = new ListingTableModel(this);
    m_proxy = new ListingFilterProxy(this);
    m_proxy->setListingModel(m_listingModel);
    m_jobModel = new JobListModel(this);

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
    auto *filters = new QHBoxLayout;
    m_search = new QLineEdit(left);
    m_search->setObjectName(u"listingSearch"_s);
    m_search->setAccessibleName(tr("Search listings"));
    m_search->setPlaceholderText(tr("Search title, id, location… (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_industry = new QComboBox(left);
    m_industry->setObjectName(u"industryFilter"_s);
    m_industry->setAccessibleName(tr("Industry filter"));
    m_industry->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_industry->setMinimumContentsLength(14);
    m_state = new QComboBox(left);
    m_state->setObjectName(u"stateFilter"_s);
    m_state->setAccessibleName(tr("State filter"));
    m_minPrice = new QLineEdit(left);
    m_minPrice->setObjectName(u"minPrice"_s);
    m_minPrice->setAccessibleName(tr("Minimum asking price"));
    m_minPrice->setPlaceholderText(tr("min $"));
    m_maxPrice = new QLineEdit(left);
    m_maxPrice->setObjectName(u"maxPrice"_s);
    m_maxPrice->setAccessibleName(tr("Maximum asking price"));
    m_maxPrice->setPlaceholderText(tr("max $"));
    const auto *moneyValidator = new QRegularExpressionValidator(QRegularExpression(u"[$]?[0-9, ]{0,20}"_s), this);
    m_minPrice->setValidator(moneyValidator);
    m_maxPrice->setValidator(moneyValidator);
    m_minPrice->setMaximumWidth(110);
    m_maxPrice->setMaximumWidth(110);
    applyFacets({}, {});
    filters->addWidget(m_search, 3);
    filters->addWidget(m_industry, 2);
    filters->addWidget(m_state, 1);
    filters->addWidget(m_minPrice);
    filters->addWidget(m_maxPrice);
    leftLayout->addLayout(filters);

    m_listingView = new QTableView(left);
    m_listingView->setObjectName(u"listingsView"_s);
    m_listingView->setAccessibleName(tr("Listings"));
    m_listingView->setModel(m_proxy);
    m_listingView->setSortingEnabled(true);
    m_listingView->sortByColumn(-1, Qt::AscendingOrder);
    m_listingView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_listingView->setSelectionMode(QAbstractItemView::SingleSelection);
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
    m_resultView = new ResultView(right);
    right->addWidget(m_panel);
    right->addWidget(m_resultView);
    right->setStretchFactor(0, 0);
    right->setStretchFactor(1, 1);
    listingsTab->addWidget(left);
    listingsTab->addWidget(right);
    listingsTab->setStretchFactor(0, 3);
    listingsTab->setStretchFactor(1, 2);
    listingsTab->setSizes({ 830, 450 });
    right->setSizes({ 330, 470 });
    m_tabs->addTab(listingsTab, tr("&Listings"));

    m_libraryView = new LibraryView(*m_library, m_libraryWriter.get(), m_tabs);
    m_tabs->addTab(m_libraryView, tr("Li&brary"));

    m_jobsDock = new JobsDock(m_jobModel, this);
    addDockWidget(Qt::BottomDockWidgetArea, m_jobsDock);
    connect(m_jobsDock, &JobsDock::developerModeChanged, this, [this](bool on) { m_settings->setDeveloperMode(on); });
    connect(m_jobsDock, &JobsDock::jobActivated, this, [this](const QString &jobId) {
        if (const Job *j = m_jobModel->job(jobId)) {
            selectListing(j->listingId);
            showResultFor(j->listingId, j->analysisType);
        }
    });

    m_counts = new QLabel(this);
    m_counts->setObjectName(u"statusCounts"_s);
    statusBar()->addPermanentWidget(m_counts);

    m_filterDebounce.setSingleShot(true);
    m_filterDebounce.setInterval(120);
    connect(&m_filterDebounce, &QTimer::timeout, this, &MainWindow::applyFilters);
    connect(m_search, &QLineEdit::textChanged, &m_filterDebounce, qOverload<>(&QTimer::start));
    connect(m_minPrice, &QLineEdit::textChanged, &m_filterDebounce, qOverload<>(&QTimer::start));
    connect(m_maxPrice, &QLineEdit::textChanged, &m_filterDebounce, qOverload<>(&QTimer::start));
    connect(m_industry, &QComboBox::currentIndexChanged, this, &MainWindow::applyFilters);
    connect(m_state, &QComboBox::currentIndexChanged, this, &MainWindow::applyFilters);
    connect(m_listingView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        &MainWindow::onCurrentListingChanged);
    connect(m_proxy, &ListingFilterProxy::mappingApplied, this, &MainWindow::onMappingApplied);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &MainWindow::updateStatusCounts);
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, &MainWindow::updateStatusCounts);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateStatusCounts);

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

    connect(&m_loadWatcher, &QFutureWatcher<LoadedListings>::finished, this, [this] {
        if (m_loadWatcher.future().resultCount() < 1)
            return; // the empty future set below reports "finished" too
        LoadedListings loaded = m_loadWatcher.result();
        // The watcher would keep the loaded rows alive after an import replaced them.
        m_loadWatcher.setFuture(QFuture<LoadedListings>());
        onListingsLoaded(loaded);
        releaseOffThread(std::move(loaded));
    });
    connect(&m_catalogWatcher, &QFutureWatcher<LoadedListings>::finished, this, [this] {
        if (m_catalogWatcher.future().resultCount() < 1)
            return; // the empty future set below reports "finished" too
        LoadedListings loaded = m_catalogWatcher.result();
        // Not takeResult(): it leaves the future unfinished and the destructor's wait would hang.
        // Dropping the future here leaves `loaded` with the last references, freed off the GUI thread below.
        m_catalogWatcher.setFuture(QFuture<LoadedListings>());
        m_catalogPending = false;
        // The previous catalog (100k listings and their indexes) is freed on a pool thread.
        std::shared_ptr<const ListingCatalog> previous = m_engine->catalog();
        m_engine->setCatalog(loaded.catalog);
        releaseOffThread(std::move(previous));
        applyFacets(loaded.industries, loaded.states);
        const QString error = loaded.error;
        releaseOffThread(std::move(loaded));
        if (!error.isEmpty())
            showNotice(tr("Your listings could not be saved: %1").arg(error), true);
        if (m_catalogDirty) {
            m_catalogDirty = false;
            rebuildCatalogAsync();
            return;
        }
        // The engine knows every listing now: run what was asked for in the meantime.
        const QList<DeferredStart> deferred = std::exchange(m_deferredStarts, {});
        for (const DeferredStart &d : deferred)
            startAnalysis(d.listingId, d.analysisType, d.force);
    });
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *import = file->addAction(tr("&Import listings…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Import listings"), QString(), tr("Listings (*.csv *.json);;All files (*)"));
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
    for (int i = 0; i < kTypes.size(); ++i) {
        const QString type = kTypes.at(i);
        QAction *a = analysis->addAction(tr("Start %1").arg(analysisTypeLabel(type)), this, [this, type] {
            const QString id = currentListingId();
            if (!id.isEmpty())
                startAnalysis(id, type, false);
        });
        a->setShortcut(QKeySequence(u"Ctrl+%1"_s.arg(i + 1)));
        a->setObjectName(u"actionStart_"_s + type);
    }
    analysis->addSeparator();
    QAction *cancelAll = analysis->addAction(tr("&Cancel analyses of this listing"), this, [this] {
        const QString id = currentListingId();
        for (const QString &type : kTypes)
            if (!id.isEmpty())
                cancelAnalysis(id, type);
    });
    cancelAll->setShortcut(QKeySequence(u"Ctrl+."_s));
    cancelAll->setObjectName(u"actionCancel"_s);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    QAction *find = view->addAction(tr("&Find listing"), this, [this] {
        m_tabs->setCurrentIndex(0);
        m_search->setFocus();
        m_search->selectAll();
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
    QAction *jobs = m_jobsDock->toggleViewAction();
    jobs->setShortcut(QKeySequence(u"Ctrl+J"_s));
    view->addAction(jobs);
}

void MainWindow::restoreState()
{
    const QByteArray geometry = m_settings->windowGeometry();
    if (geometry.isEmpty() || !restoreGeometry(geometry))
        resize(1280, 800);
    if (!QMainWindow::restoreState(m_settings->windowState()))
        resizeDocks({ m_jobsDock }, { 130 }, Qt::Vertical); // first start: the listings get the room
    m_jobsDock->setDeveloperMode(m_settings->developerMode());
    const ListingFilters f = m_settings->lastFilters();
    const QSignalBlocker b1(m_search), b2(m_minPrice), b3(m_maxPrice);
    m_search->setText(f.search);
    m_minPrice->setText(f.minPrice ? QString::number(*f.minPrice) : QString());
    m_maxPrice->setText(f.maxPrice ? QString::number(*f.maxPrice) : QString());
    // Industry and state are re-selected once the listings (and so the choices) are loaded.
}

void MainWindow::saveState()
{
    if (!m_settings)
        return;
    m_settings->setWindowGeometry(saveGeometry());
    m_settings->setWindowState(QMainWindow::saveState());
    ListingFilters f;
    f.search = m_search->text();
    f.industry = m_industry->currentData().toString();
    f.state = m_state->currentData().toString();
    f.minPrice = parseMoneyField(m_minPrice->text());
    f.maxPrice = parseMoneyField(m_maxPrice->text());
    m_settings->setLastFilters(f);
    m_settings->sync();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveState();
    QMainWindow::closeEvent(event);
}

void MainWindow::loadListingsAsync()
{
    const QString file = QDir(m_dataDir).filePath(u"listings.json"_s);
    const QString demo = m_options.demoListingsResource;
    const auto benchmarks = m_benchmarks;
    statusBar()->showMessage(tr("Loading listings…"));
    m_loadWatcher.setFuture(QtConcurrent::run([file, demo, benchmarks] {
        ListingStore::LoadResult stored = ListingStore::load(file);
        QList<Listing> listings = std::move(stored.listings);
        bool isDemo = false;
        if (listings.isEmpty() && stored.error.isEmpty() && !demo.isEmpty()) {
            // First start (nothing imported yet): the shipped, fictional demo listings.
            ImportResult r = ListingImporter(benchmarks).importFile(demo);
            listings = std::move(r.listings);
            isDemo = true;
        }
        LoadedListings out = finishLoad(std::move(listings), benchmarks);
        out.rowById = ListingTableModel::indexRows(out.listings);
        out.demo = isDemo;
        out.error = stored.error;
        return out;
    }));
}

void MainWindow::onListingsLoaded(const LoadedListings &loaded)
{
    m_listingModel->setListings(loaded.listings, loaded.rowById);
    m_engine->setCatalog(loaded.catalog);
    applyFacets(loaded.industries, loaded.states);
    const ListingFilters f = m_settings->lastFilters();
    if (const int i = m_industry->findData(f.industry); i >= 0)
        m_industry->setCurrentIndex(i);
    if (const int i = m_state->findData(f.state); i >= 0)
        m_state->setCurrentIndex(i);
    applyFilters();
    refreshScores();
    if (!loaded.error.isEmpty())
        showNotice(tr("Your saved listings could not be read (%1).").arg(loaded.error), true);
    statusBar()->showMessage(loaded.demo
            ? tr("Loaded %n demo listing(s). Import your own with Ctrl+O.", nullptr, int(loaded.listings.size()))
            : tr("Loaded %n listing(s).", nullptr, int(loaded.listings.size())),
        8000);

    // Auto-resume (SPEC §6): requeue what a killed process left running, then re-attach every
    // in-flight entry so the analyses reappear and finish from their checkpoints.
    // Attach first: the trackers' fetches reach the runner's store before the requeued jobs can
    // run and be evicted, so no tracker misses a job that finishes quickly after resuming.
    m_resumed = m_controller->resume(m_registry->entries());
    m_runner->resumeInterrupted();
    if (m_resumed > 0)
        showNotice(tr("Resumed %n analyses.", nullptr, m_resumed));
    m_loaded = true;
    updateStatusCounts();
    Q_EMIT listingsLoaded(int(loaded.listings.size()));
    for (const QString &file : std::as_const(m_options.importFiles))
        importFile(file);

    if (!m_options.demoAnalyzeListingId.isEmpty()) {
        selectListing(m_options.demoAnalyzeListingId);
        startAnalysis(m_options.demoAnalyzeListingId, u"valuation"_s, true);
    } else if (m_proxy->isPending()) {
        m_selectFirstRow = true; // the restored filters are still being applied
    } else if (m_proxy->rowCount() > 0 && !m_listingView->currentIndex().isValid()) {
        m_listingView->setCurrentIndex(m_proxy->index(0, 0));
    }
}

void MainWindow::refreshScores()
{
    // A whole-table aggregate: on the storage thread, applied when it comes back.
    m_libraryWriter->latestScores(
        this, [this](const QHash<QString, double> &scores) { m_listingModel->setScores(scores); });
}

void MainWindow::onMappingApplied()
{
    updateStatusCounts();
    if (!m_pendingSelection.isEmpty()) {
        selectListing(std::exchange(m_pendingSelection, {}));
    } else if (std::exchange(m_selectFirstRow, false) && m_proxy->rowCount() > 0
        && !m_listingView->currentIndex().isValid()) {
        m_listingView->setCurrentIndex(m_proxy->index(0, 0));
    }
}

void MainWindow::importFile(const QString &path)
{
    const auto benchmarks = m_benchmarks;
    auto *watcher = new QFutureWatcher<ImportResult>(this);
    const int sequence = m_importsRequested++;
    statusBar()->showMessage(tr("Importing %1…").arg(QDir::toNativeSeparators(path)));
    connect(watcher, &QFutureWatcher<ImportResult>::finished, this, [this, watcher, path, sequence] {
        auto parsed = std::make_shared<ParsedImport>();
        parsed->path = path;
        parsed->result = watcher->future().takeResult();
        watcher->deleteLater();
        m_parsedImports.insert(sequence, std::move(parsed));
        mergeNextImport();
    });
    watcher->setFuture(QtConcurrent::run([path, benchmarks] { return ListingImporter(benchmarks).importFile(path); }));
}

void MainWindow::mergeNextImport()
{
    // Files parse in parallel but are merged one at a time in the order they were imported, so
    // the later import of a listing is the one that stays, whichever file parsed faster.
    while (!m_merging) {
        const auto it = m_parsedImports.constFind(m_importsMerged);
        if (it == m_parsedImports.constEnd())
            return;
        std::shared_ptr<ParsedImport> parsed = *it;
        m_parsedImports.erase(it);
        if (parsed->result.ok() && !parsed->result.listings.isEmpty()) {
            m_merging = true;
            mergeImport(std::move(parsed));
            return;
        }
        ++m_importsMerged;
        onImportDone(parsed->path, parsed->result, 0, 0);
        releaseOffThread(std::move(parsed->result));
    }
}

void MainWindow::mergeImport(std::shared_ptr<ParsedImport> parsed)
{
    // Planned on a worker from an O(1) snapshot of the model; the GUI thread swaps the result in
    // and appends the new rows with one insert. A plan made before the rows changed otherwise
    // (a reload) is made again from the newer rows.
    auto *watcher = new QFutureWatcher<ListingTableModel::MergePlan>(this);
    connect(watcher, &QFutureWatcher<ListingTableModel::MergePlan>::finished, this, [this, watcher, parsed] {
        ListingTableModel::MergePlan plan = watcher->future().takeResult();
        watcher->deleteLater();
        const int added = plan.added;
        const int updated = plan.updated;
        if (!m_listingModel->applyMerge(std::move(plan))) {
            mergeImport(parsed);
            return;
        }
        m_merging = false;
        ++m_importsMerged;
        rebuildCatalogAsync();
        refreshScores();
        onImportDone(parsed->path, parsed->result, added, updated);
        releaseOffThread(std::move(parsed->result));
        mergeNextImport();
    });
    watcher->setFuture(QtConcurrent::run([base = m_listingModel->snapshot(), parsed] {
        return ListingTableModel::planMerge(base, parsed->result.listings);
    }));
}

void MainWindow::onImportDone(const QString &path, const ImportResult &result, int added, int updated)
{
    ImportDiagnosticsDialog::Merge merge;
    merge.added = added;
    merge.updated = updated;
    statusBar()->showMessage(result.ok()
            ? tr("Imported %1: %2 listings.").arg(QFileInfo(path).fileName()).arg(result.imported)
            : tr("Import of %1 failed.").arg(QFileInfo(path).fileName()),
        8000);
    if (m_importDialog)
        m_importDialog->close();
    m_importDialog = new ImportDiagnosticsDialog(path, result, merge, this);
    m_importDialog->setAttribute(Qt::WA_DeleteOnClose);
    m_importDialog->show();
    updateStatusCounts();
    Q_EMIT importFinished(path, result.ok());
}

void MainWindow::rebuildCatalogAsync()
{
    // One rebuild at a time; a later import while one runs schedules one more with the newest list.
    if (m_catalogPending) {
        m_catalogDirty = true;
        return;
    }
    m_catalogPending = true;
    const QList<Listing> listings = m_listingModel->listings();
    const QString file = QDir(m_dataDir).filePath(u"listings.json"_s);
    const auto benchmarks = m_benchmarks;
    m_catalogWatcher.setFuture(QtConcurrent::run([listings, file, benchmarks] {
        QString error;
        ListingStore::save(file, listings, &error);
        LoadedListings out = finishLoad(listings, benchmarks);
        out.error = error;
        return out;
    }));
}

void MainWindow::applyFacets(const QStringList &industries, const QStringList &states)
{
    const QString industry = m_industry->currentData().toString();
    const QString state = m_state->currentData().toString();
    {
        const QSignalBlocker b1(m_industry), b2(m_state);
        m_industry->clear();
        m_industry->addItem(tr("All industries"), QString());
        for (const QString &i : industries)
            m_industry->addItem(i, i);
        m_state->clear();
        m_state->addItem(tr("All states"), QString());
        for (const QString &s : states)
            m_state->addItem(s, s);
        m_industry->setCurrentIndex(qMax(0, m_industry->findData(industry)));
        m_state->setCurrentIndex(qMax(0, m_state->findData(state)));
    }
}

void MainWindow::applyFilters()
{
    m_filterDebounce.stop();
    m_proxy->setSearchText(m_search->text());
    m_proxy->setIndustry(m_industry->currentData().toString());
    m_proxy->setState(m_state->currentData().toString());
    m_proxy->setPriceRange(parseMoneyField(m_minPrice->text()), parseMoneyField(m_maxPrice->text()));
    updateStatusCounts();
}

QString MainWindow::currentListingId() const
{
    const QModelIndex idx = m_listingView->currentIndex();
    return idx.isValid() ? idx.data(ListingTableModel::ListingIdRole).toString() : QString();
}

std::optional<Listing> MainWindow::findListing(const QString &id) const
{
    if (const Listing *l = m_listingModel->find(id))
        return *l;
    return std::nullopt;
}

void MainWindow::selectListing(const QString &listingId)
{
    const int sourceRow = m_listingModel->rowOf(listingId);
    if (sourceRow < 0)
        return;
    m_tabs->setCurrentIndex(0);
    QModelIndex idx = m_proxy->mapFromSource(m_listingModel->index(sourceRow, 0));
    if (!idx.isValid() && !m_proxy->isPending()) {
        // Filtered out: clear the filters rather than leaving the user with an invisible selection.
        m_search->clear();
        m_industry->setCurrentIndex(0);
        m_state->setCurrentIndex(0);
        m_minPrice->clear();
        m_maxPrice->clear();
        applyFilters();
        idx = m_proxy->mapFromSource(m_listingModel->index(sourceRow, 0));
    }
    if (!idx.isValid() && m_proxy->isPending()) {
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
    m_panel->setListing(findListing(id));
    m_resultView->clear();
    refreshPanel();
    // Show the newest finished result of this listing, if any, so selecting reads like browsing.
    for (const QString &type : kTypes) {
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
    m_panelStored = m_library->storedTypes(id);
    for (const QString &type : kTypes)
        refreshPanelRow(type);
}

void MainWindow::refreshPanelRow(const QString &type)
{
    const QString id = m_panel->listingId();
    if (id.isEmpty())
        return;
    m_panel->setRowState(
        type, m_controller->job(id, type), m_controller->isActive(id, type), m_panelStored.contains(type));
}

void MainWindow::startAnalysis(const QString &listingId, const QString &analysisType, bool force)
{
    if (!m_listingModel->find(listingId))
        return;
    // Our own flag, not isRunning(): the future ends before its finished() reaches this thread.
    if (m_catalogPending || m_catalogDirty) {
        // Freshly imported listings reach the engine with the rebuilt index; start right after.
        m_deferredStarts.append({ listingId, analysisType, force });
        statusBar()->showMessage(tr("Indexing the imported listings; the analysis starts in a moment…"), 3000);
        return;
    }
    m_controller->start(listingId, analysisType, m_settings->analysisDefaults().toParams(), force);
    if (listingId == m_panel->listingId())
        refreshPanelRow(analysisType);
    updateListingStatus(listingId);
}

void MainWindow::cancelAnalysis(const QString &listingId, const QString &analysisType)
{
    m_controller->cancel(listingId, analysisType);
}

void MainWindow::onJobChanged(const Job &job)
{
    Job shown = job;
    if (shown.backend.isEmpty())
        shown.backend = m_runner->kind();
    m_jobModel->upsert(std::move(shown));
    m_pairProgress.insert(job.listingId + u'\n' + job.analysisType, isTerminal(job.status) ? 0.0 : job.progress);
    updateListingStatus(job.listingId);
    if (job.listingId == m_panel->listingId())
        refreshPanelRow(job.analysisType);
    if (!m_countsTimer.isActive())
        m_countsTimer.start();
}

void MainWindow::onJobFinished(const Job &job)
{
    updateListingStatus(job.listingId);
    if (job.listingId == m_panel->listingId()) {
        if (job.status == JobStatus::Succeeded) {
            m_panelStored.insert(job.analysisType);
            showResultFor(job.listingId, job.analysisType);
        }
        refreshPanelRow(job.analysisType);
    }
    if (m_tray && !isActiveWindow()) {
        const Listing *l = m_listingModel->find(job.listingId);
        const QString title = l ? l->title : job.listingId;
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
    updateStatusCounts();
    Q_EMIT analysisFinished(job);
}

void MainWindow::updateListingStatus(const QString &listingId)
{
    ListingAnalysisStatus st = m_listingModel->status(listingId);
    st.active = 0;
    double sum = 0;
    for (const QString &type : kTypes) {
        if (!m_controller->isActive(listingId, type))
            continue;
        ++st.active;
        // The progress seen in jobChanged, not m_controller->job(): that copies the whole job
        // (params, result JSON) and this runs for every update of every running analysis.
        sum += m_pairProgress.value(listingId + u'\n' + type);
    }
    st.progress = st.active > 0 ? sum / st.active : 0;
    m_listingModel->setStatus(listingId, st);
}

void MainWindow::showResultFor(const QString &listingId, const QString &analysisType)
{
    const Listing *l = m_listingModel->find(listingId);
    const QString heading = u"%1 — %2"_s.arg(analysisTypeLabel(analysisType), l ? l->title : listingId);
    if (const auto j = m_controller->job(listingId, analysisType);
        j && j->status == JobStatus::Succeeded && j->result) {
        m_resultView->showResult(*j->result, heading);
        return;
    }
    if (const auto stored = m_library->latestFor(listingId, analysisType)) {
        m_resultView->showResult(stored->job.value("result", nlohmann::json::object()), heading);
        return;
    }
    m_resultView->showMessage(tr("No finished %1 for this listing yet.").arg(analysisTypeLabel(analysisType)));
}

void MainWindow::openSettings()
{
    SettingsDialog dialog(*m_settings, *m_secrets, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    m_runner->setThreadCount(m_settings->workerThreads());
    applyNarrativeProvider();
    statusBar()->showMessage(tr("Settings saved."), 4000);
}

void MainWindow::applyNarrativeProvider()
{
    if (m_settings->llmProvider() != u"openai"_s) {
        m_engine->setDefaultProvider(u"builtin"_s);
        m_secrets->read(AppSettings::llmApiKeySecret(), this, [](const std::optional<QString> &) {});
        return;
    }
    // The key comes from the keychain (asynchronously); the provider is registered once it is known.
    m_secrets->read(AppSettings::llmApiKeySecret(), this, [this](const std::optional<QString> &key) {
        if (m_settings->llmProvider() != u"openai"_s)
            return;
        llm::LlmConfig config;
        config.baseUrl = m_settings->llmBaseUrl();
        config.model = m_settings->llmModel();
        config.apiKey = key.value_or(QString());
        m_engine->registerProvider(std::make_shared<llm::OpenAiNarrativeProvider>(config));
        m_engine->setDefaultProvider(config.providerName());
        if (!key)
            statusBar()->showMessage(tr("No LLM API key is stored; local servers that need none still work."), 8000);
    });
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
    const int active = m_controller ? m_controller->activeCount() : 0;
    m_counts->setText(
        tr("%1 of %2 listings · %3 running").arg(m_proxy->rowCount()).arg(m_listingModel->rowCount()).arg(active));
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
