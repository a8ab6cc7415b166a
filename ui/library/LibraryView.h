#pragma once

#include "storage/ResultsLibrary.h"

#include <QWidget>

class QComboBox;
class QDateEdit;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableView;

namespace dealscope {
class AsyncResultsLibrary;
class ResultsLibrary;
} // namespace dealscope

namespace dealscope::ui {

class ExportLauncher;
class LibraryModel;
class NotesEditor;
class ResultView;

// Browse and search past results offline (issue 4 §9): by listing (id or title, or the notes and
// tags of a result or its listing), analysis type, date range and minimum score; open one in the
// result view with its notes and tags; delete; export the selection, or everything the filters
// match, as PDF, Markdown, JSON or CSV (issue 14); compare the selected results' listings.
class LibraryView final : public QWidget
{
    Q_OBJECT
public:
    // With `async`, searches run on the library's storage thread and land with refreshed(), and
    // notes can be edited; with `exporter`, results can be exported.
    explicit LibraryView(ResultsLibrary &library, AsyncResultsLibrary *async = nullptr,
        ExportLauncher *exporter = nullptr, QWidget *parent = nullptr);

    void refresh();
    bool isRefreshing() const { return m_searching > 0; }
    QTableView *table() const { return m_table; }
    ResultView *resultView() const { return m_result; }
    QLineEdit *searchEdit() const { return m_search; }
    QComboBox *typeCombo() const { return m_type; }
    QSpinBox *minScoreSpin() const { return m_minScore; }
    LibraryModel *model() const { return m_model; }

    void openSelected();
    void deleteSelected();
    // The selected results, or with none selected every result the filters match.
    void exportResults();
    QStringList selectedJobIds() const;
    NotesEditor *notesEditor() const { return m_notesEditor; }
    QPushButton *exportButton() const { return m_export; }
    QPushButton *compareButton() const { return m_compare; }

Q_SIGNALS:
    void refreshed();
    // The listings of 2–4 selected results, to be compared side by side.
    void compareRequested(const QStringList &jobIds);

private:
    QString selectedJobId() const;
    ResultQuery currentQuery() const;

    ResultsLibrary &m_library;
    AsyncResultsLibrary *m_async;
    quint64 m_generation = 0; // the newest search; older answers are dropped
    int m_searching = 0;
    LibraryModel *m_model;
    QLineEdit *m_search;
    QComboBox *m_type;
    QDateEdit *m_from;
    QDateEdit *m_to;
    QSpinBox *m_minScore;
    QTableView *m_table;
    QPushButton *m_open;
    QPushButton *m_delete;
    QPushButton *m_export;
    QPushButton *m_compare;
    ResultView *m_result;
    NotesEditor *m_notesEditor = nullptr;
    ExportLauncher *m_exporter;
};

} // namespace dealscope::ui
