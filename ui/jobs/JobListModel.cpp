#include "ui/jobs/JobListModel.h"

#include "export/Format.h"

#include <QDateTime>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

JobListModel::JobListModel(QObject *parent)
    : QAbstractTableModel(parent)
{
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(100);
    connect(&m_flushTimer, &QTimer::timeout, this, &JobListModel::flushPendingChanges);
    // Running jobs' durations move on their own; one tick a second refreshes that column only.
    m_durationTimer.setInterval(1000);
    connect(&m_durationTimer, &QTimer::timeout, this, &JobListModel::tickDurations);
    m_durationTimer.start();
}

int JobListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_jobs.size());
}

int JobListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant JobListModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_jobs.size())
        return {};
    const Job &j = m_jobs.at(index.row());
    if (role == JobIdRole)
        return j.id;
    if (role == ProgressRole)
        return j.progress;
    if (role == ActiveRole)
        return isTerminal(j.status) ? 0 : 1;
    if (role == StatusRole)
        return jobStatusName(j.status);
    if (role == Qt::ToolTipRole && index.column() == ColError)
        return j.error;
    if (role == Qt::ToolTipRole && index.column() == ColProgress)
        return j.partialOutput;
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case ColListing:
        return j.listingId;
    case ColType:
        return analysisTypeLabel(j.analysisType);
    case ColStatus: {
        const QString note = m_notes.value(j.id);
        if (note == u"expired"_s)
            return tr("expired");
        return note.isEmpty() || isTerminal(j.status) ? jobStatusName(j.status)
                                                      : tr("%1 (%2)").arg(jobStatusName(j.status), note);
    }
    case ColProgress:
        return u"%1 %"_s.arg(qRound(j.progress));
    case ColBackend:
        return j.backend.isEmpty() ? u"local"_s : j.backend;
    case ColAttempt:
        return j.attempt;
    case ColDuration: {
        if (!j.startedAt)
            return u"—"_s;
        const qint64 end = j.finishedAt ? *j.finishedAt : QDateTime::currentMSecsSinceEpoch();
        return formatDuration(end - *j.startedAt);
    }
    case ColError:
        return j.error;
    case ColId:
        return j.id;
    case ColCreated:
        return formatTimestamp(j.createdAt);
    case ColUpdated:
        return formatTimestamp(j.updatedAt);
    case ColStarted:
        return j.startedAt ? formatTimestamp(*j.startedAt) : u"—"_s;
    case ColFinished:
        return j.finishedAt ? formatTimestamp(*j.finishedAt) : u"—"_s;
    case ColRequestId:
        return j.requestId;
    }
    return {};
}

QVariant JobListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case ColListing:
        return tr("Listing");
    case ColType:
        return tr("Analysis");
    case ColStatus:
        return tr("Status");
    case ColProgress:
        return tr("Progress");
    case ColBackend:
        return tr("Backend");
    case ColAttempt:
        return tr("Attempts");
    case ColDuration:
        return tr("Duration");
    case ColError:
        return tr("Error");
    case ColId:
        return tr("Job ID");
    case ColCreated:
        return tr("Created");
    case ColUpdated:
        return tr("Updated");
    case ColStarted:
        return tr("Started");
    case ColFinished:
        return tr("Finished");
    case ColRequestId:
        return tr("Request ID");
    }
    return {};
}

Job JobListModel::summaryOf(const Job &job)
{
    Job out;
    out.id = job.id;
    out.listingId = job.listingId;
    out.analysisType = job.analysisType;
    out.params = job.params;
    out.status = job.status;
    out.progress = job.progress;
    out.partialOutput = job.partialOutput;
    out.error = job.error;
    out.createdAt = job.createdAt;
    out.updatedAt = job.updatedAt;
    out.cancelRequested = job.cancelRequested;
    out.attempt = job.attempt;
    out.startedAt = job.startedAt;
    out.finishedAt = job.finishedAt;
    out.requestId = job.requestId;
    out.backend = job.backend;
    out.owner = job.owner;
    return out;
}

void JobListModel::upsert(Job job)
{
    const auto it = m_rowById.constFind(job.id);
    if (it == m_rowById.constEnd()) {
        const int row = int(m_jobs.size());
        beginInsertRows({}, row, row);
        m_rowById.insert(job.id, row);
        m_jobs.append(std::move(job));
        endInsertRows();
        return;
    }
    m_jobs[*it] = std::move(job);
    m_dirtyRows.insert(*it);
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void JobListModel::setNote(const QString &jobId, const QString &note)
{
    if (m_notes.value(jobId) == note)
        return;
    if (note.isEmpty())
        m_notes.remove(jobId);
    else
        m_notes.insert(jobId, note);
    if (const auto it = m_rowById.constFind(jobId); it != m_rowById.constEnd())
        Q_EMIT dataChanged(index(*it, ColStatus), index(*it, ColStatus));
}

const Job *JobListModel::job(const QString &jobId) const
{
    const auto it = m_rowById.constFind(jobId);
    return it == m_rowById.constEnd() ? nullptr : &m_jobs.at(*it);
}

void JobListModel::flushPendingChanges()
{
    m_flushTimer.stop();
    const QSet<int> rows = std::exchange(m_dirtyRows, {});
    for (int row : rows)
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void JobListModel::tickDurations()
{
    // One signal spanning the running rows, not one per row: with 500 jobs running, the view
    // handles one update a second instead of 500.
    int first = -1;
    int last = -1;
    for (int row = 0; row < m_jobs.size(); ++row) {
        if (isTerminal(m_jobs.at(row).status))
            continue;
        if (first < 0)
            first = row;
        last = row;
    }
    if (first >= 0)
        Q_EMIT dataChanged(index(first, ColDuration), index(last, ColDuration));
}

} // namespace dealscope::ui
