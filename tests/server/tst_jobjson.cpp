// The server's job serialisation: byte-identical to jobToJson().dump() (so ETags agree with every
// other writer), the owner strip of stored JSON without a parse, and the status peek, including
// hostile strings and JSON the server did not write.

#include "jobs/Job.h"
#include "server/store/JobJson.h"

#include <QTest>

#include <limits>

using namespace dealscope;
using namespace dealscope::server;

class TestJobJson : public QObject
{
    Q_OBJECT

private:
    static Job fresh()
    {
        Job job;
        job.id = QStringLiteral("V1StGXR8_Z5jdHi6B-myT");
        job.owner = QStringLiteral("acme");
        job.listingId = QStringLiteral("B42");
        job.analysisType = QStringLiteral("valuation");
        job.createdAt = job.updatedAt = 1764300000000;
        job.requestId = QStringLiteral("req-1");
        return job;
    }

    static Job finished()
    {
        Job job = fresh();
        job.params = nlohmann::json{{"downPaymentPct", 0.2}, {"nested", {{"status", "queued"}, {"owner", "evil"}}}};
        job.status = JobStatus::Succeeded;
        job.progress = 100;
        job.startedAt = 1764300000001;
        job.finishedAt = 1764300000002;
        job.updatedAt = 1764300000002;
        job.partialOutput = QStringLiteral("Analysis complete");
        job.result = nlohmann::json{{"score", 71}, {"summary", "a \"quoted\" ,\"status\":\"failed\" text"},
                                    {"findings", nlohmann::json::array({{{"status", "x"}}})}};
        return job;
    }

    static QByteArray reference(const Job &job, JobJsonScope scope)
    {
        return QByteArray::fromStdString(jobToJson(job, scope).dump());
    }

private slots:
    void serializeMatchesJobToJson_data()
    {
        QTest::addColumn<int>("which");
        for (int i = 0; i < 6; ++i)
            QTest::addRow("job %d", i) << i;
    }
    void serializeMatchesJobToJson()
    {
        QFETCH(int, which);
        Job job = which % 2 ? finished() : fresh();
        if (which == 2) {
            job.status = JobStatus::Running;
            job.progress = 33.333333333333336;
            job.partialOutput = QStringLiteral("tab\there, newline\n, bell\x07, quote \" backslash \\ ünïcødé €");
            job.cancelRequested = true;
            job.attempt = 3;
        }
        if (which == 3) {
            job.status = JobStatus::Failed;
            job.result.reset();
            job.error = QStringLiteral("timed out after 300 s \x01\x1f");
            job.progress = 0.1;
        }
        if (which == 4) {
            job.backend = QStringLiteral("remote");
            job.owner.clear();
            job.requestId.clear();
            job.progress = 1e-7;
        }
        if (which == 5) {
            job.progress = 99.99999999999999;
            // Every kind of value a result holds, floats at the edges of the formatting rules.
            (*job.result)["numbers"] = nlohmann::json::array({1.0 / 3, 1e-7, 1e21, 1e15, 1e16, 123456.789, -0.0, 0.0, 5e-324,
                                                              1.7976931348623157e308, -2.5, 100.0, 0.1 + 0.2, 1e-5, 0.0001,
                                                              std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()});
            (*job.result)["integers"] = nlohmann::json::array({0, -1, std::numeric_limits<std::int64_t>::min(),
                                                               std::numeric_limits<std::uint64_t>::max(), 42u});
            (*job.result)["nested"] = {{"empty", nlohmann::json::object()}, {"none", nlohmann::json::array()}, {"null", nullptr},
                                       {"yes", true}, {"no", false}, {"z", {{"b", 1}, {"a", "\u00e9\"\\\n\x1f end"}}}};
        }
        for (const auto scope : {JobJsonScope::Wire, JobJsonScope::Storage})
            QCOMPARE(serializeJob(job, scope), reference(job, scope));
    }

    void parseRoundTrips()
    {
        const Job job = finished();
        const auto parsed = parseJob(serializeJob(job, JobJsonScope::Storage));
        QVERIFY(parsed);
        QCOMPARE(*parsed, job);
        QVERIFY(!parseJob("not json"));
        QVERIFY(!parseJob("[]"));
        QVERIFY(!parseJob(R"({"id":"x"})"));
        QVERIFY(!parseJob(QByteArray(reference(job, JobJsonScope::Storage)).replace("\"result\":{", "\"result\":[{").replace("},\"startedAt\"", "}],\"startedAt\"")));
    }

    void wireFromStorageStripsTheOwner()
    {
        for (const Job &job : {fresh(), finished()}) {
            const QByteArray stored = serializeJob(job, JobJsonScope::Storage);
            const auto wire = wireFromStorage(stored, job.owner);
            QVERIFY(wire);
            QCOMPARE(*wire, reference(job, JobJsonScope::Wire));
            QVERIFY(!wireFromStorage(stored, QStringLiteral("acm")));
            QVERIFY(!wireFromStorage(stored, QStringLiteral("acme2")));
            QVERIFY(!wireFromStorage(stored, QStringLiteral("evil")));
            QVERIFY(!wireFromStorage(stored, QString()));
        }
    }

    void wireFromStorageWithHostileOwners()
    {
        for (const QString &owner : {QStringLiteral("a\",\"owner\":\"b"), QStringLiteral("\\"), QStringLiteral("ü\n"), QStringLiteral("x}")}) {
            Job job = finished();
            job.owner = owner;
            const QByteArray stored = serializeJob(job, JobJsonScope::Storage);
            QCOMPARE(wireFromStorage(stored, owner).value_or("none"), reference(job, JobJsonScope::Wire));
            QVERIFY(!wireFromStorage(stored, QStringLiteral("a")));
            QVERIFY(!wireFromStorage(stored, QStringLiteral("b")));
        }
    }

    void wireFromStorageOfForeignJson()
    {
        // Pretty-printed or reordered JSON (not written by serializeJob) takes the exact path.
        const Job job = finished();
        const QByteArray pretty = QByteArray::fromStdString(jobToJson(job, JobJsonScope::Storage).dump(2));
        QCOMPARE(wireFromStorage(pretty, job.owner).value_or("none"), reference(job, JobJsonScope::Wire));
        QVERIFY(!wireFromStorage(pretty, QStringLiteral("evil")));
        QVERIFY(!wireFromStorage("{\"analysisType\":\"", job.owner));
        QVERIFY(!wireFromStorage("", job.owner));
        QVERIFY(!wireFromStorage("{\"analysisType\":\"x\",\"owner\":", job.owner));
        // No owner member at all: nobody's job.
        Job ownerless = fresh();
        ownerless.owner.clear();
        QVERIFY(!wireFromStorage(serializeJob(ownerless, JobJsonScope::Storage), QStringLiteral("acme")));
    }

    void statusPeek()
    {
        Job job = finished();
        QCOMPARE(statusOfJobJson(serializeJob(job, JobJsonScope::Wire)), JobStatus::Succeeded);
        job.status = JobStatus::Running;
        job.result.reset();
        QCOMPARE(statusOfJobJson(serializeJob(job, JobJsonScope::Storage)), JobStatus::Running);
        QCOMPARE(statusOfJobJson(QByteArray::fromStdString(jobToJson(job).dump(1))), JobStatus::Running);
        QCOMPARE(statusOfJobJson("garbage"), std::nullopt);
        QCOMPARE(statusOfJobJson(R"({"x":1,"status":"bogus","updatedAt":1})"), std::nullopt);
    }

    void etagIsStable()
    {
        const QByteArray wire = serializeJob(finished(), JobJsonScope::Wire);
        QCOMPARE(jsonEtag(wire), jsonEtag(QByteArray(wire)));
        QVERIFY(jsonEtag(wire) != jsonEtag(QByteArray(wire).append(' ')));
        QCOMPARE(jsonEtag(wire).size(), 18);
    }
};

QTEST_GUILESS_MAIN(TestJobJson)
#include "tst_jobjson.moc"
