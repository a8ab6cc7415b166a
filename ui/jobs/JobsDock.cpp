#include "ui/jobs/JobsDock.h"

#include "ui/jobs/JobListModel.h"
#include "ui/listings/ScoreDelegate.h"

#include <QCheckBox>
#include <QHeaderView>
#include <QTableView>
#include <QVBoxLayout>

namespace dealscope::ui {

JobsDock::JobsDock(JobListModel *model, QWidget *parent)
    : QDockWidget(tr("Jobs"), parent)
    , m_model(model)
{
    setObjectName(QStringLiteral("jobsDock"));
    auto *content = new QWidget(this);
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(4, 4, 4, 4);
    m_developer = new QCheckBox(tr("&Developer details (job id, timestamps, request id)"), content);
    m_developer->setObjectName(QStringLiteral("developerToggle"));
    m_developer->setAccessibleName(tr("Show developer details"));
    m_view = new QTableView(content);
    m_view->setObjectName(QStringLiteral("jobsView"));
    m_view->setAccessibleName(tr("Jobs"));
    m_view->setModel(model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 8);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setWordWrap(false);
    m_view->setItemDelegateForColumn(JobListModel::ColProgress,
        new ScoreDelegate(
            { JobListModel::ActiveRole, JobListModel::ProgressRole, JobListModel::ProgressRole }, m_view));
    layout->addWidget(m_developer);
    layout->addWidget(m_view);
    setWidget(content);
    connect(m_developer, &QCheckBox::toggled, this, [this](bool on) {
        setDeveloperMode(on);
        Q_EMIT developerModeChanged(on);
    });
    connect(m_view, &QTableView::activated, this,
        [this](const QModelIndex &index) { Q_EMIT jobActivated(index.data(JobListModel::JobIdRole).toString()); });
    setDeveloperMode(false);
}

void JobsDock::setDeveloperMode(bool on)
{
    if (m_developer->isChecked() != on) {
        const QSignalBlocker block(m_developer);
        m_developer->setChecked(on);
    }
    for (int c = JobListModel::FirstDeveloperColumn; c < JobListModel::ColumnCount; ++c)
        m_view->setColumnHidden(c, !on);
}

} // namespace dealscope::ui
