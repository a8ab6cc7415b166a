#pragma once

#include "storage/ResultsLibrary.h"

#include <QAbstractTableModel>

namespace dealscope::ui {

// Rows of a results-library search (no JSON: the full result is read when one is opened).
class LibraryModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { ColFinished, ColListing, ColTitle, ColType, ColScore, ColEngine, ColumnCount };
    enum Role { JobIdRole = Qt::UserRole + 1 };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    void setRows(QList<StoredResult> rows);
    const StoredResult &rowAt(int row) const { return m_rows.at(row); }

private:
    QList<StoredResult> m_rows;
};

} // namespace dealscope::ui
