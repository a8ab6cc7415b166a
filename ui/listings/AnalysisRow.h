#pragma once

#include "jobs/Job.h"

#include <QTimer>
#include <QWidget>

#include <optional>

class QLabel;
class QProgressBar;
class QPushButton;

namespace dealscope::ui {

// One analysis type of the selected listing (issue 4 §2): Start / Cancel / Re-run, a progress bar,
// the partialOutput line and the elapsed time. Buttons follow the job's state.
class AnalysisRow final : public QWidget
{
    Q_OBJECT
public:
    AnalysisRow(const QString &analysisType, QWidget *parent = nullptr);

    QString analysisType() const { return m_type; }
    // `active` includes a start that the backend has not answered yet.
    void setState(const std::optional<Job> &job, bool active, bool hasStoredResult);

    QPushButton *startButton() const { return m_start; }
    QPushButton *cancelButton() const { return m_cancel; }
    QPushButton *rerunButton() const { return m_rerun; }
    QPushButton *viewButton() const { return m_view; }
    QProgressBar *progressBar() const { return m_progress; }
    QLabel *statusLabel() const { return m_status; }
    QLabel *elapsedLabel() const { return m_elapsed; }

Q_SIGNALS:
    void startRequested(const QString &analysisType);
    void cancelRequested(const QString &analysisType);
    void rerunRequested(const QString &analysisType);
    void viewRequested(const QString &analysisType);

private:
    void updateElapsed();

    QString m_type;
    QLabel *m_name;
    QPushButton *m_start;
    QPushButton *m_cancel;
    QPushButton *m_rerun;
    QPushButton *m_view;
    QProgressBar *m_progress;
    QLabel *m_status;
    QLabel *m_elapsed;
    std::optional<Job> m_job;
    QTimer m_tick;
};

} // namespace dealscope::ui
