// SPEC §6 polling schedule on a fake clock: 0.5 s, ×1.5 with ±10 % jitter up to 10 s, back to
// 0.5 s on a change, never before a Retry-After.
#include "common/Clock.h"
#include "net/PollSchedule.h"

#include <QSet>
#include <QTest>

using namespace dealscope;
using std::chrono::milliseconds;

class TestPollSchedule : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void startsAtHalfASecondWithJitter()
    {
        ManualClock clock;
        for (quint32 seed = 1; seed <= 200; ++seed) {
            PollSchedule schedule(clock, seed);
            const auto delay = schedule.scheduleNext();
            QVERIFY2(
                delay >= milliseconds(450) && delay <= milliseconds(550), qPrintable(QString::number(delay.count())));
        }
    }

    void jitterIsSpreadNotConstant()
    {
        ManualClock clock;
        PollSchedule schedule(clock, 42);
        QSet<qint64> seen;
        for (int i = 0; i < 50; ++i)
            seen.insert(schedule.scheduleNext().count());
        QVERIFY(seen.size() > 10); // clients do not poll in step
    }

    void growsByHalfToTenSeconds()
    {
        ManualClock clock;
        PollSchedule schedule(clock, 7);
        const qint64 expected[] = { 500, 750, 1125, 1688, 2532, 3798, 5697, 8546, 10000, 10000 };
        for (qint64 base : expected) {
            QCOMPARE(schedule.interval().count(), base);
            const auto delay = schedule.scheduleNext();
            QVERIFY(delay.count() >= qint64(base * 0.9) - 1);
            QVERIFY(delay.count() <= std::min<qint64>(qint64(base * 1.1) + 1, 10000));
            schedule.grow();
        }
        // Capped: never above 10 s, whatever the jitter.
        for (int i = 0; i < 100; ++i)
            QVERIFY(schedule.scheduleNext() <= milliseconds(10000));
    }

    void changeResets()
    {
        ManualClock clock;
        PollSchedule schedule(clock, 3);
        for (int i = 0; i < 20; ++i)
            schedule.grow();
        QCOMPARE(schedule.interval(), PollSchedule::kMax);
        schedule.reset();
        QCOMPARE(schedule.interval(), milliseconds(500));
        const auto delay = schedule.scheduleNext();
        QVERIFY(delay >= milliseconds(450) && delay <= milliseconds(550));
    }

    void dueFollowsTheClock()
    {
        ManualClock clock;
        PollSchedule schedule(clock, 9);
        const auto delay = schedule.scheduleNext();
        QVERIFY(!schedule.isDue());
        QCOMPARE(schedule.untilDue(), delay);
        clock.advance(delay - milliseconds(1));
        QVERIFY(!schedule.isDue());
        QCOMPARE(schedule.untilDue(), milliseconds(1));
        clock.advance(milliseconds(1));
        QVERIFY(schedule.isDue());
        QCOMPARE(schedule.untilDue(), milliseconds(0));
        schedule.scheduleNext();
        schedule.dueNow(); // the network is back
        QVERIFY(schedule.isDue());
    }

    void retryAfterIsHonoured()
    {
        ManualClock clock;
        PollSchedule schedule(clock, 11);
        // Retry-After: 3 beats a 0.5 s interval, but does not shrink a longer one.
        QCOMPARE(schedule.scheduleNext(milliseconds(3000)), milliseconds(3000));
        QVERIFY(!schedule.isDue());
        clock.advance(milliseconds(2999));
        QVERIFY(!schedule.isDue());
        clock.advance(milliseconds(1));
        QVERIFY(schedule.isDue());
        for (int i = 0; i < 20; ++i)
            schedule.grow();
        QVERIFY(schedule.scheduleNext(milliseconds(1000)) >= milliseconds(9000));
    }

    void faultsUseTheSameBackoff()
    {
        // A failed tick grows like a quiet one: one server down does not turn into a hammering client.
        ManualClock clock;
        PollSchedule schedule(clock, 5);
        qint64 total = 0;
        for (int i = 0; i < 60; ++i) {
            const auto d = schedule.scheduleNext();
            total += d.count();
            clock.advance(d);
            schedule.grow();
        }
        // 60 failed ticks take more than 8 minutes: at most ~7 requests a minute once at the cap.
        QVERIFY(total > 8 * 60 * 1000);
    }
};

QTEST_GUILESS_MAIN(TestPollSchedule)
#include "tst_pollschedule.moc"
