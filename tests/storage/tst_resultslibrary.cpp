#include "storage/ResultsLibrary.h"

#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace dealscope;
using namespace Qt::Literals::StringLiterals;

class TestResultsLibrary final : public QObject
{
    Q_OBJECT

    static nlohmann::json job(const std::string &id, const std::string &listingId, const std::string &type,
        std::optional<double> score, qint64 finishedAt)
    {
        nlohmann::json result { { "summary", "ok" }, { "engine", "builtin" } };
        if (score)
            result["score"] = *score;
        return { { "id", id }, { "listingId", listingId }, { "analysisType", type }, { "status", "succeeded" },
            { "progress", 100 }, { "finishedAt", finishedAt }, { "backend", "local" }, { "result", result } };
    }
    static nlohmann::json listing(const std::string &id, const std::string &title)
    {
        return { { "id", id }, { "title", title }, { "askingPrice", 500000 } };
    }

    QTemporaryDir m_dir;

private Q_SLOTS:
    void storesAndReadsBack()
    {
        ResultsLibrary lib;
        QVERIFY2(lib.open(m_dir.filePath(u"a/results.sqlite"_s)), qPrintable(lib.errorString()));
        QVERIFY(lib.store(job("j1", "L1", "valuation", 72.5, 1000), listing("L1", "Car Wash in Austin")));
        QCOMPARE(lib.count(), 1);
        const auto r = lib.get(u"j1"_s);
        QVERIFY(r);
        QCOMPARE(r->listingTitle, u"Car Wash in Austin"_s);
        QCOMPARE(r->analysisType, u"valuation"_s);
        QCOMPARE(*r->score, 72.5);
        QCOMPARE(r->engine, u"builtin"_s);
        QVERIFY(r->job["result"]["summary"] == "ok");
        QVERIFY(r->listing["askingPrice"] == 500000);
        // Replacing the same job id keeps one row.
        QVERIFY(lib.store(job("j1", "L1", "valuation", 80, 1001), listing("L1", "Car Wash in Austin")));
        QCOMPARE(lib.count(), 1);
        QCOMPARE(*lib.get(u"j1"_s)->score, 80.0);
    }

    void persistsAcrossInstances()
    {
        const QString file = m_dir.filePath(u"p.sqlite"_s);
        {
            ResultsLibrary lib;
            QVERIFY(lib.open(file));
            QVERIFY(lib.store(job("p1", "L9", "risk_assessment", 10, 5), listing("L9", "Bakery")));
        }
        ResultsLibrary again;
        QVERIFY(again.open(file));
        QVERIFY(again.contains(u"p1"_s));
        QCOMPARE(again.get(u"p1"_s)->listingTitle, u"Bakery"_s);
    }

    void rejectsJobsWithoutResult()
    {
        ResultsLibrary lib;
        QVERIFY(lib.open(m_dir.filePath(u"r.sqlite"_s)));
        nlohmann::json j = job("x", "L", "valuation", 1, 1);
        j.erase("result");
        QVERIFY(!lib.store(j, listing("L", "T")));
        QVERIFY(!lib.errorString().isEmpty());
        QVERIFY(!lib.store(nlohmann::json::array(), listing("L", "T")));
        QVERIFY(!lib.store(nlohmann::json { { "result", { { "score", 1 } } } }, listing("L", "T"))); // no id
        QCOMPARE(lib.count(), 0);
        ResultsLibrary closed;
        QVERIFY(!closed.store(job("y", "L", "valuation", 1, 1), listing("L", "T")));
        QVERIFY(closed.search({}).isEmpty());
    }

    void searchesByListingTypeDateScore()
    {
        ResultsLibrary lib;
        QVERIFY(lib.open(m_dir.filePath(u"s.sqlite"_s)));
        QVERIFY(lib.store(job("a", "100", "valuation", 90, 1000), listing("100", "Pizza 50% off_deal")));
        QVERIFY(lib.store(job("b", "100", "risk_assessment", 40, 2000), listing("100", "Pizza 50% off_deal")));
        QVERIFY(lib.store(job("c", "200", "valuation", 60, 3000), listing("200", "Plumbing Co")));
        QVERIFY(lib.store(job("d", "300", "market_intelligence", std::nullopt, 4000), listing("300", "Salon")));

        auto ids = [&](const ResultQuery &q) {
            QStringList out;
            for (const auto &r : lib.search(q))
                out << r.jobId;
            return out;
        };
        QCOMPARE(ids({}), (QStringList { u"d"_s, u"c"_s, u"b"_s, u"a"_s })); // newest first
        ResultQuery q;
        q.text = u"pizza"_s;
        QCOMPARE(ids(q), (QStringList { u"b"_s, u"a"_s }));
        q.text = u"200"_s;
        QCOMPARE(ids(q), QStringList { u"c"_s });
        q.text = u"50%"_s; // literal percent, not a wildcard
        QCOMPARE(ids(q), (QStringList { u"b"_s, u"a"_s }));
        q.text = u"%"_s;
        QCOMPARE(ids(q).size(), 2);
        q.text = u"'; DROP TABLE results; --"_s;
        QVERIFY(ids(q).isEmpty());
        QCOMPARE(lib.count(), 4);
        q = {};
        q.analysisType = u"valuation"_s;
        QCOMPARE(ids(q), (QStringList { u"c"_s, u"a"_s }));
        q = {};
        q.fromMs = 2000;
        q.toMs = 3000;
        QCOMPARE(ids(q), (QStringList { u"c"_s, u"b"_s }));
        q = {};
        q.minScore = 50;
        QCOMPARE(ids(q), (QStringList { u"c"_s, u"a"_s }));
        q = {};
        q.maxScore = 50;
        QCOMPARE(ids(q), QStringList { u"b"_s });
        q = {};
        q.limit = 1;
        QCOMPARE(ids(q), QStringList { u"d"_s });

        const auto latest = lib.latestFor(u"100"_s, u"valuation"_s);
        QVERIFY(latest);
        QCOMPARE(latest->jobId, u"a"_s);
        QVERIFY(!lib.latestFor(u"999"_s, u"valuation"_s));
        const auto scores = lib.latestScores();
        QCOMPARE(scores.value(u"100"_s), 40.0); // b finished after a
        QCOMPARE(scores.value(u"200"_s), 60.0);
        QVERIFY(!scores.contains(u"300"_s));
        QCOMPARE(lib.storedTypes(u"100"_s), (QSet<QString> { u"valuation"_s, u"risk_assessment"_s }));
        QCOMPARE(lib.storedTypes(u"300"_s), QSet<QString> { u"market_intelligence"_s });
        QVERIFY(lib.storedTypes(u"999"_s).isEmpty());
        QVERIFY(lib.storedTypes(u"' OR 1=1 --"_s).isEmpty()); // bound, not spliced into the SQL
    }

    void deletesAndExports()
    {
        ResultsLibrary lib;
        QVERIFY(lib.open(m_dir.filePath(u"d.sqlite"_s)));
        QVERIFY(lib.store(job("e1", "1", "valuation", 1, 1), listing("1", "One")));
        QVERIFY(lib.store(job("e2", "2", "valuation", 2, 2), listing("2", "Two \"quoted\"\n")));
        QVERIFY(lib.remove(u"e1"_s));
        QVERIFY(!lib.remove(u"e1"_s));
        QVERIFY(!lib.contains(u"e1"_s));
        const QString out = m_dir.filePath(u"export.json"_s);
        QVERIFY(lib.exportJson(out, {}));
        QFile f(out);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto exported = nlohmann::json::parse(f.readAll().toStdString());
        QCOMPARE(exported.size(), size_t(1));
        QVERIFY(exported[0]["job"]["id"] == "e2");
        QVERIFY(exported[0]["listing"]["title"] == "Two \"quoted\"\n");
        QVERIFY(!lib.exportJson(m_dir.filePath(u"no/such/dir/x.json"_s), {}));
    }

    // Issue 14 §6: notes and tags on listings and results, found by the library's search.
    void notesAndTagsAreStoredAndSearched()
    {
        ResultsLibrary lib;
        QVERIFY(lib.open(m_dir.filePath(u"notes.sqlite"_s)));
        QVERIFY(lib.store(job("n1", "L1", "valuation", 70, 100), listing("L1", "Austin Car Wash")));
        QVERIFY(lib.store(job("n2", "L1", "risk_assessment", 40, 200), listing("L1", "Austin Car Wash")));
        QVERIFY(lib.store(job("n3", "L2", "valuation", 55, 300), listing("L2", "Denver Pizza")));

        QVERIFY(lib.setAnnotation(AnnotationKind::Listing, u"L1"_s,
            { u"Owner open to seller financing"_s, Annotation::parseTags(u" shortlist, cash-flow ,Shortlist,,"_s) }));
        QVERIFY(lib.setAnnotation(
            AnnotationKind::Result, u"n3"_s, { u"50% off peak; 100_000 visits"_s, { u"call back"_s } }));
        QCOMPARE(
            lib.annotation(AnnotationKind::Listing, u"L1"_s).tags, (QStringList { u"shortlist"_s, u"cash-flow"_s }));
        QCOMPARE(lib.annotation(AnnotationKind::Result, u"n3"_s).notes, u"50% off peak; 100_000 visits"_s);
        QVERIFY(lib.annotation(AnnotationKind::Result, u"n1"_s).isEmpty());

        // Every result carries its own and its listing's notes.
        const auto n2 = lib.get(u"n2"_s);
        QCOMPARE(n2->listingNotes.notes, u"Owner open to seller financing"_s);
        QVERIFY(n2->notes.isEmpty());
        QCOMPARE(lib.get(u"n3"_s)->notes.tags, QStringList { u"call back"_s });

        const auto ids = [&](const QString &text) {
            ResultQuery q;
            q.text = text;
            QStringList out;
            for (const StoredResult &r : lib.search(q))
                out << r.jobId;
            out.sort();
            return out;
        };
        QCOMPARE(ids(u"SHORTLIST"_s), (QStringList { u"n1"_s, u"n2"_s })); // a listing's tag: all its results
        QCOMPARE(ids(u"seller financing"_s), (QStringList { u"n1"_s, u"n2"_s }));
        QCOMPARE(ids(u"call back"_s), QStringList { u"n3"_s });
        QCOMPARE(ids(u"50%"_s), QStringList { u"n3"_s }); // '%' and '_' are literal
        QCOMPARE(ids(u"0_0"_s), QStringList { u"n3"_s });
        QCOMPARE(ids(u"5_%"_s), QStringList {});
        QCOMPARE(ids(u"'; DROP TABLE results; --"_s), QStringList {});
        QCOMPARE(lib.count(), 3);

        // A comma inside a tag cannot split it later; an empty annotation removes the row.
        QVERIFY(lib.setAnnotation(AnnotationKind::Result, u"n1"_s, { QString(), { u"a,b"_s } }));
        QCOMPARE(lib.annotation(AnnotationKind::Result, u"n1"_s).tags, QStringList { u"a b"_s });
        QVERIFY(lib.setAnnotation(AnnotationKind::Result, u"n1"_s, {}));
        QVERIFY(lib.annotation(AnnotationKind::Result, u"n1"_s).isEmpty());
        // Huge notes are kept whole.
        const QString huge(200'000, u'x');
        QVERIFY(lib.setAnnotation(AnnotationKind::Listing, u"L2"_s, { huge, {} }));
        QCOMPARE(lib.annotation(AnnotationKind::Listing, u"L2"_s).notes.size(), huge.size());
    }

    void searchesByIdsInParts()
    {
        ResultsLibrary lib;
        QVERIFY(lib.open(m_dir.filePath(u"ids.sqlite"_s)));
        QList<std::pair<nlohmann::json, nlohmann::json>> rows;
        for (int i = 0; i < 4500; ++i) {
            const std::string id = "j" + std::to_string(i);
            rows.append(
                std::pair(job(id, "L" + std::to_string(i % 100), "valuation", i % 100, i), nlohmann::json::object()));
        }
        for (const auto &s : lib.storeAll(rows))
            QVERIFY(s.ok);
        ResultQuery q;
        q.limit = 100000;
        for (int i = 0; i < 4500; i += 2)
            q.jobIds << u"j%1"_s.arg(i);
        const auto found = lib.search(q);
        QCOMPARE(found.size(), 2250);
        QCOMPARE(found.first().jobId, u"j4498"_s); // newest first, across the parts
        ResultQuery byListing;
        byListing.listingIds = { u"L7"_s, u"L8"_s };
        byListing.limit = 100000;
        QCOMPARE(lib.search(byListing).size(), 90);
    }

    // A library written by an older version (schema 1, no notes) opens and gains them.
    void upgradesAVersionOneFile()
    {
        const QString file = m_dir.filePath(u"v1.sqlite"_s);
        {
            ResultsLibrary lib;
            QVERIFY(lib.open(file));
            QVERIFY(lib.store(job("old", "L1", "valuation", 10, 1), listing("L1", "Old")));
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"v1"_s);
            db.setDatabaseName(file);
            QVERIFY(db.open());
            QVERIFY(QSqlQuery(db).exec(u"DROP TABLE annotations"_s));
            QVERIFY(QSqlQuery(db).exec(u"PRAGMA user_version=1"_s));
            db.close();
        }
        QSqlDatabase::removeDatabase(u"v1"_s);
        ResultsLibrary lib;
        QVERIFY(lib.open(file));
        QCOMPARE(lib.get(u"old"_s)->listingTitle, u"Old"_s);
        QVERIFY(lib.setAnnotation(AnnotationKind::Result, u"old"_s, { u"kept"_s, {} }));
        QCOMPARE(lib.get(u"old"_s)->notes.notes, u"kept"_s);
    }

    void failsOnUnusablePath()
    {
        QFile blocker(m_dir.filePath(u"file"_s));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        ResultsLibrary lib;
        QVERIFY(!lib.open(m_dir.filePath(u"file/sub/results.sqlite"_s)));
        QVERIFY(!lib.errorString().isEmpty());
        QVERIFY(!lib.isOpen());
    }
};

QTEST_GUILESS_MAIN(TestResultsLibrary)
#include "tst_resultslibrary.moc"
