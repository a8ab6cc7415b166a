#include "jobs/JobStateMachine.h"

#include <QTest>

#include <limits>

using namespace dealscope;

Q_DECLARE_METATYPE(dealscope::JobStatus)

class TestJobStateMachine final : public QObject
{
    Q_OBJECT

    static Job jobIn(JobStatus status)
    {
        Job job;
        job.id = QStringLiteral("j");
        job.status = status;
        job.createdAt = job.updatedAt = 1000;
        job.progress = status == JobStatus::Running ? 40 : 0;
        job.attempt = 1;
        return job;
    }

private Q_SLOTS:
    void table_data()
    {
        QTest::addColumn<JobStatus>("from");
        QTest::addColumn<JobStatus>("to");
        QTest::addColumn<bool>("allowed");
        const JobStatus all[]
            = { JobStatus::Queued, JobStatus::Running, JobStatus::Succeeded, JobStatus::Failed, JobStatus::Canceled };
        const QList<QPair<JobStatus, JobStatus>> legal = {
            { JobStatus::Queued, JobStatus::Running },
            { JobStatus::Queued, JobStatus::Canceled },
            { JobStatus::Running, JobStatus::Succeeded },
            { JobStatus::Running, JobStatus::Failed },
            { JobStatus::Running, JobStatus::Canceled },
            { JobStatus::Running, JobStatus::Queued },
        };
        for (JobStatus from : all) {
            for (JobStatus to : all) {
                const QByteArray name = (jobStatusName(from) + QStringLiteral("→") + jobStatusName(to)).toUtf8();
                QTest::newRow(name.constData()) << from << to << legal.contains(qMakePair(from, to));
            }
        }
    }

    void table()
    {
        QFETCH(JobStatus, from);
        QFETCH(JobStatus, to);
        QFETCH(bool, allowed);
        QCOMPARE(JobStateMachine::isAllowed(from, to), allowed);

        Job job = jobIn(from);
        const Job before = job;
        const auto error = JobStateMachine::transition(job, to, 5000);
        if (allowed) {
            QVERIFY(!error);
            QCOMPARE(job.status, to);
            QCOMPARE(job.updatedAt, qint64(5000));
        } else {
            QVERIFY(error);
            QCOMPARE(error->message,
                QStringLiteral("illegal transition %1 → %2").arg(jobStatusName(from), jobStatusName(to)));
            QCOMPARE(job, before); // untouched
        }
    }

    void startSetsStartedAt()
    {
        Job job = jobIn(JobStatus::Queued);
        QVERIFY(!JobStateMachine::transition(job, JobStatus::Running, 2000));
        QCOMPARE(job.startedAt, qint64(2000));
        QVERIFY(!job.finishedAt);
    }

    void retryBumpsAttemptAndResetsProgress()
    {
        Job job = jobIn(JobStatus::Running);
        job.partialOutput = QStringLiteral("Computing DSCR…");
        QVERIFY(!JobStateMachine::transition(job, JobStatus::Queued, 3000));
        QCOMPARE(job.attempt, 2);
        QCOMPARE(job.progress, 0.0);
        QVERIFY(job.partialOutput.isEmpty());
        QVERIFY(!JobStateMachine::transition(job, JobStatus::Running, 3500));
        QVERIFY(!JobStateMachine::transition(job, JobStatus::Queued, 4000));
        QCOMPARE(job.attempt, 3);
    }

    void handBackKeepsAttemptAndProgress()
    {
        Job job = jobIn(JobStatus::Running);
        job.progress = 40;
        job.partialOutput = QStringLiteral("Computing DSCR…");
        QVERIFY(!JobStateMachine::transition(job, JobStatus::Queued, 3000, JobStateMachine::Requeue::HandBack));
        QCOMPARE(job.status, JobStatus::Queued);
        QCOMPARE(job.attempt, 1);
        QCOMPARE(job.progress, 40.0);
        QVERIFY(job.partialOutput.isEmpty());
        // The next run of the same attempt cannot show less than was shown before the hand-back.
        QVERIFY(!JobStateMachine::transition(job, JobStatus::Running, 3500));
        QCOMPARE(JobStateMachine::clampProgress(job, 10), 40.0);
        // A hand-back is still only allowed from running.
        Job queued = jobIn(JobStatus::Queued);
        QVERIFY(JobStateMachine::transition(queued, JobStatus::Queued, 3600, JobStateMachine::Requeue::HandBack));
    }

    void terminalSetsFinishedAt()
    {
        Job job = jobIn(JobStatus::Running);
        job.result = nlohmann::json { { "score", 1 } };
        QVERIFY(!JobStateMachine::transition(job, JobStatus::Failed, 7000));
        QCOMPARE(job.finishedAt, qint64(7000));
        QVERIFY(!job.result); // only succeeded jobs carry a result

        Job ok = jobIn(JobStatus::Running);
        ok.result = nlohmann::json { { "score", 1 } };
        QVERIFY(!JobStateMachine::transition(ok, JobStatus::Succeeded, 7000));
        QVERIFY(ok.result);
        QCOMPARE(ok.progress, 100.0);

        Job queued = jobIn(JobStatus::Queued);
        QVERIFY(!JobStateMachine::transition(queued, JobStatus::Canceled, 8000));
        QCOMPARE(queued.finishedAt, qint64(8000));
    }

    void updatedAtNeverGoesBack()
    {
        Job job = jobIn(JobStatus::Queued);
        job.updatedAt = 9000;
        QVERIFY(!JobStateMachine::transition(job, JobStatus::Running, 100));
        QCOMPARE(job.updatedAt, qint64(9000));
    }

    void progressMonotonic()
    {
        Job job = jobIn(JobStatus::Running); // progress 40
        QCOMPARE(JobStateMachine::clampProgress(job, 50), 50.0);
        QCOMPARE(JobStateMachine::clampProgress(job, 10), 40.0);
        QCOMPARE(JobStateMachine::clampProgress(job, 140), 100.0);
        QCOMPARE(JobStateMachine::clampProgress(job, -3), 40.0);
        QCOMPARE(JobStateMachine::clampProgress(job, std::numeric_limits<double>::quiet_NaN()), 40.0);
        QCOMPARE(JobStateMachine::clampProgress(job, std::numeric_limits<double>::infinity()), 40.0);
    }
};

QTEST_GUILESS_MAIN(TestJobStateMachine)
#include "tst_jobstatemachine.moc"
