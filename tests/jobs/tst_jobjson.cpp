// The server's job serialisation: byte-identical to jobToJson().dump() (so ETags agree with every
// other writer), the owner strip of stored JSON without a parse, and the status peek, including
// hostile strings and JSON the server did not write.

#include "jobs/Job.h"
#include "jobs/JobJson.h"

#include <QLoggingCategory>
#include <QScopeGuard>
#include <QTest>

#include <limits>

using namespace dealscope;

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
        job.params = nlohmann::json { { "downPaymentPct", 0.2 },
            { "nested", { { "status", "queued" }, { "owner", "evil" } } } };
        job.status = JobStatus::Succeeded;
        job.progress = 100;
        job.startedAt = 1764300000001;
        job.finishedAt = 1764300000002;
        job.updatedAt = 1764300000002;
        job.partialOutput = QStringLiteral("Analysis complete");
        job.result = nlohmann::json { { "score", 71 }, { "summary", "a \"quoted\" ,\"status\":\"failed\" text" },
            { "findings", nlohmann::json::array({ { { "status", "x" } } }) } };
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
        for (int i = 0; i < 7; ++i)
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
            nlohmann::json result = *job.result;
            result["numbers"] = nlohmann::json::array({ 1.0 / 3, 1e-7, 1e21, 1e15, 1e16, 123456.789, -0.0, 0.0, 5e-324,
                1.7976931348623157e308, -2.5, 100.0, 0.1 + 0.2, 1e-5, 0.0001, std::numeric_limits<double>::quiet_NaN(),
                std::numeric_limits<double>::infinity() });
            result["integers"] = nlohmann::json::array(
                { 0, -1, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::uint64_t>::max(), 42u });
            result["nested"]
                = { { "empty", nlohmann::json::object() }, { "none", nlohmann::json::array() }, { "null", nullptr },
                      { "yes", true }, { "no", false }, { "z", { { "b", 1 }, { "a", "\u00e9\"\\\n\x1f end" } } } };
            job.result = std::move(result);
        }
        if (which == 6) {
            // Escapes first, last, back to back, and far into a long string (the writer claims
            // room for the plain bytes up front and more at each escape).
            QString every;
            for (char16_t c = 1; c < 0x80; ++c)
                every += QChar(c);
            job.partialOutput = QStringLiteral("\n\"") + every + QStringLiteral("\\\x01\t");
            QString longText;
            for (int i = 0; i < 2000; ++i)
                longText += QStringLiteral("abcdef\n\x02é");
            job.error = longText;
            job.result = nlohmann::json { { "keys",
                { { "\"quoted\" key\n", 1 }, { "", 2 }, { "\x1f", every.toStdString() } } } };
        }
        for (const auto scope : { JobJsonScope::Wire, JobJsonScope::Storage })
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
        QVERIFY(!parseJob(QByteArray(reference(job, JobJsonScope::Storage))
                              .replace("\"result\":{", "\"result\":[{")
                              .replace("},\"startedAt\"", "}],\"startedAt\"")));
    }

    // The fast path of parseJob() against nlohmann + jobFromJson() (the general way): the same
    // job whenever it answers, and it answers for what a claim hands a worker.
    void canonicalParseAgreesWithTheGeneralOne()
    {
        const auto general = [](QByteArrayView bytes) -> std::optional<Job> {
            auto j = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
            if (j.is_discarded() || !j.is_object())
                return std::nullopt;
            if (j.contains("result") && !j["result"].is_object())
                return std::nullopt;
            try {
                return jobFromJson(j);
            } catch (const std::exception &) {
                return std::nullopt;
            }
        };
        // parseJob() logs every unreadable job; thousands of mutated ones are expected here.
        QLoggingCategory::setFilterRules(QStringLiteral("dealscope.server.store.warning=false"));
        const auto logging = qScopeGuard([] { QLoggingCategory::setFilterRules(QString()); });
        int fast = 0, checked = 0;
        const auto agree = [&](const QByteArray &bytes) {
            ++checked;
            const auto expected = general(bytes);
            const auto viaParseJob = parseJob(bytes);
            if (viaParseJob != expected)
                return false;
            if (const auto canonical = parseCanonicalJob(bytes)) {
                ++fast;
                return expected && *canonical == *expected;
            }
            return true;
        };

        Job claimed = fresh();
        claimed.status = JobStatus::Running;
        claimed.startedAt = 1764300000005;
        QVERIFY(parseCanonicalJob(serializeJob(claimed, JobJsonScope::Storage))); // the case it is for
        QCOMPARE(*parseCanonicalJob(serializeJob(claimed, JobJsonScope::Storage)), claimed);

        QList<Job> jobs;
        for (int status = 0; status < 5; ++status) {
            for (int variant = 0; variant < 12; ++variant) {
                Job j = fresh();
                j.status = JobStatus(status);
                switch (variant) {
                case 1:
                    j.progress = 37;
                    j.cancelRequested = true;
                    j.attempt = 3;
                    break;
                case 2:
                    j.progress = 12.5;
                    break;
                case 3:
                    j.progress = 100;
                    j.finishedAt = 1764300000009;
                    j.error = QStringLiteral("timed out, \"quoted\"");
                    break;
                case 4:
                    j.backend = QStringLiteral("remote");
                    j.owner.clear();
                    j.requestId.clear();
                    break;
                case 5:
                    j.params = nlohmann::json { { "interestRate", 0.07 } };
                    break;
                case 6:
                    j.result = nlohmann::json { { "score", 1 } };
                    break;
                case 7:
                    j.listingId = QStringLiteral("Ünïcødé €");
                    break;
                case 8:
                    j.id = QString(512, QLatin1Char('a'));
                    j.partialOutput = QString(5000, QLatin1Char('p'));
                    break;
                case 9:
                    j.id = QString(513, QLatin1Char('a'));
                    break; // too long: refused both ways
                case 10:
                    j.attempt = 1000000;
                    j.startedAt = 0;
                    j.createdAt = 0;
                    break;
                case 11:
                    j.attempt = 1000001;
                    break; // out of range: refused both ways
                default:
                    break;
                }
                jobs.append(j);
            }
        }
        for (const Job &j : jobs) {
            for (const auto scope : { JobJsonScope::Wire, JobJsonScope::Storage }) {
                const QByteArray bytes = serializeJob(j, scope);
                QVERIFY2(agree(bytes), bytes.constData());
            }
        }
        // Every truncation of a claimed job, and every byte replaced or inserted.
        const QByteArray base = serializeJob(claimed, JobJsonScope::Storage);
        for (qsizetype at = 0; at <= base.size(); ++at) {
            QVERIFY2(agree(base.left(at)), qPrintable(QString::number(at)));
            for (const char c : { ' ', '"', '\\', '0', '9', '-', '.', 'e', 'x', ',', '}', '{', '\x01', '\xc3' }) {
                QByteArray inserted = base;
                inserted.insert(at, c);
                QVERIFY2(agree(inserted), inserted.constData());
                if (at < base.size()) {
                    QByteArray replaced = base;
                    replaced[at] = c;
                    QVERIFY2(agree(replaced), replaced.constData());
                }
            }
        }
        // Valid JSON in another shape: the same job through the general way.
        QVERIFY(agree(base + ' '));
        QVERIFY(agree(QByteArray(base).replace(",\"cancelRequested\":false", ",\"cancelRequested\":null")));
        QVERIFY(agree(QByteArray(base).replace(",\"attempt\":1", ",\"attempt\":1.0")));
        QVERIFY(agree(QByteArray(base).replace(",\"createdAt\":1764300000000", ",\"createdAt\":1.7643e12")));
        QVERIFY(agree(QByteArray(base).replace(",\"createdAt\":1764300000000", ",\"createdAt\":99999999999999999999")));
        QVERIFY(agree(QByteArray(base).replace(",\"createdAt\":1764300000000", ",\"createdAt\":-1")));
        QVERIFY(agree(QByteArray(base).replace(",\"progress\":0.0", ",\"progress\":100.5")));
        QVERIFY(agree(QByteArray(base).replace(",\"progress\":0.0", ",\"progress\":101")));
        QVERIFY(agree(QByteArray(base).replace("\"id\":\"V1St", "\"id\":\"\\u0041St")));
        QVERIFY(agree(QByteArray(base).replace(",\"id\":", ",\"id\":\"dup\",\"id\":")));
        QVERIFY(fast > 100);
        QVERIFY(checked > 5000);
    }

    void wireFromStorageStripsTheOwner()
    {
        for (const Job &job : { fresh(), finished() }) {
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

    void listingSnapshotIsStoredButNeverOnTheWire()
    {
        // A snapshot whose strings look like the members around it: quotes, braces, `,"owner":`.
        Listing listing;
        listing.id = QStringLiteral("B42");
        listing.title = QStringLiteral("Shop \"},\"owner\":\"evil\",\"listingId\":{ }");
        listing.description = QStringLiteral("braces { [ ] } and \\ backslashes\n");
        listing.askingPrice = 450000;
        listing.cashFlow = 120000;
        listing.inventoryIncluded = false;
        for (Job job : { fresh(), finished() }) {
            job.listing = listing;
            const QByteArray stored = serializeJob(job, JobJsonScope::Storage);
            QCOMPARE(stored, reference(job, JobJsonScope::Storage));
            QVERIFY(stored.contains("\"listing\":{"));
            const QByteArray wire = serializeJob(job, JobJsonScope::Wire);
            QCOMPARE(wire, reference(job, JobJsonScope::Wire));
            QVERIFY(!wire.contains("\"listing\""));
            QCOMPARE(wireFromStorage(stored, job.owner).value_or("none"), wire);
            QVERIFY(!wireFromStorage(stored, QStringLiteral("evil")));
            const auto parsed = parseJob(stored);
            QVERIFY(parsed);
            QVERIFY(parsed->listing);
            QCOMPARE(*parsed->listing, listing);
            QCOMPARE(*parsed, job);
        }
        // A stored listing member that is not an object falls back to the exact path and is refused.
        QByteArray broken = serializeJob(fresh(), JobJsonScope::Storage);
        broken.replace(",\"listingId\":", ",\"listing\":{\"id\":\"B42\",\"listingId\":");
        QVERIFY(!wireFromStorage(broken, QStringLiteral("acme")));
        QVERIFY(!parseJob(broken));
    }

    void wireFromStorageWithHostileOwners()
    {
        for (const QString &owner : { QStringLiteral("a\",\"owner\":\"b"), QStringLiteral("\\"), QStringLiteral("ü\n"),
                 QStringLiteral("x}") }) {
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
