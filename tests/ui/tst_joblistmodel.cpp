// The jobs dock's model: a row per job, updates coalesced into few repaints, the running jobs'
// durations refreshed with one signal a second however many run.
#include "ui/jobs/JobListModel.h"

#include <QSignalSpy>
#include <QTest>

using namespace dealscope;
using namespace dealscope::ui;
using namespace Qt::Literals::StringLiterals;

namespace {
Job make(const QString &id, JobStatus status, double progress)
{
    Job j;
    j.id = id;
    j.listingId = u"L-"_s + id;
    j.analysisType = u"valuation"_s;
    j.status = status;
    j.progress = progress;
    j.startedAt = 1000;
    if (isTerminal(status))
        j.finishedAt = 2000;
    return j;
}
} // namespace

class TestJobListModel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void updatesAreCoalesced()
    {
        JobListModel model;
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.upsert(make(u"a"_s, JobStatus::Running, 10));
        model.upsert(make(u"b"_s, JobStatus::Running, 10));
        QCOMPARE(inserted.size(), 2);
        for (int p = 11; p <= 60; ++p)
            model.upsert(make(u"a"_s, JobStatus::Running, p)); // 50 progress updates of one job
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, JobListModel::ColProgress).data().toString(), u"60 %"_s); // newest state at once
        QCOMPARE(changed.size(), 0); // repaint later
        QVERIFY(changed.wait(1000));
        QCOMPARE(changed.size(), 1); // one row changed: one signal for all 50 updates
        QCOMPARE(changed.at(0).at(0).value<QModelIndex>().row(), 0);
    }

    void durationsTickWithOneSignal()
    {
        JobListModel model;
        model.upsert(make(u"done1"_s, JobStatus::Succeeded, 100));
        for (int i = 0; i < 300; ++i)
            model.upsert(make(u"r"_s + QString::number(i), JobStatus::Running, 5));
        model.upsert(make(u"done2"_s, JobStatus::Failed, 40));
        model.flushPendingChanges();
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QVERIFY(changed.wait(2500)); // the once-a-second tick
        QCOMPARE(changed.size(), 1);
        const QModelIndex from = changed.at(0).at(0).value<QModelIndex>();
        const QModelIndex to = changed.at(0).at(1).value<QModelIndex>();
        QCOMPARE(from.row(), 1); // the first running job
        QCOMPARE(to.row(), 300); // the last running job
        QCOMPARE(from.column(), int(JobListModel::ColDuration));
        QCOMPARE(to.column(), int(JobListModel::ColDuration));
        QCOMPARE(model.index(0, JobListModel::ColDuration).data().toString().isEmpty(), false);

        // Nothing running: no tick at all.
        JobListModel idle;
        idle.upsert(make(u"x"_s, JobStatus::Succeeded, 100));
        QSignalSpy none(&idle, &QAbstractItemModel::dataChanged);
        QVERIFY(!none.wait(1300));
    }
};

QTEST_MAIN(TestJobListModel)
#include "tst_joblistmodel.moc"
