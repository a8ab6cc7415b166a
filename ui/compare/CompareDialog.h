#pragma once

#include "export/Comparison.h"

#include <QDialog>

class QTableWidget;

namespace dealscope::ui {

// Two to four listings side by side (issue 14 §4): inputs, metrics, valuation ranges and
// findings, one column per listing, with the better value of each row marked (bold, a ★ and the
// palette's highlight), ties sharing the mark and unknown figures shown as "—", never marked.
class CompareDialog final : public QDialog
{
    Q_OBJECT
public:
    explicit CompareDialog(const QList<ComparedListing> &listings, QWidget *parent = nullptr);

    QTableWidget *table() const { return m_table; }
    // The row of `label` (first match), -1 if none: for tests and assistive technology.
    int rowOf(const QString &label) const;
    // Whether the cell of `label` for listing `column` is marked better.
    bool isMarkedBetter(const QString &label, int column) const;
    QString cellText(const QString &label, int column) const;

private:
    QTableWidget *m_table;
    QList<ComparisonRow> m_rows;
    QList<int> m_tableRowOf; // index in m_rows -> table row
};

} // namespace dealscope::ui
