#include "jobs/RetryPolicy.h"

#include <QTest>

using namespace dealscope;

class TestRetryPolicy final : public QObject
{
    Q_OBJECT

    static RetryPolicy policy(double jitter = 0.2)
    {
        RetryPolicy::Options o;
        o.maxAttempts = 3;
        o.baseDelayMs = 1000;
        o.maxDelayMs = 30000;
        o.jitter = jitter;
        return RetryPolicy(o);
    }

private Q_SLOTS:
    void exponentialWithoutJitter()
    {
        const RetryPolicy p = policy(0.0);
        QCOMPARE(p.delayMs(1), qint64(1000));
        QCOMPARE(p.delayMs(2), qint64(2000));
        QCOMPARE(p.delayMs(3), qint64(4000));
        QCOMPARE(p.delayMs(5), qint64(16000));
        QCOMPARE(p.delayMs(6), qint64(30000)); // capped
        QCOMPARE(p.delayMs(1000), qint64(30000)); // no overflow
    }

    void jitterBounds()
    {
        const RetryPolicy p = policy(0.2);
        QCOMPARE(p.delayMs(2, std::nullopt, [] { return 0.0; }), qint64(1600));
        QCOMPARE(p.delayMs(2, std::nullopt, [] { return 1.0; }), qint64(2400));
        QCOMPARE(p.delayMs(2, std::nullopt, [] { return 0.5; }), qint64(2000));
        // Real randomness stays inside the band and actually varies.
        QSet<qint64> seen;
        for (int i = 0; i < 200; ++i) {
            const qint64 d = p.delayMs(3);
            QVERIFY(d >= 3200 && d <= 4800);
            seen.insert(d);
        }
        QVERIFY(seen.size() > 10);
    }

    void retryAfterIsAFloor()
    {
        const RetryPolicy p = policy(0.2);
        QCOMPARE(p.delayMs(1, qint64(7000), [] { return 1.0; }), qint64(7000));
        QCOMPARE(p.delayMs(1, qint64(120000), [] { return 0.0; }), qint64(120000)); // above the cap too
        QCOMPARE(p.delayMs(3, qint64(10), [] { return 0.5; }), qint64(4000)); // shorter one is ignored
    }

    void attempts()
    {
        const RetryPolicy p = policy();
        QCOMPARE(p.maxAttempts(), 3);
        QVERIFY(p.shouldRetry(1));
        QVERIFY(p.shouldRetry(2));
        QVERIFY(!p.shouldRetry(3));
        RetryPolicy::Options bad;
        bad.maxAttempts = 0;
        bad.baseDelayMs = -5;
        bad.jitter = 7;
        const RetryPolicy clamped(bad);
        QCOMPARE(clamped.maxAttempts(), 1);
        QVERIFY(!clamped.shouldRetry(1));
        QVERIFY(clamped.delayMs(1) >= 0);
    }
};

QTEST_GUILESS_MAIN(TestRetryPolicy)
#include "tst_retrypolicy.moc"
