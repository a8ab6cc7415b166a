#pragma once

#include "storage/ResultsLibrary.h"

#include <QObject>

class QWidget;

namespace dealscope {
class ExportService;
}

namespace dealscope::ui {

// The desktop's "Export…": asks for a file (the format follows the chosen type or extension,
// the suggested name is a safe one made from the title), then hands the export to core's
// ExportService, which writes it on a worker; message() says how it went. Used by the Library,
// the result views and the market scan.
class ExportLauncher final : public QObject
{
    Q_OBJECT
public:
    ExportLauncher(ExportService &service, QWidget *dialogParent);

    // `suggestedBase` names the file the dialog proposes (without extension).
    void exportResults(const ResultQuery &query, const QString &suggestedBase);
    bool isBusy() const { return m_busy > 0; }

    static QString filters();

Q_SIGNALS:
    void message(const QString &text);
    void finished(bool ok, const QString &file, int count);

private:
    ExportService &m_service;
    QWidget *m_dialogParent;
    int m_busy = 0;
};

} // namespace dealscope::ui
