#pragma once

#include <QDockWidget>

class QCheckBox;
class QTableView;

namespace dealscope::ui {

class JobListModel;

// The jobs panel (issue 4 §4): every job with status, progress, backend, attempts, duration and
// error; a developer toggle adds job id, timestamps and request id.
class JobsDock final : public QDockWidget
{
    Q_OBJECT
public:
    explicit JobsDock(JobListModel *model, QWidget *parent = nullptr);

    QTableView *view() const { return m_view; }
    QCheckBox *developerToggle() const { return m_developer; }
    void setDeveloperMode(bool on);

Q_SIGNALS:
    void developerModeChanged(bool on);
    void jobActivated(const QString &jobId);

private:
    JobListModel *m_model;
    QTableView *m_view;
    QCheckBox *m_developer;
};

} // namespace dealscope::ui
