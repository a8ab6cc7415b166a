#pragma once

#include "import/ImportResult.h"

#include <QDialog>

class QLabel;
class QTableWidget;

namespace dealscope::ui {

// What an import did (issue 4 §5): counts, the fatal error if the file could not be read, and every
// {line, column, message} diagnostic in a table.
class ImportDiagnosticsDialog final : public QDialog
{
    Q_OBJECT
public:
    struct Merge
    {
        int added = 0;
        int updated = 0;
    };

    ImportDiagnosticsDialog(const QString &file, const ImportResult &result, Merge merge, QWidget *parent = nullptr);

    QString summaryText() const;
    QTableWidget *table() const { return m_table; }

private:
    QLabel *m_summary;
    QTableWidget *m_table;
};

} // namespace dealscope::ui
