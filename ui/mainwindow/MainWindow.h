#pragma once

#include "config/SecretStore.h"
#include "domain/Listing.h"
#include "import/ImportResult.h"
#include "jobs/Job.h"
#include "ui/imports/ImportDiagnosticsDialog.h"

#include <QFutureWatcher>
#include <QMainWindow>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <memory>
#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QSystemTrayIcon;
class QTabWidget;
class QTableView;

namespace dealscope {
class AnalysisEngine;
class AppSettings;
class AsyncResultsLibrary;
class BenchmarkTable;
class InFlightRegistry;
class ListingCatalog;
class LocalJobRunner;
class ResultsLibrary;
struct ImportResult;
} // namespace dealscope

namespace dealscope::ui {

class AnalysisController;
class JobListModel;
class JobsDock;
class LibraryView;
class ListingFilterProxy;
class ListingPanel;
class ListingTableModel;
class ResultView;

struct MainWindowOptions final
{
    QString settingsFile; // empty: the platform settings (Dealscope/Dealscope)
    QString dataDir; // empty: the app data folder
    SecretStore::Mode secretMode = SecretStore::Mode::Keychain;
    QString demoAnalyzeListingId; // start a valuation of this listing once loaded
    QString demoListingsResource = QStringLiteral(":/demo/listings.csv");
    QStringList importFiles; // imported as File → Import does, once the listings are loaded (`dealscope FILE…`)
};

// Listings loaded (or rebuilt) off the GUI thread, with what the filters offer.
struct LoadedListings final
{
    QList<Listing> listings;
    QHash<QString, int> rowById; // made on the worker too (the start-up load only)
    std::shared_ptr<const ListingCatalog> catalog;
    QStringList industries;
    QStringList states;
    bool demo = false;
    QString error;
};

// The "Dealscope" main window (issue 4): listings table with filters, listing panel with one row per
// analysis, result view, jobs dock, results library, import with diagnostics, settings. Owns the
// local backend and re-attaches in-flight jobs at start-up.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(MainWindowOptions options, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Imports a CSV/JSON file off the GUI thread; the diagnostics dialog opens when it is done.
    void importFile(const QString &path);
    void startAnalysis(const QString &listingId, const QString &analysisType, bool force = false);
    void cancelAnalysis(const QString &listingId, const QString &analysisType);
    void selectListing(const QString &listingId);
    void openSettings();

    bool isLoaded() const { return m_loaded; }
    int resumedCount() const { return m_resumed; }
    QString dataDir() const { return m_dataDir; }

    // For tests and the benchmark: the real objects the window is made of.
    AppSettings &settings() { return *m_settings; }
    SecretStore &secrets() { return *m_secrets; }
    ResultsLibrary &library() { return *m_library; }
    AnalysisController *controller() const { return m_controller; }
    LocalJobRunner *runner() const { return m_runner; }
    std::shared_ptr<AnalysisEngine> engine() const { return m_engine; }
    ListingTableModel *listingModel() const { return m_listingModel; }
    ListingFilterProxy *listingProxy() const { return m_proxy; }
    QTableView *listingView() const { return m_listingView; }
    ListingPanel *listingPanel() const { return m_panel; }
    ResultView *resultView() const { return m_resultView; }
    JobListModel *jobModel() const { return m_jobModel; }
    JobsDock *jobsDock() const { return m_jobsDock; }
    LibraryView *libraryView() const { return m_libraryView; }
    QTabWidget *tabs() const { return m_tabs; }
    QLineEdit *searchEdit() const { return m_search; }
    QComboBox *industryCombo() const { return m_industry; }
    QComboBox *stateCombo() const { return m_state; }
    QLineEdit *minPriceEdit() const { return m_minPrice; }
    QLineEdit *maxPriceEdit() const { return m_maxPrice; }
    QLabel *noticeLabel() const { return m_notice; }
    ImportDiagnosticsDialog *lastImportDialog() const { return m_importDialog; }

Q_SIGNALS:
    void listingsLoaded(int count);
    void importFinished(const QString &path, bool ok);
    void analysisFinished(const dealscope::Job &job);

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void applyNarrativeProvider();
    void buildUi();
    void buildMenus();
    void restoreState();
    void saveState();
    void loadListingsAsync();
    void onListingsLoaded(const LoadedListings &loaded);
    struct ParsedImport
    {
        QString path;
        ImportResult result;
    };
    void mergeNextImport();
    void mergeImport(std::shared_ptr<ParsedImport> parsed);
    void onImportDone(const QString &path, const ImportResult &result, int added, int updated);
    void rebuildCatalogAsync();
    void applyFacets(const QStringList &industries, const QStringList &states);
    void applyFilters();
    void onCurrentListingChanged();
    void refreshPanel();
    void refreshPanelRow(const QString &analysisType);
    void onJobChanged(const Job &job);
    void onJobFinished(const Job &job);
    void updateListingStatus(const QString &listingId);
    void showResultFor(const QString &listingId, const QString &analysisType);
    void showNotice(const QString &text, bool warning = false);
    void refreshScores();
    void onMappingApplied();
    void updateStatusCounts();
    QString currentListingId() const;
    std::optional<Listing> findListing(const QString &id) const;

    MainWindowOptions m_options;
    QString m_dataDir;
    std::unique_ptr<AppSettings> m_settings;
    SecretStore *m_secrets = nullptr;
    std::unique_ptr<ResultsLibrary> m_library; // GUI-thread reads (indexed, small)
    std::unique_ptr<AsyncResultsLibrary> m_libraryWriter; // writes and whole-table reads
    std::unique_ptr<InFlightRegistry> m_registry;
    std::shared_ptr<const BenchmarkTable> m_benchmarks;
    std::shared_ptr<AnalysisEngine> m_engine;
    LocalJobRunner *m_runner = nullptr;
    AnalysisController *m_controller = nullptr;

    ListingTableModel *m_listingModel = nullptr;
    ListingFilterProxy *m_proxy = nullptr;
    JobListModel *m_jobModel = nullptr;
    QTabWidget *m_tabs = nullptr;
    QTableView *m_listingView = nullptr;
    ListingPanel *m_panel = nullptr;
    ResultView *m_resultView = nullptr;
    JobsDock *m_jobsDock = nullptr;
    LibraryView *m_libraryView = nullptr;
    QLineEdit *m_search = nullptr;
    QComboBox *m_industry = nullptr;
    QComboBox *m_state = nullptr;
    QLineEdit *m_minPrice = nullptr;
    QLineEdit *m_maxPrice = nullptr;
    QLabel *m_notice = nullptr;
    QLabel *m_counts = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
    QPointer<ImportDiagnosticsDialog> m_importDialog;

    QFutureWatcher<LoadedListings> m_loadWatcher;
    QFutureWatcher<LoadedListings> m_catalogWatcher;
    QTimer m_filterDebounce;
    QTimer m_libraryRefresh;
    QTimer m_countsTimer;
    struct DeferredStart
    {
        QString listingId;
        QString analysisType;
        bool force = false;
    };
    QList<DeferredStart> m_deferredStarts; // asked for while the listing index is rebuilt
    QString m_pendingSelection; // asked for while the filtered rows were being recomputed
    bool m_selectFirstRow = false;
    bool m_libraryStale = false;
    QSet<QString> m_panelStored; // analysis types of the shown listing with a stored result
    QHash<QString, double> m_pairProgress; // listingId '\n' type -> progress of its newest job
    bool m_loaded = false;
    bool m_catalogDirty = false;
    bool m_catalogPending = false;
    int m_resumed = 0;
    int m_importsRequested = 0; // sequence numbers handed out by importFile()
    int m_importsMerged = 0; // the sequence number merged next
    bool m_merging = false;
    QHash<int, std::shared_ptr<ParsedImport>> m_parsedImports; // parsed, waiting for their turn
};

} // namespace dealscope::ui
