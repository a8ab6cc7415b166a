#include "ui/library/LibraryView.h"

#include "export/Format.h"
#include "storage/AsyncResultsLibrary.h"
#include "storage/ResultsLibrary.h"
#include "ui/common/ExportLauncher.h"
#include "ui/common/NotesEditor.h"
#include "ui/library/LibraryModel.h"
#include "ui/results/ResultView.h"

#include <QComboBox>
#include <QDateEdit>
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

LibraryView::LibraryView(ResultsLibrary &library, AsyncResultsLibrary *async, ExportLauncher *exporter, QWidget *parent)
    : QWidget(parent)
    , m_library(library)
    , m_async(async)
    , m_model(new LibraryModel(this))
    , m_exporter(exporter)
{
    setObjectName(u"libraryView"_s);
    auto *layout = new QVBoxLayout(this);
    auto *filters = new QHBoxLayout;
    m_search = new QLineEdit(this);
    m_search->setObjectName(u"librarySearch"_s);
    m_search->setAccessibleName(tr("Search results by listing"));
    m_search->setPlaceholderText(tr("Listing id, title, notes or tags…"));
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
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
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
    m_export->setToolTip(tr("Exports the selected results, or all the filters show, as PDF, Markdown, JSON or CSV"));
    m_export->setEnabled(m_exporter != nullptr);
    m_compare = new QPushButton(tr("Co&mpare"), left);
    m_compare->setObjectName(u"libraryCompare"_s);
    m_compare->setToolTip(tr("Compares the listings of 2 to 4 selected results side by side"));
    m_compare->setEnabled(false);
    buttons->addWidget(m_open);
    buttons->addWidget(m_delete);
    buttons->addWidget(m_compare);
    buttons->addStretch();
    buttons->addWidget(m_export);
    leftLayout->addWidget(m_table);
    leftLayout->addLayout(buttons);
    auto *right = new QWidget(splitter);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    m_result = new ResultView(right);
    m_result->setObjectName(u"libraryResultView"_s);
    m_result->setExporter(m_exporter);
    rightLayout->addWidget(m_result, 1);
    if (m_async) {
        m_notesEditor = new NotesEditor(m_library, *m_async, right);
        m_notesEditor->setObjectName(u"resultNotes"_s);
        rightLayout->addWidget(m_notesEditor);
        // The list shows what the search matched; a changed note may change that.
        connect(m_notesEditor, &NotesEditor::saved, this, [this] { refresh(); });
    }
    splitter->addWidget(left);
    splitter->addWidget(right);
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
    connect(m_export, &QPushButton::clicked, this, &LibraryView::exportResults);
    connect(m_compare, &QPushButton::clicked, this, [this] { Q_EMIT compareRequested(selectedJobIds()); });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const auto n = selectedJobIds().size();
        m_compare->setEnabled(n >= 2 && n <= 4);
        m_export->setText(n > 0 ? tr("E&xport selected…") : tr("E&xport…"));
    });
    auto *del = new QShortcut(QKeySequence::Delete, m_table);
    del->setContext(Qt::WidgetShortcut);
    connect(del, &QShortcut::activated, this, &LibraryView::deleteSelected);
    refresh();
}

ResultQuery LibraryView::currentQuery() const
{
    ResultQuery q;
    q.text = m_search->text();
    q.analysisType = m_type->currentData().toString();
    q.fromMs = m_from->date().startOfDay().toMSecsSinceEpoch();
    q.toMs = m_to->date().endOfDay().toMSecsSinceEpoch();
    if (m_minScore->value() > 0)
        q.minScore = m_minScore->value();
    return q;
}

void LibraryView::refresh()
{
    const ResultQuery q = currentQuery();
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

QStringList LibraryView::selectedJobIds() const
{
    QStringList ids;
    for (const QModelIndex &idx : m_table->selectionModel()->selectedRows())
        ids << idx.data(LibraryModel::JobIdRole).toString();
    return ids;
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
    m_result->showResult(
        result, u"%1 — %2"_s.arg(analysisTypeLabel(stored->analysisType), stored->listingTitle), stored->jobId);
    if (m_notesEditor)
        m_notesEditor->setTarget(AnnotationKind::Result, stored->jobId);
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
    if (m_notesEditor)
        m_notesEditor->setTarget(AnnotationKind::Result, QString());
    refresh();
}

void LibraryView::exportResults()
{
    if (!m_exporter)
        return;
    const QStringList selected = selectedJobIds();
    ResultQuery q = currentQuery();
    q.limit = 10'000'000;
    QString suggested = u"dealscope-results"_s;
    if (!selected.isEmpty()) {
        q = ResultQuery {};
        q.jobIds = selected;
        q.limit = int(selected.size());
        if (selected.size() == 1) {
            const QModelIndex idx = m_table->selectionModel()->selectedRows().constFirst();
            const StoredResult &row = m_model->rowAt(idx.row());
            suggested = row.listingTitle + u'_' + row.analysisType;
        }
    }
    m_exporter->exportResults(q, suggested);
}

} // namespace dealscope::ui
