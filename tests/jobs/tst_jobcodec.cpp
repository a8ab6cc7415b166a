#include "jobs/Job.h"

#include <QTest>

#include <nlohmann/json.hpp>

using nlohmann::json;
using namespace dealscope;

class TestJobCodec final : public QObject
{
    Q_OBJECT

private:
    static Job fullJob()
    {
        Job job;
        job.id = QStringLiteral("V1StGXR8_Z5jdHi6B-myT");
        job.listingId = QStringLiteral("2150243");
        job.analysisType = QStringLiteral("valuation");
        job.params = json { { "downPaymentPct", 0.2 }, { "termYears", 7 } };
        job.status = JobStatus::Succeeded;
        job.progress = 100;
        job.partialOutput = QStringLiteral("Computing SDE multiple… ✓");
        job.result = json { { "score", 72 }, { "metrics", { { "sdeMultiple", 2.5 }, { "dscr", nullptr } } } };
        job.createdAt = 1764300000000;
        job.updatedAt = 1764300004321;
        job.cancelRequested = false;
        job.attempt = 2;
        job.startedAt = 1764300001000;
        job.finishedAt = 1764300004321;
        job.requestId = QStringLiteral("req-42");
        job.backend = QStringLiteral("local");
        job.owner = QStringLiteral("tenant-a");
        return job;
    }

    static json minimalJson()
    {
        return json { { "id", "abc" }, { "listingId", "L1" }, { "analysisType", "risk_assessment" },
            { "status", "queued" }, { "createdAt", 1 }, { "updatedAt", 2 } };
    }

    static QString errorOf(const json &j)
    {
        try {
            (void)jobFromJson(j);
        } catch (const std::invalid_argument &e) {
            return QString::fromUtf8(e.what());
        }
        return {};
    }

private Q_SLOTS:
    void statusNames()
    {
        const QList<JobStatus> all
            = { JobStatus::Queued, JobStatus::Running, JobStatus::Succeeded, JobStatus::Failed, JobStatus::Canceled };
        const QStringList names = { QStringLiteral("queued"), QStringLiteral("running"), QStringLiteral("succeeded"),
            QStringLiteral("failed"), QStringLiteral("canceled") };
        for (int i = 0; i < all.size(); ++i) {
            QCOMPARE(jobStatusName(all[i]), names[i]);
            QCOMPARE(parseJobStatus(names[i]), all[i]);
        }
        QVERIFY(!parseJobStatus(u"Queued"));
        QVERIFY(!parseJobStatus(u""));
        QVERIFY(!isTerminal(JobStatus::Queued));
        QVERIFY(!isTerminal(JobStatus::Running));
        QVERIFY(isTerminal(JobStatus::Succeeded));
        QVERIFY(isTerminal(JobStatus::Failed));
        QVERIFY(isTerminal(JobStatus::Canceled));
    }

    void roundTripStorage()
    {
        const Job job = fullJob();
        const json j = jobToJson(job, JobJsonScope::Storage);
        QCOMPARE(jobFromJson(j), job);
        // Through text as well: what SQLite and the wire actually carry.
        QCOMPARE(jobFromJson(json::parse(j.dump())), job);
    }

    void wireOmitsOwner()
    {
        const Job job = fullJob();
        const json j = jobToJson(job);
        QVERIFY(!j.contains("owner"));
        Job back = jobFromJson(j);
        QVERIFY(back.owner.isEmpty());
        back.owner = job.owner;
        QCOMPARE(back, job);
    }

    void fieldNamesExactlyAsSpec()
    {
        const json j = jobToJson(fullJob());
        for (const char *key : { "id", "listingId", "analysisType", "params", "status", "progress", "partialOutput",
                 "result", "error", "createdAt", "updatedAt", "cancelRequested", "attempt", "startedAt", "finishedAt",
                 "requestId", "backend" }) {
            if (std::string(key) == "error")
                continue; // empty error is omitted
            QVERIFY2(j.contains(key), key);
        }
        QCOMPARE(j.at("status").get<std::string>(), std::string("succeeded"));
        QVERIFY(j.at("createdAt").is_number_integer());
        QVERIFY(j.at("cancelRequested").is_boolean());
    }

    void optionalFieldsOmitted()
    {
        Job job;
        job.id = QStringLiteral("x");
        job.listingId = QStringLiteral("L");
        job.analysisType = QStringLiteral("valuation");
        const json j = jobToJson(job);
        for (const char *key :
            { "result", "error", "startedAt", "finishedAt", "requestId", "backend", "partialOutput", "owner" })
            QVERIFY2(!j.contains(key), key);
        QVERIFY(j.at("params").is_object());
        QCOMPARE(j.at("attempt").get<int>(), 1);
    }

    void minimalAndNullsAccepted()
    {
        json j = minimalJson();
        j["result"] = nullptr;
        j["startedAt"] = nullptr;
        j["params"] = nullptr;
        const Job job = jobFromJson(j);
        QCOMPARE(job.id, QStringLiteral("abc"));
        QCOMPARE(job.attempt, 1);
        QCOMPARE(job.progress, 0.0);
        QVERIFY(!job.result);
        QVERIFY(!job.startedAt);
        QVERIFY(job.params.is_object());
        QVERIFY(job.params.empty());
    }

    void floatTimestampAccepted()
    {
        json j = minimalJson();
        j["createdAt"] = 1.7643e12;
        QCOMPARE(jobFromJson(j).createdAt, qint64(1764300000000));
    }

    void malformed_data()
    {
        QTest::addColumn<QByteArray>("patch"); // JSON object merged into the minimal job; "!" removes
        QTest::addColumn<QString>("field");

        QTest::newRow("missing id") << QByteArray(R"({"id":"!"})") << QStringLiteral("id");
        QTest::newRow("empty id") << QByteArray(R"({"id":""})") << QStringLiteral("id");
        QTest::newRow("numeric id") << QByteArray(R"({"id":42})") << QStringLiteral("id");
        QTest::newRow("missing listingId") << QByteArray(R"({"listingId":"!"})") << QStringLiteral("listingId");
        QTest::newRow("array analysisType") << QByteArray(R"({"analysisType":[]})") << QStringLiteral("analysisType");
        QTest::newRow("unknown status") << QByteArray(R"({"status":"done"})") << QStringLiteral("status");
        QTest::newRow("missing status") << QByteArray(R"({"status":"!"})") << QStringLiteral("status");
        QTest::newRow("progress string") << QByteArray(R"({"progress":"50"})") << QStringLiteral("progress");
        QTest::newRow("progress > 100") << QByteArray(R"({"progress":100.5})") << QStringLiteral("progress");
        QTest::newRow("progress < 0") << QByteArray(R"({"progress":-1})") << QStringLiteral("progress");
        QTest::newRow("params array") << QByteArray(R"({"params":[1,2]})") << QStringLiteral("params");
        QTest::newRow("params string") << QByteArray(R"({"params":"x"})") << QStringLiteral("params");
        QTest::newRow("result string") << QByteArray(R"({"result":"ok"})") << QStringLiteral("result");
        QTest::newRow("createdAt missing") << QByteArray(R"({"createdAt":"!"})") << QStringLiteral("createdAt");
        QTest::newRow("createdAt string") << QByteArray(R"({"createdAt":"yesterday"})") << QStringLiteral("createdAt");
        QTest::newRow("createdAt negative") << QByteArray(R"({"createdAt":-5})") << QStringLiteral("createdAt");
        QTest::newRow("updatedAt fraction") << QByteArray(R"({"updatedAt":1.5})") << QStringLiteral("updatedAt");
        QTest::newRow("updatedAt huge") << QByteArray(R"({"updatedAt":18446744073709551615})")
                                        << QStringLiteral("updatedAt");
        QTest::newRow("cancelRequested int")
            << QByteArray(R"({"cancelRequested":1})") << QStringLiteral("cancelRequested");
        QTest::newRow("attempt zero") << QByteArray(R"({"attempt":0})") << QStringLiteral("attempt");
        QTest::newRow("attempt float") << QByteArray(R"({"attempt":1.5})") << QStringLiteral("attempt");
        QTest::newRow("attempt string") << QByteArray(R"({"attempt":"1"})") << QStringLiteral("attempt");
        QTest::newRow("startedAt bool") << QByteArray(R"({"startedAt":true})") << QStringLiteral("startedAt");
        QTest::newRow("error number") << QByteArray(R"({"error":500})") << QStringLiteral("error");
        QTest::newRow("partialOutput object")
            << QByteArray(R"({"partialOutput":{}})") << QStringLiteral("partialOutput");
        QTest::newRow("backend unknown") << QByteArray(R"({"backend":"cloud"})") << QStringLiteral("backend");
        QTest::newRow("owner number") << QByteArray(R"({"owner":7})") << QStringLiteral("owner");
        QTest::newRow("listing string") << QByteArray(R"({"listing":"B42"})") << QStringLiteral("listing");
        QTest::newRow("listing without title")
            << QByteArray(R"({"listing":{"id":"B42"}})") << QStringLiteral("listing");
        QTest::newRow("listing price text")
            << QByteArray(R"({"listing":{"id":"B42","title":"Shop","askingPrice":"lots"}})")
            << QStringLiteral("listing");
        QTest::newRow("huge listingId") << QByteArray(R"({"listingId":")" + QByteArray(100000, 'x') + R"("})")
                                        << QStringLiteral("listingId");
    }

    void malformed()
    {
        QFETCH(QByteArray, patch);
        QFETCH(QString, field);
        json j = minimalJson();
        const json changes = json::parse(patch.toStdString());
        for (const auto &[key, value] : changes.items()) {
            if (value.is_string() && value.get<std::string>() == "!")
                j.erase(key);
            else
                j[key] = value;
        }
        const QString error = errorOf(j);
        QVERIFY2(!error.isEmpty(), "expected std::invalid_argument");
        QVERIFY2(error.contains(QLatin1Char('\'') + field + QLatin1Char('\'')), qPrintable(error));
    }

    void notAnObject_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("array") << QByteArray("[]");
        QTest::newRow("null") << QByteArray("null");
        QTest::newRow("string") << QByteArray("\"job\"");
        QTest::newRow("number") << QByteArray("42");
        QTest::newRow("empty object") << QByteArray("{}");
    }

    void notAnObject()
    {
        QFETCH(QByteArray, text);
        QVERIFY(!errorOf(json::parse(text.toStdString())).isEmpty());
    }

    void deeplyNestedParamsSurvive()
    {
        json j = minimalJson();
        json nested = json::object();
        json *cursor = &nested;
        for (int i = 0; i < 200; ++i) {
            (*cursor)["n"] = json::object();
            cursor = &(*cursor)["n"];
        }
        j["params"] = nested;
        const Job job = jobFromJson(j);
        QVERIFY(jobToJson(job).at("params") == nested);
    }
};

QTEST_GUILESS_MAIN(TestJobCodec)
#include "tst_jobcodec.moc"
