#include "ui/library/LibraryView.h"

#include "export/Format.h"
#include "storage/AsyncResultsLibrary.h"
#include "storage/ResultsLibrary.h"
#include "ui/library/LibraryModel.h"
#include "ui/results/ResultView.h"

#include <QComboBox>
#include <QDateEdit>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

LibraryView::LibraryView(ResultsLibrary &library, AsyncResultsLibrary *async, QWidget *parent)
    : QWidget(parent)
    , m_library(library)
    , m_async(async)
    , m_model(new LibraryModel(this))
{
    setObjectName(u"libraryView"_s);
    auto *layout = new QVBoxLayout(this);
    auto *filters = new QHBoxLayout;
    m_search = new QLineEdit(this);
    m_search->setObjectName(u"librarySearch"_s);
    m_search->setAccessibleName(tr("Search results by listing"));
    m_search->setPlaceholderText(tr("Listing id or title…"));
    m_search->setClearButtonEnabled(true);
    m_type = new QComboBox(this);
    m_type->setObjectName(u"libraryType"_s);
    m_type->setAccessibleName(tr("Analysis type filter"));
    m_type->addItem(tr("All analyses"), QString());
    for (const QString &t : { u"business_analysis"_s, u"valuation"_s, u"risk_assessment"_s, u"market_intelligence"_s })
        m_type->addItem(analysisTypeLabel(t), t);
    m_from = new QDateEdit(QDate(2000, 1, 1), this);
    m_from->setObjectName(u"libraryFrom"_s);
    m_from->setAccessibleName(tr("Finished on or after"));
    m_from->setCalendarPopup(true);
    m_to = new QDateEdit(QDate::currentDate().addYears(1), this);
    m_to->setObjectName(u"libraryTo"_s);
    m_to->setAccessibleName(tr("Finished on or before"));
    m_to->setCalendarPopup(true);
    m_minScore = new QSpinBox(this);
    m_minScore->setObjectName(u"libraryMinScore"_s);
    m_minScore->setAccessibleName(tr("Minimum score"));
    m_minScore->setRange(0, 100);
    m_minScore->setPrefix(tr("score ≥ "));
    filters->addWidget(m_search, 2);
    filters->addWidget(m_type);
    filters->addWidget(new QLabel(tr("from"), this));
    filters->addWidget(m_from);
    filters->addWidget(new QLabel(tr("to"), this));
    filters->addWidget(m_to);
    filters->addWidget(m_minScore);
    layout->addLayout(filters);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    auto *left = new QWidget(splitter);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    m_table = new QTableView(left);
    m_table->setObjectName(u"libraryTable"_s);
    m_table->setAccessibleName(tr("Stored results"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    auto *buttons = new QHBoxLayout;
    m_open = new QPushButton(tr("&Open"), left);
    m_open->setObjectName(u"libraryOpen"_s);
    m_delete = new QPushButton(tr("&Delete"), left);
    m_delete->setObjectName(u"libraryDelete"_s);
    m_export = new QPushButton(tr("E&xport…"), left);
    m_export->setObjectName(u"libraryExport"_s);
    buttons->addWidget(m_open);
    buttons->addWidget(m_delete);
    buttons->addStretch();
    buttons->addWidget(m_export);
    leftLayout->addWidget(m_table);
    leftLayout->addLayout(buttons);
    m_result = new ResultView(splitter);
    m_result->setObjectName(u"libraryResultView"_s);
    splitter->addWidget(left);
    splitter->addWidget(m_result);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    layout->addWidget(splitter, 1);

    auto *debounce = new QTimer(this);
    debounce->setSingleShot(true);
    debounce->setInterval(150);
    connect(debounce, &QTimer::timeout, this, &LibraryView::refresh);
    connect(m_search, &QLineEdit::textChanged, debounce, qOverload<>(&QTimer::start));
    connect(m_type, &QComboBox::currentIndexChanged, this, &LibraryView::refresh);
    connect(m_from, &QDateEdit::dateChanged, this, &LibraryView::refresh);
    connect(m_to, &QDateEdit::dateChanged, this, &LibraryView::refresh);
    connect(m_minScore, &QSpinBox::valueChanged, this, &LibraryView::refresh);
    connect(m_open, &QPushButton::clicked, this, &LibraryView::openSelected);
    connect(m_table, &QTableView::activated, this, &LibraryView::openSelected);
    connect(m_delete, &QPushButton::clicked, this, &LibraryView::deleteSelected);
    connect(m_export, &QPushButton::clicked, this, &LibraryView::exportAll);
    auto *del = new QShortcut(QKeySequence::Delete, m_table);
    del->setContext(Qt::WidgetShortcut);
    connect(del, &QShortcut::activated, this, &LibraryView::deleteSelected);
    refresh();
}

void LibraryView::refresh()
{
    ResultQuery q;
    q.text = m_search->text();
    q.analysisType = m_type->currentData().toString();
    q.fromMs = m_from->date().startOfDay().toMSecsSinceEpoch();
    q.toMs = m_to->date().endOfDay().toMSecsSinceEpoch();
    if (m_minScore->value() > 0)
        q.minScore = m_minScore->value();
    if (!m_async) {
        m_model->setRows(m_library.search(q));
        Q_EMIT refreshed();
        return;
    }
    // Up to a thousand rows read while results stream in: on the storage thread, not this one.
    const quint64 generation = ++m_generation;
    ++m_searching;
    m_async->search(q, this, [this, generation](const QList<StoredResult> &rows) {
        --m_searching;
        if (generation != m_generation)
            return; // a newer search is on its way
        m_model->setRows(rows);
        Q_EMIT refreshed();
    });
}

QString LibraryView::selectedJobId() const
{
    const QModelIndex idx = m_table->currentIndex();
    return idx.isValid() ? idx.data(LibraryModel::JobIdRole).toString() : QString();
}

void LibraryView::openSelected()
{
    const QString id = selectedJobId();
    if (id.isEmpty())
        return;
    const auto stored = m_library.get(id);
    if (!stored) {
        m_result->showMessage(tr("This result is no longer in the library."));
        return;
    }
    const nlohmann::json result = stored->job.value("result", nlohmann::json::object());
    m_result->showResult(result, u"%1 — %2"_s.arg(analysisTypeLabel(stored->analysisType), stored->listingTitle));
}

void LibraryView::deleteSelected()
{
    const QString id = selectedJobId();
    if (id.isEmpty())
        return;
    if (!m_library.remove(id))
        QMessageBox::warning(
            this, tr("Delete result"), tr("The result could not be deleted: %1").arg(m_library.errorString()));
    m_result->clear();
    refresh();
}

void LibraryView::exportAll()
{
    const QString file
        = QFileDialog::getSaveFileName(this, tr("Export results"), u"dealscope-results.json"_s, tr("JSON (*.json)"));
    if (file.isEmpty())
        return;
    ResultQuery q;
    q.text = m_search->text();
    q.analysisType = m_type->currentData().toString();
    q.limit = 1'000'000;
    if (!m_library.exportJson(file, q))
        QMessageBox::warning(this, tr("Export results"), tr("Export failed: %1").arg(m_library.errorString()));
}

} // namespace dealscope::ui
