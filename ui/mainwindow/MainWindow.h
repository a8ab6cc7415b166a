#pragma once

#include "domain/Listing.h"
#include "jobs/Job.h"
#include "ui/imports/ImportDiagnosticsDialog.h"

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
class AnalysisController;
class MarketScan;
class AnalysisEngine;
class AppContext;
class AppSettings;
class LocalJobRunner;
class ResultsLibrary;
class SecretStore;
struct ComparedListing;
struct ImportOutcome;
} // namespace dealscope

namespace dealscope::ui {

class CompareDialog;
class ExportLauncher;
class FilterBar;
class JobListModel;
class MarketScanView;
class NotesEditor;
class JobsDock;
class LibraryView;
class ListingFilterProxy;
class ListingPanel;
class ListingTableModel;
class ListingsDocument;
class ResultView;

struct MainWindowOptions final
{
    QString demoAnalyzeListingId; // start a valuation of this listing once loaded
    QString demoListingsResource = QStringLiteral(":/demo/listings.csv");
    QStringList importFiles; // imported as File → Import does, once the listings are loaded (`dealscope FILE…`)
};

// The "Dealscope" main window (issue 4): listings table with the filter bar, listing panel with
// one row per analysis, result view, jobs dock, results library, import with diagnostics,
// settings. Everything it shows comes from the AppContext it is given (the composition root) and
// the ListingsDocument it keeps; it builds no backend, library or thread of its own.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(AppContext &context, MainWindowOptions options = {}, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Imports a CSV/JSON file off the GUI thread; the diagnostics dialog opens when it is done.
    void importFile(const QString &path);
    void startAnalysis(const QString &listingId, const QString &analysisType, bool force = false);
    void cancelAnalysis(const QString &listingId, const QString &analysisType);
    void selectListing(const QString &listingId);
    void openSettings();
    // Issue 14: one type over every listing the filters show, as one batch (the Market scan tab).
    void analyzeShownListings(const QString &analysisType);
    // Side by side: the listings' latest results (valuation first), or these stored results.
    void compareListings(const QStringList &listingIds);
    void compareResults(const QStringList &jobIds);
    QStringList selectedListingIds() const;

    bool isLoaded() const { return m_loaded; }
    int resumedCount() const { return m_resumed; }

    // For tests and the benchmark: the real objects the window is made of.
    AppContext &context() { return m_context; }
    AppSettings &settings();
    SecretStore &secrets();
    ResultsLibrary &library();
    AnalysisController *controller() const;
    LocalJobRunner *runner() const;
    std::shared_ptr<AnalysisEngine> engine() const;
    ListingsDocument *document() const { return m_document; }
    ListingTableModel *listingModel() const;
    ListingFilterProxy *listingProxy() const;
    QTableView *listingView() const { return m_listingView; }
    ListingPanel *listingPanel() const { return m_panel; }
    ResultView *resultView() const { return m_resultView; }
    JobListModel *jobModel() const { return m_jobModel; }
    JobsDock *jobsDock() const { return m_jobsDock; }
    LibraryView *libraryView() const { return m_libraryView; }
    QTabWidget *tabs() const { return m_tabs; }
    FilterBar *filterBar() const { return m_filters; }
    QLineEdit *searchEdit() const;
    QComboBox *industryCombo() const;
    QComboBox *stateCombo() const;
    QLineEdit *minPriceEdit() const;
    QLineEdit *maxPriceEdit() const;
    QLabel *noticeLabel() const { return m_notice; }
    // The status bar's job-server state ("Server HOST: online", "…: reconnecting…"); hidden locally.
    QLabel *connectionLabel() const { return m_connection; }
    ImportDiagnosticsDialog *lastImportDialog() const { return m_importDialog; }
    MarketScanView *scanView() const { return m_scanView; }
    MarketScan *marketScan() const;
    CompareDialog *lastCompareDialog() const;
    NotesEditor *listingNotes() const { return m_listingNotes; }
    ExportLauncher *exporter() const { return m_exporter; }

Q_SIGNALS:
    void listingsLoaded(int count);
    void importFinished(const QString &path, bool ok);
    void analysisFinished(const dealscope::Job &job);
    // Server mode: the server's listings joined the table.
    void serverListingsMerged(int added, int updated);

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void buildUi();
    void buildMenus();
    void connectContext();
    void restoreState();
    void saveState();
    void onListingsLoaded(int count, bool demo, const QString &error);
    void onImportFinished(const ImportOutcome &outcome);
    void applyFilters();
    void onCurrentListingChanged();
    void refreshPanel();
    void refreshPanelRow(const QString &analysisType);
    void onJobChanged(const Job &job);
    void onJobFinished(const Job &job);
    void onIndexed();
    void showResultFor(const QString &listingId, const QString &analysisType);
    void showNotice(const QString &text, bool warning = false);
    void showConnectionState(const QString &state);
    void onMappingApplied();
    void updateStatusCounts();
    void openCompare(const QList<ComparedListing> &listings);
    QString currentListingId() const;

    AppContext &m_context;
    MainWindowOptions m_options;
    ListingsDocument *m_document = nullptr;

    JobListModel *m_jobModel = nullptr;
    QTabWidget *m_tabs = nullptr;
    FilterBar *m_filters = nullptr;
    QTableView *m_listingView = nullptr;
    ListingPanel *m_panel = nullptr;
    ResultView *m_resultView = nullptr;
    JobsDock *m_jobsDock = nullptr;
    LibraryView *m_libraryView = nullptr;
    MarketScanView *m_scanView = nullptr;
    NotesEditor *m_listingNotes = nullptr;
    ExportLauncher *m_exporter = nullptr;
    QPointer<MarketScan> m_scan;
    QPointer<CompareDialog> m_compareDialog;
    QLabel *m_notice = nullptr;
    QLabel *m_counts = nullptr;
    QLabel *m_connection = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
    QPointer<ImportDiagnosticsDialog> m_importDialog;

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
    bool m_loaded = false;
    int m_resumed = 0;
};

} // namespace dealscope::ui
