#include "ui/results/ResultView.h"

#include "export/ChartData.h"
#include "export/ReportHtml.h"
#include "export/ResultFigures.h"
#include "market/ListingCatalog.h"
#include "storage/ResultsLibrary.h"
#include "ui/charts/MultiplesChart.h"
#include "ui/charts/SensitivityHeatMap.h"
#include "ui/common/ExportLauncher.h"

#include <QEvent>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QTextBrowser>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

namespace {
QString esc(const QString &s)
{
    return s.toHtmlEscaped();
}
} // namespace

ResultView::ResultView(QWidget *parent)
    : QTabWidget(parent)
{
    setObjectName(u"resultView"_s);
    m_report = new QTextBrowser(this);
    m_report->setObjectName(u"resultReport"_s);
    m_report->setAccessibleName(tr("Analysis report"));
    m_report->setOpenExternalLinks(false);
    m_raw = new QPlainTextEdit(this);
    m_raw->setObjectName(u"resultRaw"_s);
    m_raw->setAccessibleName(tr("Raw result JSON"));
    m_raw->setReadOnly(true);
    m_raw->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_charts = new QScrollArea(this);
    m_charts->setObjectName(u"resultCharts"_s);
    m_charts->setWidgetResizable(true);
    auto *charts = new QWidget(m_charts);
    auto *chartsLayout = new QVBoxLayout(charts);
    m_multiples = new MultiplesChart(charts);
    m_heatMap = new SensitivityHeatMap(charts);
    chartsLayout->addWidget(m_multiples);
    chartsLayout->addWidget(m_heatMap);
    m_charts->setWidget(charts);
    addTab(m_report, tr("&Report"));
    addTab(m_charts, tr("C&harts"));
    addTab(m_raw, tr("Raw &JSON"));
    m_export = new QToolButton(this);
    m_export->setObjectName(u"resultExport"_s);
    m_export->setText(tr("Export…"));
    m_export->setToolTip(tr("Exports this result as PDF, Markdown, JSON or CSV"));
    m_export->setAutoRaise(true);
    m_export->hide();
    setCornerWidget(m_export, Qt::TopRightCorner);
    connect(m_export, &QToolButton::clicked, this, &ResultView::exportShown);
    // Charts are built when they are looked at, not for every result the user browses past.
    connect(this, &QTabWidget::currentChanged, this, [this] {
        if (currentWidget() == m_charts && m_chartsStale)
            updateCharts();
    });
    clear();
}

ResultView::~ResultView() = default;

QWidget *ResultView::chartsTab() const
{
    return m_charts;
}

void ResultView::showResult(const nlohmann::json &result, const QString &heading, const QString &jobId)
{
    m_result = result;
    m_heading = heading;
    m_jobId = jobId;
    m_raw->setPlainText(QString::fromStdString(result.dump(2)));
    m_export->setVisible(m_exporter && !jobId.isEmpty());
    rerender();
    m_chartsStale = true;
    if (currentWidget() == m_charts)
        updateCharts();
}

void ResultView::setExporter(ExportLauncher *exporter)
{
    m_exporter = exporter;
    m_export->setVisible(m_exporter && !m_jobId.isEmpty());
}

void ResultView::setMarket(std::shared_ptr<const ListingCatalog> catalog)
{
    m_catalog = std::move(catalog);
    m_chartsStale = true;
}

void ResultView::exportShown()
{
    if (!m_exporter || m_jobId.isEmpty())
        return;
    ResultQuery q;
    q.jobIds = { m_jobId };
    q.limit = 1;
    m_exporter->exportResults(q, m_heading);
}

void ResultView::updateCharts()
{
    m_chartsStale = false;
    const nlohmann::json result = m_result.is_object() ? m_result : nlohmann::json::object();
    ChartData::SectorSpread spread;
    if (result.contains("benchmark"))
        spread.sector = ResultFigures::text(result["benchmark"], "sector");
    if (m_catalog && !spread.sector.isEmpty())
        spread = ChartData::sectorSpread(*m_catalog, spread.sector);
    m_multiples->setData(result, spread);
    const ChartData::Sensitivity sensitivity = ChartData::sensitivityOf(result);
    m_heatMap->setVisible(!sensitivity.isEmpty());
    if (!sensitivity.isEmpty())
        m_heatMap->setData(sensitivity, ChartData::targetDscrOf(result));
}

void ResultView::showMessage(const QString &text)
{
    m_result = nlohmann::json();
    m_jobId.clear();
    m_export->hide();
    m_chartsStale = true;
    m_html = u"<p>%1</p>"_s.arg(esc(text));
    m_report->setHtml(m_html);
    m_raw->clear();
}

void ResultView::clear()
{
    showMessage(tr("Select a finished analysis to read its result."));
}

QString ResultView::reportText() const
{
    return m_report->toPlainText();
}

void ResultView::changeEvent(QEvent *event)
{
    QTabWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && !m_result.is_null())
        rerender();
}

void ResultView::rerender()
{
    if (m_result.is_null())
        return;
    m_html = ReportHtml::render(m_result, m_heading, palette());
    m_report->setHtml(m_html);
}

} // namespace dealscope::ui
