#pragma once

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

class LibraryModel;
class ResultView;

// Browse and search past results offline (issue 4 §9): by listing (id or title), analysis type,
// date range and minimum score; open one in the result view; delete; export as JSON.
class LibraryView final : public QWidget
{
    Q_OBJECT
public:
    // With `async`, searches run on the library's storage thread and land with refreshed().
    explicit LibraryView(ResultsLibrary &library, AsyncResultsLibrary *async = nullptr, QWidget *parent = nullptr);

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
    void exportAll();

Q_SIGNALS:
    void refreshed();

private:
    QString selectedJobId() const;

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
    ResultView *m_result;
};

} // namespace dealscope::ui
