// BatchQueue: the hand-off of API requests to the store threads. Every item is processed exactly
// once, in push order within and across batches of one drain, never by more drains at a time than
// allowed, and a drain that throws neither loses items nor blocks later pushes.

#include "server/http/BatchQueue.h"

#include <QTest>
#include <QThreadPool>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <vector>

using dealscope::server::BatchQueue;

class TestBatchQueue final : public QObject
{
    Q_OBJECT

private slots:
    void pushAsksForAtMostMaxDrains()
    {
        BatchQueue<int> queue(2);
        QVERIFY(queue.push(1));
        QVERIFY(queue.push(2));
        QVERIFY(!queue.push(3)); // two drains are due; the third item waits for one of them

        std::vector<int> seen;
        queue.drain(
            2, [&](QList<int> batch) { seen.insert(seen.end(), batch.begin(), batch.end()); },
            [] { QFAIL("no restart"); });
        QCOMPARE(seen, (std::vector<int> { 1, 2, 3 }));
        // One drain ended: one more may start. The other one still counts as running.
        QVERIFY(queue.push(4));
        QVERIFY(!queue.push(5));
        seen.clear();
        queue.drain(
            10, [&](QList<int> batch) { seen.insert(seen.end(), batch.begin(), batch.end()); },
            [] { QFAIL("no restart"); });
        queue.drain(
            10, [&](QList<int> batch) { seen.insert(seen.end(), batch.begin(), batch.end()); },
            [] { QFAIL("no restart"); });
        QCOMPARE(seen, (std::vector<int> { 4, 5 }));
        QVERIFY(queue.push(6));
        QVERIFY(queue.push(7));
    }

    void singleDrainKeepsOrderAndBatchSize()
    {
        BatchQueue<int> queue;
        for (int i = 0; i < 10; ++i)
            QCOMPARE(queue.push(i), i == 0);
        std::vector<qsizetype> sizes;
        std::vector<int> seen;
        queue.drain(
            4,
            [&](QList<int> batch) {
                sizes.push_back(batch.size());
                seen.insert(seen.end(), batch.begin(), batch.end());
            },
            [] {});
        QCOMPARE(sizes, (std::vector<qsizetype> { 4, 4, 2 }));
        QCOMPARE(seen, (std::vector<int> { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }));
    }

    void concurrentDrainsProcessEveryItemOnce_data()
    {
        QTest::addColumn<int>("maxDrains");
        QTest::newRow("one drain") << 1;
        QTest::newRow("two drains") << 2;
        QTest::newRow("three drains") << 3;
    }

    void concurrentDrainsProcessEveryItemOnce()
    {
        QFETCH(int, maxDrains);
        constexpr int kItems = 20000;
        BatchQueue<int> queue(maxDrains);
        QThreadPool pool;
        pool.setMaxThreadCount(4);
        std::atomic_int running { 0 }, mostRunning { 0 };
        std::mutex seenMutex;
        std::vector<int> seen;
        seen.reserve(kItems);
        std::function<void()> drain = [&] {
            queue.drain(
                16,
                [&](QList<int> batch) {
                    const int now = ++running;
                    int most = mostRunning.load();
                    while (now > most && !mostRunning.compare_exchange_weak(most, now)) { }
                    {
                        std::lock_guard lock(seenMutex);
                        seen.insert(seen.end(), batch.begin(), batch.end());
                    }
                    QThread::yieldCurrentThread();
                    --running;
                },
                [&] { pool.start(drain); });
        };
        for (int i = 0; i < kItems; ++i) {
            if (queue.push(i))
                pool.start(drain);
        }
        pool.waitForDone();
        QVERIFY2(mostRunning.load() <= maxDrains,
            qPrintable(QStringLiteral("%1 drains ran at once").arg(mostRunning.load())));
        std::sort(seen.begin(), seen.end());
        QCOMPARE(int(seen.size()), kItems);
        QVERIFY(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
        QCOMPARE(seen.front(), 0);
        QCOMPARE(seen.back(), kItems - 1);
        // Every drain ended: as many new ones may start as allowed.
        for (int d = 0; d < maxDrains; ++d)
            QVERIFY(queue.push(kItems + d));
        QVERIFY(!queue.push(-1));
    }

    void throwingDrainRestartsForWhatIsLeft()
    {
        BatchQueue<int> queue;
        for (int i = 0; i < 5; ++i)
            queue.push(i);
        int restarts = 0;
        bool threw = false;
        try {
            queue.drain(
                2, [&](QList<int>) { throw std::runtime_error("store failed"); }, [&] { ++restarts; });
        } catch (const std::runtime_error &) {
            threw = true;
        }
        QVERIFY(threw);
        QCOMPARE(restarts, 1); // 3 items left: a new drain is due, and counts as running
        QVERIFY(!queue.push(5));
        std::vector<int> seen;
        queue.drain(
            10, [&](QList<int> batch) { seen.insert(seen.end(), batch.begin(), batch.end()); },
            [] { QFAIL("no restart"); });
        QCOMPARE(seen, (std::vector<int> { 2, 3, 4, 5 })); // only the thrown batch (0, 1) is the caller's to answer

        // A throw that leaves nothing behind ends the drain without a restart: the next push starts one.
        queue.push(6);
        restarts = 0;
        try {
            queue.drain(
                10, [&](QList<int>) { throw std::runtime_error("store failed"); }, [&] { ++restarts; });
        } catch (const std::runtime_error &) { }
        QCOMPARE(restarts, 0);
        QVERIFY(queue.push(7));
    }
};

QTEST_GUILESS_MAIN(TestBatchQueue)
#include "tst_batchqueue.moc"
