#pragma once

#include "app/MarketScan.h"

#include <QPointer>
#include <QTimer>
#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableView;

namespace dealscope {
class MarketScan;
}

namespace dealscope::ui {

class ExportLauncher;
class ScanFilterProxy;
class ScanModel;
class ScanScatterChart;

// The market scan tab (issue 14 §3): aggregate progress, ETA and Cancel all while it runs; the
// ranked table (score, asking premium vs sector, DSCR, max price at target DSCR), sortable and
// filterable; Export of the shown rows' results; Compare of 2–4 selected rows; and the scatter
// of score against asking premium.
class MarketScanView final : public QWidget
{
    Q_OBJECT
public:
    explicit MarketScanView(ExportLauncher *exporter, QWidget *parent = nullptr);

    void setScan(MarketScan *scan);
    MarketScan *scan() const { return m_scan; }

    QTableView *table() const { return m_table; }
    ScanModel *model() const { return m_model; }
    ScanFilterProxy *proxy() const { return m_proxy; }
    QProgressBar *progressBar() const { return m_progress; }
    QLabel *etaLabel() const { return m_eta; }
    QLabel *summaryLabel() const { return m_summary; }
    QPushButton *cancelButton() const { return m_cancel; }
    QPushButton *exportButton() const { return m_export; }
    QPushButton *compareButton() const { return m_compare; }
    QLineEdit *filterEdit() const { return m_filter; }
    QSpinBox *minScoreSpin() const { return m_minScore; }
    ScanScatterChart *scatter() const { return m_scatter; }

    // The results of the rows the filters show (all of them, whatever is selected).
    void exportShown();
    QStringList selectedJobIds() const;

Q_SIGNALS:
    void compareRequested(const QStringList &jobIds);
    void listingActivated(const QString &listingId);

private:
    void onProgress();
    void onFinished();
    void applyFilters();
    void updateScatter();

    QPointer<MarketScan> m_scan;
    ExportLauncher *m_exporter;
    ScanModel *m_model;
    ScanFilterProxy *m_proxy;
    QLabel *m_title;
    QProgressBar *m_progress;
    QLabel *m_eta;
    QLabel *m_summary;
    QPushButton *m_cancel;
    QLineEdit *m_filter;
    QSpinBox *m_minScore;
    QCheckBox *m_finishedOnly;
    QPushButton *m_export;
    QPushButton *m_compare;
    QTableView *m_table;
    ScanScatterChart *m_scatter;
    QTimer m_scatterTimer; // while running: the scatter follows every few seconds, not per result
};

} // namespace dealscope::ui
