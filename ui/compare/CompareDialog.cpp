#include "ui/compare/CompareDialog.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QTableWidget>
#include <QVBoxLayout>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

CompareDialog::CompareDialog(const QList<ComparedListing> &listings, QWidget *parent)
    : QDialog(parent)
    , m_rows(Comparison::rows(listings))
{
    setObjectName(u"compareDialog"_s);
    setWindowTitle(tr("Compare %n listings", nullptr, int(listings.size())));
    auto *layout = new QVBoxLayout(this);
    m_table = new QTableWidget(this);
    m_table->setObjectName(u"compareTable"_s);
    m_table->setAccessibleName(tr("Listings side by side"));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(true);
    m_table->setColumnCount(int(listings.size()));
    QStringList headers;
    for (const ComparedListing &l : listings)
        headers << (l.title.isEmpty() ? l.listingId : l.title + u"\n"_s + l.listingId);
    m_table->setHorizontalHeaderLabels(headers);

    QFont sectionFont = font();
    sectionFont.setBold(true);
    QFont bestFont = font();
    bestFont.setBold(true);
    QColor bestBackground = palette().color(QPalette::Highlight);
    bestBackground.setAlpha(60);
    QStringList rowLabels;
    std::optional<ComparisonRow::Section> section;
    for (const ComparisonRow &row : std::as_const(m_rows)) {
        if (section != row.section) {
            section = row.section;
            const int r = m_table->rowCount();
            m_table->insertRow(r);
            rowLabels << Comparison::sectionName(row.section);
            m_table->setSpan(r, 0, 1, std::max(1, m_table->columnCount()));
            auto *item = new QTableWidgetItem(Comparison::sectionName(row.section));
            item->setFont(sectionFont);
            item->setFlags(Qt::ItemIsEnabled);
            m_table->setItem(r, 0, item);
        }
        const int r = m_table->rowCount();
        m_table->insertRow(r);
        m_tableRowOf << r;
        rowLabels << row.label;
        for (int c = 0; c < row.cells.size(); ++c) {
            const bool best = row.best.contains(c);
            auto *item = new QTableWidgetItem(best ? u"★ "_s + row.cells.at(c) : row.cells.at(c));
            item->setTextAlignment(row.section == ComparisonRow::Section::Findings && row.best.isEmpty()
                    ? Qt::Alignment(Qt::AlignLeft | Qt::AlignTop)
                    : Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
            if (best) {
                item->setFont(bestFont);
                item->setBackground(bestBackground);
                item->setToolTip(tr("Better than the others"));
            }
            m_table->setItem(r, c, item);
        }
    }
    m_table->setVerticalHeaderLabels(rowLabels);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->resizeRowsToContents();
    layout->addWidget(m_table, 1);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    resize(260 + 220 * int(listings.size()), 680);
}

int CompareDialog::rowOf(const QString &label) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).label == label)
            return m_tableRowOf.at(i);
    }
    return -1;
}

bool CompareDialog::isMarkedBetter(const QString &label, int column) const
{
    for (const ComparisonRow &row : m_rows) {
        if (row.label == label)
            return row.best.contains(column);
    }
    return false;
}

QString CompareDialog::cellText(const QString &label, int column) const
{
    const int r = rowOf(label);
    const QTableWidgetItem *item = r >= 0 ? m_table->item(r, column) : nullptr;
    return item ? item->text() : QString();
}

} // namespace dealscope::ui
