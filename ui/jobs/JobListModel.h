#pragma once

#include "jobs/Job.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QSet>
#include <QTimer>

namespace dealscope::ui {

// Every job of this session (and the resumed ones) for the jobs dock. Updates are coalesced: a
// job's newest state replaces the old one at once, but dataChanged goes out per dirty row on a
// timer, so hundreds of jobs reporting progress do not flood the view with repaints.
class JobListModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        ColListing,
        ColType,
        ColStatus,
        ColProgress,
        ColBackend,
        ColAttempt,
        ColDuration,
        ColError,
        // developer columns
        ColId,
        ColCreated,
        ColUpdated,
        ColStarted,
        ColFinished,
        ColRequestId,
        ColumnCount
    };
    static constexpr int FirstDeveloperColumn = ColId;
    enum Role { JobIdRole = Qt::UserRole + 1, ProgressRole, ActiveRole, StatusRole };

    explicit JobListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    void upsert(Job job);
    // What a job's status cell adds to its status: "reconnecting" while its server does not answer,
    // "expired" once the server no longer knows it; empty clears it.
    void setNote(const QString &jobId, const QString &note);
    QString note(const QString &jobId) const { return m_notes.value(jobId); }
    // What the list keeps of a job: everything it shows, without the result and listing snapshot
    // (copying a result's JSON for every row of a 10,000-job scan costs the GUI thread).
    static Job summaryOf(const Job &job);
    const Job *job(const QString &jobId) const;
    const Job &jobAt(int row) const { return m_jobs.at(row); }
    void flushPendingChanges();

private:
    void tickDurations();

    QList<Job> m_jobs;
    QHash<QString, int> m_rowById;
    QHash<QString, QString> m_notes; // jobId -> "reconnecting" | "expired"
    QSet<int> m_dirtyRows;
    QTimer m_flushTimer;
    QTimer m_durationTimer;
};

} // namespace dealscope::ui
