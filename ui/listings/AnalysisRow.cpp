#include "ui/listings/AnalysisRow.h"

#include "export/Format.h"

#include <QDateTime>
#include <QGridLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

AnalysisRow::AnalysisRow(const QString &analysisType, QWidget *parent)
    : QWidget(parent)
    , m_type(analysisType)
{
    setObjectName(u"analysisRow_"_s + analysisType);
    const QString label = analysisTypeLabel(analysisType);
    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(0, 2, 0, 2);
    m_name = new QLabel(u"<b>%1</b>"_s.arg(label.toHtmlEscaped()), this);
    m_start = new QPushButton(tr("Start"), this);
    m_start->setObjectName(u"start"_s);
    m_start->setAccessibleName(tr("Start %1").arg(label));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(u"cancel"_s);
    m_cancel->setAccessibleName(tr("Cancel %1").arg(label));
    m_rerun = new QPushButton(tr("Re-run"), this);
    m_rerun->setObjectName(u"rerun"_s);
    m_rerun->setAccessibleName(tr("Re-run %1").arg(label));
    m_view = new QPushButton(tr("Result"), this);
    m_view->setObjectName(u"view"_s);
    m_view->setAccessibleName(tr("Show %1 result").arg(label));
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(u"progress"_s);
    m_progress->setAccessibleName(tr("%1 progress").arg(label));
    m_progress->setRange(0, 100);
    m_status = new QLabel(this);
    m_status->setObjectName(u"partialOutput"_s);
    m_status->setAccessibleName(tr("%1 status").arg(label));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_elapsed = new QLabel(this);
    m_elapsed->setObjectName(u"elapsed"_s);
    m_elapsed->setAccessibleName(tr("%1 elapsed time").arg(label));
    m_elapsed->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    grid->addWidget(m_name, 0, 0);
    grid->addWidget(m_progress, 0, 1);
    grid->addWidget(m_start, 0, 2);
    grid->addWidget(m_cancel, 0, 3);
    grid->addWidget(m_rerun, 0, 4);
    grid->addWidget(m_view, 0, 5);
    grid->addWidget(m_status, 1, 0, 1, 4);
    grid->addWidget(m_elapsed, 1, 4, 1, 2);
    grid->setColumnStretch(1, 1);

    connect(m_start, &QPushButton::clicked, this, [this] { Q_EMIT startRequested(m_type); });
    connect(m_cancel, &QPushButton::clicked, this, [this] { Q_EMIT cancelRequested(m_type); });
    connect(m_rerun, &QPushButton::clicked, this, [this] { Q_EMIT rerunRequested(m_type); });
    connect(m_view, &QPushButton::clicked, this, [this] { Q_EMIT viewRequested(m_type); });
    m_tick.setInterval(500);
    connect(&m_tick, &QTimer::timeout, this, &AnalysisRow::updateElapsed);
    setState(std::nullopt, false, false);
}

void AnalysisRow::setState(const std::optional<Job> &job, bool active, bool hasStoredResult)
{
    m_job = job;
    // A second click while a job is active must not start another: Start and Re-run are off then.
    m_start->setEnabled(!active);
    m_rerun->setEnabled(!active && (job.has_value() || hasStoredResult));
    m_cancel->setEnabled(active);
    const bool succeeded = job && job->status == JobStatus::Succeeded;
    m_view->setEnabled(succeeded || (!job && hasStoredResult) || (job && isTerminal(job->status) && hasStoredResult));

    if (!job) {
        m_progress->setValue(0);
        m_status->setText(active  ? tr("Starting…")
                : hasStoredResult ? tr("A stored result is available.")
                                  : tr("Not run yet."));
    } else {
        m_progress->setValue(qRound(job->progress));
        QString line;
        switch (job->status) {
        case JobStatus::Queued:
            line = tr("Queued");
            break;
        case JobStatus::Running:
            line = job->partialOutput.isEmpty() ? tr("Running") : job->partialOutput;
            break;
        case JobStatus::Succeeded:
            line = tr("Finished");
            break;
        case JobStatus::Failed:
            line = tr("Failed: %1").arg(job->error);
            break;
        case JobStatus::Canceled:
            line = tr("Canceled");
            break;
        }
        if (job->attempt > 1 && !isTerminal(job->status))
            line += u"  "_s + tr("(attempt %1)").arg(job->attempt);
        m_status->setText(line);
    }
    if (active && job && job->startedAt)
        m_tick.start();
    else
        m_tick.stop();
    updateElapsed();
}

void AnalysisRow::updateElapsed()
{
    if (!m_job || !m_job->startedAt) {
        m_elapsed->clear();
        return;
    }
    const qint64 end = m_job->finishedAt ? *m_job->finishedAt : QDateTime::currentMSecsSinceEpoch();
    m_elapsed->setText(formatDuration(end - *m_job->startedAt));
}

} // namespace dealscope::ui
