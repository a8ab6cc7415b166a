// The results library on its storage thread: writes are ordered, answered back on the caller's
// thread, visible to the caller's own read connection, and never lost at shutdown. Real SQLite.
#include "storage/AsyncResultsLibrary.h"
#include "storage/ResultsLibrary.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace dealscope;
using namespace Qt::Literals::StringLiterals;

class TestAsyncResultsLibrary final : public QObject
{
    Q_OBJECT

    static nlohmann::json job(
        const std::string &id, const std::string &listingId, std::optional<double> score, qint64 finishedAt)
    {
        nlohmann::json result { { "summary", "ok" }, { "engine", "builtin" } };
        if (score)
            result["score"] = *score;
        return { { "id", id }, { "listingId", listingId }, { "analysisType", "valuation" }, { "status", "succeeded" },
            { "progress", 100 }, { "finishedAt", finishedAt }, { "backend", "local" }, { "result", result } };
    }
    static nlohmann::json listing(const std::string &id, const std::string &title)
    {
        return { { "id", id }, { "title", title } };
    }

    QTemporaryDir m_dir;

private Q_SLOTS:
    void storesOnItsThreadAndAnswersOnTheCallers()
    {
        const QString file = m_dir.filePath(u"a.sqlite"_s);
        ResultsLibrary reader;
        QVERIFY(reader.open(file));
        AsyncResultsLibrary lib;
        lib.open(file);

        QThread *storeThread = nullptr;
        QThread *answerThread = nullptr;
        QStringList order;
        bool okSeen = false;
        lib.store(
            [&] {
                storeThread = QThread::currentThread();
                return job("j1", "L1", 70, 1000);
            },
            [] { return listing("L1", "Austin Car Wash"); }, this,
            [&](bool ok, const QString &) {
                answerThread = QThread::currentThread();
                okSeen = ok;
                order << u"j1"_s;
                // What the caller does next: read it through its own connection.
                QVERIFY(reader.contains(u"j1"_s));
            });
        lib.store(job("j2", "L1", 40, 2000), listing("L1", "Austin Car Wash"), this,
            [&](bool, const QString &) { order << u"j2"_s; });
        QTRY_COMPARE(order.size(), 2);
        QCOMPARE(order, QStringList({ u"j1"_s, u"j2"_s })); // in the order asked
        QVERIFY(okSeen);
        QVERIFY(storeThread && storeThread != QThread::currentThread());
        QCOMPARE(answerThread, QThread::currentThread());
        QCOMPARE(reader.count(), 2);
        QCOMPARE(reader.get(u"j1"_s)->listingTitle, u"Austin Car Wash"_s);

        // latestScores comes back after the writes asked for before it: the newest score.
        QHash<QString, double> scores;
        bool answered = false;
        lib.latestScores(this, [&](const QHash<QString, double> &s) {
            scores = s;
            answered = true;
        });
        QTRY_VERIFY(answered);
        QCOMPARE(scores.size(), 1);
        QCOMPARE(scores.value(u"L1"_s), 40.0);

        // A search asked right after a write sees it.
        lib.store(job("j3", "L7", 90, 3000), listing("L7", "Boise Print Shop"), this, {});
        QList<StoredResult> rows;
        answered = false;
        ResultQuery query;
        query.text = u"print"_s;
        lib.search(query, this, [&](const QList<StoredResult> &r) {
            rows = r;
            answered = true;
        });
        QTRY_VERIFY(answered);
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.at(0).jobId, u"j3"_s);
        QCOMPARE(rows.at(0).listingTitle, u"Boise Print Shop"_s);
        answered = false;
        lib.search({}, this, [&](const QList<StoredResult> &r) {
            rows = r;
            answered = true;
        });
        QTRY_VERIFY(answered);
        QCOMPARE(rows.size(), 3);
        QCOMPARE(rows.at(0).jobId, u"j3"_s); // newest first
    }

    // A burst of finished analyses: one transaction, one answer with an outcome per result; a
    // result that cannot be stored keeps neither itself nor the others from being answered.
    void storesManyInOneAnswer()
    {
        const QString file = m_dir.filePath(u"many.sqlite"_s);
        ResultsLibrary reader;
        QVERIFY(reader.open(file));
        AsyncResultsLibrary lib;
        lib.open(file);
        QList<AsyncResultsLibrary::StoreRequest> requests;
        for (int i = 0; i < 50; ++i) {
            const std::string id = "m" + std::to_string(i);
            requests.append({ [id, i] { return job(id, "L" + std::to_string(i), i, 1000 + i); },
                [i] { return listing("L" + std::to_string(i), "Shop " + std::to_string(i)); } });
        }
        requests.insert(10, { [] { return nlohmann::json { { "id", "broken" } }; }, {} }); // no result
        int answers = 0;
        QList<ResultsLibrary::Stored> outcomes;
        lib.storeAll(requests, this, [&](const QList<ResultsLibrary::Stored> &o) {
            ++answers;
            outcomes = o;
        });
        QTRY_COMPARE(answers, 1);
        QCOMPARE(outcomes.size(), 51);
        QVERIFY(outcomes.at(9).ok);
        QVERIFY(!outcomes.at(10).ok);
        QVERIFY(!outcomes.at(10).error.isEmpty());
        QVERIFY(outcomes.at(11).ok);
        QCOMPARE(reader.count(), 50);
        QCOMPARE(reader.get(u"m49"_s)->listingTitle, u"Shop 49"_s);
    }

    void reportsAFailedWrite()
    {
        AsyncResultsLibrary lib;
        lib.open(m_dir.filePath(u"b.sqlite"_s));
        bool answered = false;
        bool ok = true;
        QString error;
        nlohmann::json noResult = job("x", "L1", 1, 1);
        noResult.erase("result");
        lib.store(noResult, listing("L1", "t"), this, [&](bool o, const QString &e) {
            answered = true;
            ok = o;
            error = e;
        });
        QTRY_VERIFY(answered);
        QVERIFY(!ok);
        QVERIFY(error.contains(u"result"_s));

        // Not opened at all: answered at once, no thread work.
        AsyncResultsLibrary closed;
        answered = false;
        closed.store(job("y", "L1", 1, 1), listing("L1", "t"), this, [&](bool o, const QString &) {
            answered = true;
            ok = o;
        });
        QVERIFY(answered);
        QVERIFY(!ok);
    }

    void unopenableFileStoresNothing()
    {
        QFile blocker(m_dir.filePath(u"file"_s));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        AsyncResultsLibrary lib;
        lib.open(m_dir.filePath(u"file/under/a/file.sqlite"_s));
        bool answered = false;
        bool ok = true;
        lib.store(job("z", "L1", 1, 1), listing("L1", "t"), this, [&](bool o, const QString &) {
            answered = true;
            ok = o;
        });
        QTRY_VERIFY(answered);
        QVERIFY(!ok);
        // Reads are answered too (empty), so a view counting its requests in flight settles.
        int searches = 0;
        int scoreReplies = 0;
        lib.search(ResultQuery {}, this, [&](const QList<StoredResult> &rows) {
            QVERIFY(rows.isEmpty());
            ++searches;
        });
        lib.latestScores(this, [&](const QHash<QString, double> &scores) {
            QVERIFY(scores.isEmpty());
            ++scoreReplies;
        });
        QCOMPARE(searches, 0); // never synchronous
        QTRY_COMPARE(searches, 1);
        QTRY_COMPARE(scoreReplies, 1);
    }

    void shutdownFinishesQueuedWritesAndDropsAnswersToGoneCallers()
    {
        const QString file = m_dir.filePath(u"c.sqlite"_s);
        int answers = 0;
        {
            AsyncResultsLibrary lib;
            lib.open(file);
            auto gone = std::make_unique<QObject>();
            for (int i = 0; i < 200; ++i) {
                lib.store(job("k" + std::to_string(i), "L" + std::to_string(i % 7), i, i), listing("L", "t"),
                    i % 2 ? gone.get() : this, [&](bool, const QString &) { ++answers; });
            }
            gone.reset(); // half of the callers are gone before their answer arrives
            lib.waitForIdle();
            QCoreApplication::processEvents();
            QCOMPARE(answers, 100);
            for (int i = 200; i < 400; ++i)
                lib.store(job("k" + std::to_string(i), "L1", i, i), listing("L", "t"), this, {});
            // Destroyed with 200 writes still queued.
        }
        ResultsLibrary reader;
        QVERIFY(reader.open(file));
        QCOMPARE(reader.count(), 400);
        QCOMPARE(reader.latestScores().value(u"L1"_s), 399.0);
    }
};

QTEST_GUILESS_MAIN(TestAsyncResultsLibrary)
#include "tst_asyncresultslibrary.moc"
