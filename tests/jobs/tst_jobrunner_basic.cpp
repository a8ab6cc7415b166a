#include "RunnerFixture.h"
#include "jobs/JobId.h"

#include <QSignalSpy>
#include <QTemporaryDir>

using namespace dealscope;
using namespace dealscope::testing;

class TestJobRunnerBasic final : public QObject
{
    Q_OBJECT

    std::shared_ptr<const AnalysisEngine> m_engine;

private Q_SLOTS:
    void initTestCase()
    {
        Failpoints::configure(QString());
        m_engine = makeEngine();
        QVERIFY(m_engine->steps(AnalysisType::Valuation).size() >= 2);
    }

    void runsToSuccessWithMonotonicProgress()
    {
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY2(runner.open(), qPrintable(runner.errorString()));
        UpdateRecorder rec(runner);
        QSignalSpy idle(&runner, &LocalJobRunner::idle);

        const auto reply = await([&](auto cb) { runner.start(request(QStringLiteral("L1")), this, cb); });
        QVERIFY(reply && reply->ok());
        const Job created = *reply->job;
        QVERIFY(isValidJobId(created.id));
        QCOMPARE(created.status, JobStatus::Queued);
        QCOMPARE(created.attempt, 1);
        QCOMPARE(created.backend, QStringLiteral("local"));
        QVERIFY(!reply->deduplicated);

        QVERIFY(rec.waitTerminal(created.id));
        const Job done = *rec.last(created.id);
        QCOMPARE(done.status, JobStatus::Succeeded);
        QCOMPARE(done.progress, 100.0);
        QVERIFY(done.result && done.result->is_object());
        QVERIFY(done.result->contains("metrics"));
        QVERIFY(done.startedAt && done.finishedAt);
        QVERIFY(*done.finishedAt >= *done.startedAt);
        QVERIFY(done.error.isEmpty());

        // Updates arrive in order: queued, running …, succeeded; progress never goes back.
        const auto updates = rec.updates.value(created.id);
        QCOMPARE(updates.first().status, JobStatus::Queued);
        double last = 0;
        bool sawRunning = false;
        for (const Job &u : updates) {
            if (u.status == JobStatus::Running)
                sawRunning = true;
            QVERIFY2(u.progress >= last, qPrintable(QStringLiteral("%1 < %2").arg(u.progress).arg(last)));
            last = u.progress;
        }
        QVERIFY(sawRunning);
        QVERIFY(idle.count() >= 1 || idle.wait(5000));
        QCOMPARE(runner.activeCount(), 0);

        // fetch / lookup answer from the store once the job left memory.
        const auto fetched = await([&](auto cb) { runner.fetch(created.id, this, cb); });
        QVERIFY(fetched && fetched->ok());
        QCOMPARE(fetched->job->status, JobStatus::Succeeded);
        QVERIFY(*fetched->job->result == *done.result);
        const auto looked
            = await([&](auto cb) { runner.lookup(QStringLiteral("L1"), QStringLiteral("valuation"), this, cb); });
        QVERIFY(looked && looked->ok());
        QCOMPARE(looked->job->id, created.id);

        const QList<Job> all = runner.jobs();
        QCOMPARE(all.size(), 1);
        QCOMPARE(all.first().id, created.id);

        // Every step of the single attempt is recorded.
        const auto steps = storedSteps(dir.path(), created.id);
        QCOMPARE(steps.size(), m_engine->steps(AnalysisType::Valuation).size());
        for (int i = 0; i < steps.size(); ++i) {
            QCOMPARE(steps.at(i).attempt, 1);
            QCOMPARE(steps.at(i).stepIndex, i);
            QCOMPARE(steps.at(i).stepId, stepId(*m_engine, i));
        }
    }

    void everyTypeRuns()
    {
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        QStringList ids;
        for (const QString &type : analysisTypeNames()) {
            const auto reply = await([&](auto cb) { runner.start(request(QStringLiteral("L2"), type), this, cb); });
            QVERIFY2(reply && reply->ok(), reply ? qPrintable(reply->message) : "no reply");
            ids.append(reply->job->id);
        }
        for (const QString &id : ids) {
            QVERIFY(rec.waitTerminal(id));
            QCOMPARE(*rec.status(id), JobStatus::Succeeded);
        }
    }

    void partialOutputNamesSteps()
    {
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        // A slow second step keeps the job visibly inside the pipeline.
        Failpoints::configure(QStringLiteral("analysis.step.%1=delay(600)").arg(stepId(*m_engine, 2)));
        const auto reply = await([&](auto cb) { runner.start(request(QStringLiteral("L3")), this, cb); });
        QVERIFY(reply && reply->ok());
        QVERIFY(rec.waitTerminal(reply->job->id));
        Failpoints::configure(QString());
        bool sawLine = false;
        bool sawMidProgress = false;
        for (const Job &u : rec.updates.value(reply->job->id)) {
            if (u.status == JobStatus::Running && !u.partialOutput.isEmpty())
                sawLine = true;
            if (u.status == JobStatus::Running && u.progress > 0 && u.progress < 100)
                sawMidProgress = true;
        }
        QVERIFY(sawLine);
        QVERIFY(sawMidProgress);
    }

    void callbacksAreNeverSynchronous()
    {
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        bool called = false;
        runner.start(request(QStringLiteral("L4")), this, [&](const BackendReply &) { called = true; });
        QVERIFY(!called);
        runner.fetch(QStringLiteral("nope"), this, [&](const BackendReply &) { called = true; });
        QVERIFY(!called);
        runner.start(request(QStringLiteral("missing-listing")), this, [&](const BackendReply &) { called = true; });
        QVERIFY(!called);
        QTRY_VERIFY(called);
        QTRY_COMPARE(runner.activeCount(), 0);
    }

    void callbackRunsOnContextThreadAndSkipsDeadContext()
    {
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        auto *context = new QObject;
        bool called = false;
        runner.fetch(QStringLiteral("nope"), context, [&](const BackendReply &) { called = true; });
        delete context; // before the event loop ran: the reply must be dropped, not crash
        QThread *caller = nullptr;
        const auto reply = await([&](auto cb) {
            runner.fetch(QStringLiteral("nope"), this, [&, cb](const BackendReply &r) {
                caller = QThread::currentThread();
                cb(r);
            });
        });
        QVERIFY(reply);
        QCOMPARE(reply->error, BackendReply::Error::NotFound);
        QCOMPARE(caller, QThread::currentThread());
        // Answered in order: the dropped reply would have arrived before this one.
        QVERIFY(!called);
    }

    void invalidRequestsNameTheField_data()
    {
        QTest::addColumn<QString>("listing");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QByteArray>("params");
        QTest::addColumn<QString>("field");
        QTest::newRow("downPaymentPct 2") << QStringLiteral("L1") << QStringLiteral("valuation")
                                          << QByteArray(R"({"downPaymentPct":2})") << QStringLiteral("downPaymentPct");
        QTest::newRow("termYears 0") << QStringLiteral("L1") << QStringLiteral("valuation")
                                     << QByteArray(R"({"termYears":0})") << QStringLiteral("termYears");
        QTest::newRow("interestRate string")
            << QStringLiteral("L1") << QStringLiteral("risk_assessment") << QByteArray(R"({"interestRate":"high"})")
            << QStringLiteral("interestRate");
        QTest::newRow("unknown type") << QStringLiteral("L1") << QStringLiteral("horoscope") << QByteArray("{}")
                                      << QStringLiteral("analysisType");
        QTest::newRow("unknown listing") << QStringLiteral("L9999") << QStringLiteral("valuation") << QByteArray("{}")
                                         << QStringLiteral("listingId");
    }

    void invalidRequestsNameTheField()
    {
        QFETCH(QString, listing);
        QFETCH(QString, type);
        QFETCH(QByteArray, params);
        QFETCH(QString, field);
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        const auto reply = await([&](auto cb) {
            runner.start(request(listing, type, nlohmann::json::parse(params.toStdString())), this, cb);
        });
        QVERIFY(reply);
        QCOMPARE(reply->error, BackendReply::Error::Invalid);
        QVERIFY2(reply->message.contains(field), qPrintable(reply->message));
        QVERIFY(!reply->job);
        QCOMPARE(runner.activeCount(), 0);
        QVERIFY(runner.jobs().isEmpty());
    }

    void unknownIdsAreNotFound()
    {
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path()));
        QVERIFY(runner.open());
        for (const QString &id :
            { QStringLiteral("x"), QStringLiteral("'; DROP TABLE jobs; --"), QString(10000, QLatin1Char('a')) }) {
            const auto f = await([&](auto cb) { runner.fetch(id, this, cb); });
            QVERIFY(f);
            QCOMPARE(f->error, BackendReply::Error::NotFound);
            const auto c = await([&](auto cb) { runner.cancel(id, this, cb); });
            QVERIFY(c);
            QCOMPARE(c->error, BackendReply::Error::NotFound);
        }
        const auto l
            = await([&](auto cb) { runner.lookup(QStringLiteral("L1"), QStringLiteral("valuation"), this, cb); });
        QVERIFY(l);
        QCOMPARE(l->error, BackendReply::Error::NotFound);
    }

    void unusableDataDirFailsToOpen()
    {
        QTemporaryDir dir;
        QFile blocker(dir.filePath(QStringLiteral("file")));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        LocalJobRunner runner(m_engine, options(dir.filePath(QStringLiteral("file"))));
        QVERIFY(!runner.open());
        QVERIFY(!runner.errorString().isEmpty());
        const auto reply = await([&](auto cb) { runner.start(request(QStringLiteral("L1")), this, cb); });
        QVERIFY(reply);
        QVERIFY(!reply->ok());
    }

    void openPrunesFinishedJobsPastRetention()
    {
        QTemporaryDir dir;
        const qint64 day = 24 * 3600 * 1000;
        auto finishedJob = [](const QString &listing, qint64 finishedAt) {
            Job job;
            job.id = generateJobId();
            job.owner = QStringLiteral("local");
            job.listingId = listing;
            job.analysisType = QStringLiteral("valuation");
            job.status = JobStatus::Succeeded;
            job.createdAt = job.updatedAt = finishedAt - 1000;
            job.finishedAt = finishedAt;
            job.result = nlohmann::json { { "score", 1 } };
            return job;
        };
        const Job old = finishedJob(QStringLiteral("L1"), nowMs() - 31 * day);
        const Job recent = finishedJob(QStringLiteral("L2"), nowMs() - 29 * day);
        {
            LocalJobStore store(dir.filePath(QStringLiteral("jobs.sqlite")));
            QVERIFY(store.open());
            QVERIFY(store.saveJob(old));
            QVERIFY(store.saveJob(recent));
        }
        {
            auto keepAll = options(dir.path());
            keepAll.finishedRetentionMs = 0;
            LocalJobRunner runner(m_engine, keepAll);
            QVERIFY(runner.open());
            QCOMPARE(runner.jobs().size(), 2);
        }
        LocalJobRunner runner(m_engine, options(dir.path())); // the default: 30 days
        QVERIFY(runner.open());
        const QList<Job> kept = runner.jobs();
        QCOMPARE(kept.size(), 1);
        QCOMPARE(kept.first().id, recent.id);
        const auto gone = await([&](auto cb) { runner.fetch(old.id, this, cb); });
        QVERIFY(gone);
        QCOMPARE(gone->error, BackendReply::Error::NotFound);
    }

    void manyJobsAllFinish()
    {
        QTemporaryDir dir;
        LocalJobRunner runner(m_engine, options(dir.path(), 2));
        QVERIFY(runner.open());
        UpdateRecorder rec(runner);
        QSignalSpy idle(&runner, &LocalJobRunner::idle);
        QStringList ids;
        const QStringList types = analysisTypeNames();
        for (int i = 1; i <= 60; ++i) {
            for (const QString &type : types) {
                runner.start(request(QStringLiteral("L%1").arg(i), type), this, [&ids](const BackendReply &r) {
                    if (r.ok())
                        ids.append(r.job->id);
                });
            }
        }
        QTRY_COMPARE_WITH_TIMEOUT(ids.size(), 240, 20000);
        QVERIFY(QTest::qWaitFor([&] { return runner.activeCount() == 0; }, 120000));
        QVERIFY(idle.count() >= 1 || idle.wait(5000));
        QTRY_VERIFY(std::all_of(ids.cbegin(), ids.cend(), [&](const QString &id) { return rec.isTerminalNow(id); }));
        for (const QString &id : std::as_const(ids))
            QCOMPARE(*rec.status(id), JobStatus::Succeeded);
        QCOMPARE(runner.jobs().size(), 240);
    }
};

QTEST_GUILESS_MAIN(TestJobRunnerBasic)
#include "tst_jobrunner_basic.moc"
