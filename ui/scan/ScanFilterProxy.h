#pragma once

#include <QSortFilterProxyModel>

#include <optional>

namespace dealscope::ui {

// Sorting and filtering of the market scan's ranked table: text in the listing id, title or
// industry, a minimum score, and finished rows only. Numbers sort as numbers, unknowns last in
// both directions. Sorting is asked for (a header click, the scan finishing), not redone on
// every change, so 10,000 rows streaming in do not re-sort each time.
class ScanFilterProxy final : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit ScanFilterProxy(QObject *parent = nullptr);

    void setText(const QString &text);
    void setMinScore(std::optional<double> minScore);
    void setFinishedOnly(bool on);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    QString m_text;
    std::optional<double> m_minScore;
    bool m_finishedOnly = false;
};

} // namespace dealscope::ui
