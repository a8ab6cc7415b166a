#include "ui/scan/MarketScanView.h"

#include "app/MarketScan.h"
#include "export/Format.h"
#include "storage/ResultsLibrary.h"
#include "ui/charts/ScanScatterChart.h"
#include "ui/common/ExportLauncher.h"
#include "ui/scan/ScanFilterProxy.h"
#include "ui/scan/ScanModel.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

MarketScanView::MarketScanView(ExportLauncher *exporter, QWidget *parent)
    : QWidget(parent)
    , m_exporter(exporter)
    , m_model(new ScanModel(this))
    , m_proxy(new ScanFilterProxy(this))
{
    setObjectName(u"marketScanView"_s);
    m_proxy->setSourceModel(m_model);
    auto *layout = new QVBoxLayout(this);

    auto *top = new QHBoxLayout;
    m_title = new QLabel(tr("No market scan yet: Analysis → Analyze all shown listings."), this);
    m_title->setObjectName(u"scanTitle"_s);
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(u"scanProgress"_s);
    m_progress->setAccessibleName(tr("Market scan progress"));
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progress->setFormat(u"%p %"_s);
    m_eta = new QLabel(this);
    m_eta->setObjectName(u"scanEta"_s);
    m_cancel = new QPushButton(tr("Cancel &all"), this);
    m_cancel->setObjectName(u"scanCancelAll"_s);
    m_cancel->setEnabled(false);
    top->addWidget(m_title, 2);
    top->addWidget(m_progress, 2);
    top->addWidget(m_eta);
    top->addWidget(m_cancel);
    layout->addLayout(top);
    m_summary = new QLabel(this);
    m_summary->setObjectName(u"scanSummary"_s);
    layout->addWidget(m_summary);

    auto *filters = new QHBoxLayout;
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(u"scanFilter"_s);
    m_filter->setAccessibleName(tr("Filter the ranking"));
    m_filter->setPlaceholderText(tr("Filter by listing, title, industry, state…"));
    m_filter->setClearButtonEnabled(true);
    m_minScore = new QSpinBox(this);
    m_minScore->setObjectName(u"scanMinScore"_s);
    m_minScore->setAccessibleName(tr("Minimum score"));
    m_minScore->setRange(0, 100);
    m_minScore->setPrefix(tr("score ≥ "));
    m_finishedOnly = new QCheckBox(tr("Finished only"), this);
    m_finishedOnly->setObjectName(u"scanFinishedOnly"_s);
    m_compare = new QPushButton(tr("Co&mpare"), this);
    m_compare->setObjectName(u"scanCompare"_s);
    m_compare->setToolTip(tr("Compares 2 to 4 selected listings side by side"));
    m_compare->setEnabled(false);
    m_export = new QPushButton(tr("E&xport shown…"), this);
    m_export->setObjectName(u"scanExport"_s);
    m_export->setToolTip(tr("Exports the results of the rows shown as PDF, Markdown, JSON or CSV"));
    m_export->setEnabled(false);
    filters->addWidget(m_filter, 2);
    filters->addWidget(m_minScore);
    filters->addWidget(m_finishedOnly);
    filters->addStretch();
    filters->addWidget(m_compare);
    filters->addWidget(m_export);
    layout->addLayout(filters);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    m_table = new QTableView(splitter);
    m_table->setObjectName(u"scanTable"_s);
    m_table->setAccessibleName(tr("Market scan ranking"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->setColumnWidth(ScanModel::ColTitle, 220);
    m_scatter = new ScanScatterChart(splitter);
    splitter->addWidget(m_table);
    splitter->addWidget(m_scatter);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    layout->addWidget(splitter, 1);

    m_scatterTimer.setInterval(3000);
    connect(&m_scatterTimer, &QTimer::timeout, this, [this] {
        if (m_scatter->isVisible())
            updateScatter();
    });
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (m_scan)
            m_scan->cancelAll();
    });
    connect(m_filter, &QLineEdit::textChanged, this, &MarketScanView::applyFilters);
    connect(m_minScore, &QSpinBox::valueChanged, this, &MarketScanView::applyFilters);
    connect(m_finishedOnly, &QCheckBox::toggled, this, &MarketScanView::applyFilters);
    connect(m_export, &QPushButton::clicked, this, &MarketScanView::exportShown);
    connect(m_compare, &QPushButton::clicked, this, [this] { Q_EMIT compareRequested(selectedJobIds()); });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const auto n = selectedJobIds().size();
        m_compare->setEnabled(n >= 2 && n <= 4);
    });
    connect(m_table, &QTableView::activated, this,
        [this](const QModelIndex &index) { Q_EMIT listingActivated(index.data(ScanModel::ListingIdRole).toString()); });
}

void MarketScanView::setScan(MarketScan *scan)
{
    if (m_scan)
        disconnect(m_scan, nullptr, this, nullptr);
    m_scan = scan;
    m_model->setScan(scan);
    m_table->sortByColumn(-1, Qt::AscendingOrder); // the order started until it finishes
    if (!scan)
        return;
    m_title->setText(
        tr("%1 of %n listings", nullptr, int(scan->rows().size())).arg(analysisTypeLabel(scan->analysisType())));
    m_cancel->setEnabled(true);
    m_export->setEnabled(false);
    connect(scan, &MarketScan::progressChanged, this, &MarketScanView::onProgress);
    connect(scan, &MarketScan::finished, this, &MarketScanView::onFinished);
    m_scatterTimer.start();
    onProgress();
}

void MarketScanView::onProgress()
{
    if (!m_scan)
        return;
    const MarketScan::Progress p = m_scan->progress();
    m_progress->setValue(qRound(p.percent * 10));
    if (m_scan->state() == MarketScan::State::Finished)
        m_eta->setText(tr("took %1").arg(formatDuration(p.elapsedMs)));
    else if (m_scan->state() == MarketScan::State::Canceling)
        m_eta->setText(tr("canceling…"));
    else
        m_eta->setText(p.etaMs ? tr("about %1 left").arg(formatDuration(*p.etaMs)) : tr("estimating…"));
    QString summary = tr("%1 of %2 done: %3 succeeded, %4 failed, %5 canceled")
                          .arg(p.finished)
                          .arg(p.total)
                          .arg(p.succeeded)
                          .arg(p.failed)
                          .arg(p.canceled);
    if (p.deduplicated > 0)
        summary += tr(" (%1 answered by an active or recent analysis)").arg(p.deduplicated);
    m_summary->setText(summary);
}

void MarketScanView::onFinished()
{
    m_cancel->setEnabled(false);
    m_scatterTimer.stop();
    m_export->setEnabled(m_exporter && !m_scan->jobIds().isEmpty());
    onProgress();
    // Ranked once, best first (MarketRanking's order: the score column, unknowns last).
    m_table->sortByColumn(ScanModel::ColScore, Qt::DescendingOrder);
    updateScatter();
}

void MarketScanView::applyFilters()
{
    m_proxy->setText(m_filter->text());
    m_proxy->setMinScore(m_minScore->value() > 0 ? std::optional<double>(m_minScore->value()) : std::nullopt);
    m_proxy->setFinishedOnly(m_finishedOnly->isChecked());
}

void MarketScanView::updateScatter()
{
    if (m_scan)
        m_scatter->setRanking(m_scan->ranking());
}

QStringList MarketScanView::selectedJobIds() const
{
    QStringList ids;
    for (const QModelIndex &idx : m_table->selectionModel()->selectedRows()) {
        if (idx.data(ScanModel::SucceededRole).toBool())
            ids << idx.data(ScanModel::JobIdRole).toString();
    }
    return ids;
}

void MarketScanView::exportShown()
{
    if (!m_exporter || !m_scan)
        return;
    ResultQuery q;
    for (int r = 0; r < m_proxy->rowCount(); ++r) {
        const QModelIndex idx = m_proxy->index(r, 0);
        if (idx.data(ScanModel::SucceededRole).toBool())
            q.jobIds << idx.data(ScanModel::JobIdRole).toString();
    }
    if (q.jobIds.isEmpty())
        return;
    q.limit = int(q.jobIds.size());
    m_exporter->exportResults(q, u"market-scan_"_s + m_scan->analysisType());
}

} // namespace dealscope::ui
