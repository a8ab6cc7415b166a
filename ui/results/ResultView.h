#pragma once

#include <QTabWidget>

#include <nlohmann/json.hpp>

#include <memory>

class QPlainTextEdit;
class QScrollArea;
class QTextBrowser;
class QToolButton;

namespace dealscope {
class ListingCatalog;
}

namespace dealscope::ui {

class ExportLauncher;
class MultiplesChart;
class SensitivityHeatMap;

// An analysis result rendered for reading (issue 4 §3): score and its explanation, summary,
// metrics with units, valuation range, sensitivity grid, findings coloured by severity, the
// benchmark and its source, missing inputs; charts (issue 14 §5: the multiples against the
// sector's spread and the published benchmark, the financing sensitivity as a heat map) and the
// raw JSON on further tabs. Colours come from the palette and are re-derived when it changes
// (light/dark). A stored result can be exported from here.
class ResultView final : public QTabWidget
{
    Q_OBJECT
public:
    explicit ResultView(QWidget *parent = nullptr);
    ~ResultView() override;

    // `result` is the job's result object; `heading` names the listing and analysis; `jobId`, when
    // the result is in the library, makes it exportable.
    void showResult(const nlohmann::json &result, const QString &heading, const QString &jobId = {});
    void showMessage(const QString &text);
    void clear();

    // Exports go through `exporter` (none: the Export button stays hidden).
    void setExporter(ExportLauncher *exporter);
    // The loaded listings, for the sector spread the multiples chart shows.
    void setMarket(std::shared_ptr<const ListingCatalog> catalog);
    void exportShown();

    QString reportText() const; // the rendered report as plain text (what the user reads)
    QString reportHtml() const { return m_html; }
    QString jobId() const { return m_jobId; }
    QToolButton *exportButton() const { return m_export; }
    MultiplesChart *multiplesChart() const { return m_multiples; }
    SensitivityHeatMap *heatMap() const { return m_heatMap; }
    QWidget *chartsTab() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    void rerender();
    void updateCharts();

    QTextBrowser *m_report;
    QScrollArea *m_charts;
    QPlainTextEdit *m_raw;
    QToolButton *m_export;
    MultiplesChart *m_multiples;
    SensitivityHeatMap *m_heatMap;
    ExportLauncher *m_exporter = nullptr;
    std::shared_ptr<const ListingCatalog> m_catalog;
    nlohmann::json m_result;
    QString m_heading;
    QString m_html;
    QString m_jobId;
    bool m_chartsStale = true;
};

} // namespace dealscope::ui
