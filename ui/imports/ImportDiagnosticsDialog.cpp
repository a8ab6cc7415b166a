#include "ui/imports/ImportDiagnosticsDialog.h"

#include <QDialogButtonBox>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

ImportDiagnosticsDialog::ImportDiagnosticsDialog(
    const QString &file, const ImportResult &result, Merge merge, QWidget *parent)
    : QDialog(parent)
{
    setObjectName(u"importDiagnostics"_s);
    setWindowTitle(tr("Import of %1").arg(QFileInfo(file).fileName()));
    auto *layout = new QVBoxLayout(this);
    m_summary = new QLabel(this);
    m_summary->setObjectName(u"importSummary"_s);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QString text;
    if (!result.ok()) {
        text = tr("The file could not be imported: %1\nYour existing listings are unchanged.").arg(result.fatalError);
    } else {
        text = tr("%1 rows read as %2: %3 listings imported (%4 new, %5 updated), %6 rejected, %7 warnings.")
                   .arg(result.rows)
                   .arg(result.format.toUpper())
                   .arg(result.imported)
                   .arg(merge.added)
                   .arg(merge.updated)
                   .arg(result.errors)
                   .arg(result.warnings);
        if (result.diagnosticsDropped > 0)
            text += u"\n"_s + tr("%1 further diagnostics are not shown.").arg(result.diagnosticsDropped);
    }
    m_summary->setText(text);
    m_summary->setAccessibleName(tr("Import summary"));
    layout->addWidget(m_summary);

    // A table widget item per cell: cap what is shown so a file with 100k bad rows opens at once.
    constexpr int kShown = 2000;
    const int shown = int(qMin<qsizetype>(result.diagnostics.size(), kShown));
    if (shown < result.diagnostics.size())
        m_summary->setText(m_summary->text() + u"\n"_s
            + tr("The first %1 of %2 diagnostics are listed.").arg(shown).arg(result.diagnostics.size()));
    m_table = new QTableWidget(shown, 4, this);
    m_table->setObjectName(u"importDiagnosticsTable"_s);
    m_table->setAccessibleName(tr("Import diagnostics"));
    m_table->setHorizontalHeaderLabels({ tr("Line"), tr("Column"), tr("Severity"), tr("Message") });
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    for (int i = 0; i < shown; ++i) {
        const ImportDiagnostic &d = result.diagnostics.at(i);
        const QString where = d.line > 0 ? QString::number(d.line)
            : d.record > 0               ? tr("record %1").arg(d.record)
                                         : u"—"_s;
        m_table->setItem(i, 0, new QTableWidgetItem(where));
        m_table->setItem(i, 1, new QTableWidgetItem(d.column));
        m_table->setItem(i, 2, new QTableWidgetItem(severityName(d.severity)));
        m_table->setItem(i, 3, new QTableWidgetItem(d.message));
    }
    m_table->setVisible(result.diagnostics.size() > 0);
    layout->addWidget(m_table, 1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    layout->addWidget(buttons);
    resize(720, result.diagnostics.isEmpty() ? 160 : 420);
}

QString ImportDiagnosticsDialog::summaryText() const
{
    return m_summary->text();
}

} // namespace dealscope::ui
