#include "common/Failpoints.h"

#include <QCoreApplication>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

#include <cstdio>
#include <cstring>

using dealscope::Failpoints;
using Action = Failpoints::Action;

// The child mode lets the test exercise the environment variable (read once per process) and the
// abort action, which cannot run inside the test process itself.
static int childMain(const char *name)
{
    const Failpoints::Hit h = Failpoints::hit(QString::fromUtf8(name));
    std::printf("enabled=%d action=%d delay=%lld\n", Failpoints::enabled() ? 1 : 0, int(h.action),
        static_cast<long long>(h.delayMs));
    return 0;
}

class TestFailpoints final : public QObject
{
    Q_OBJECT

private:
    static QProcess *runChild(const QString &env, const QString &name)
    {
        auto *p = new QProcess;
        QProcessEnvironment pe = QProcessEnvironment::systemEnvironment();
        pe.insert(QStringLiteral("DEALSCOPE_FAILPOINTS"), env);
        p->setProcessEnvironment(pe);
        p->start(QCoreApplication::applicationFilePath(), { QStringLiteral("--child-hit"), name });
        return p;
    }

private slots:
    void cleanup() { Failpoints::configure({}); }

    void disabledByDefault()
    {
        Failpoints::configure({});
        QVERIFY(!Failpoints::enabled());
        QCOMPARE(Failpoints::hit(QStringLiteral("analysis.step.load_inputs")).action, Action::None);
    }

    void parsesEveryAction()
    {
        Failpoints::configure(
            QStringLiteral(" a.delay = delay(150) ; b=fail(2,transient);c=fail(1, permanent);d=abort;"));
        QVERIFY(Failpoints::enabled());
        const auto d = Failpoints::hit(QStringLiteral("a.delay"));
        QCOMPARE(d.action, Action::Delay);
        QCOMPARE(d.delayMs, 150);
        // Delay is not consumed: every hit delays.
        QCOMPARE(Failpoints::hit(QStringLiteral("a.delay")).delayMs, 150);
        QCOMPARE(Failpoints::hit(QStringLiteral("c")).action, Action::FailPermanent);
        QCOMPARE(Failpoints::hit(QStringLiteral("c")).action, Action::None);
        QCOMPARE(Failpoints::hit(QStringLiteral("unknown.name")).action, Action::None);
    }

    void failCountsHits()
    {
        Failpoints::configure(QStringLiteral("x=fail(3,transient)"));
        QCOMPARE(Failpoints::hit(QStringLiteral("x")).action, Action::FailTransient);
        QCOMPARE(Failpoints::hit(QStringLiteral("x")).action, Action::FailTransient);
        QCOMPARE(Failpoints::hit(QStringLiteral("x")).action, Action::FailTransient);
        QCOMPARE(Failpoints::hit(QStringLiteral("x")).action, Action::None);
        QCOMPARE(Failpoints::hit(QStringLiteral("x")).action, Action::None);
        // fail(0) never fails.
        Failpoints::configure(QStringLiteral("y=fail(0,permanent)"));
        QCOMPARE(Failpoints::hit(QStringLiteral("y")).action, Action::None);
    }

    void failCountIsSharedAcrossThreads()
    {
        Failpoints::configure(QStringLiteral("z=fail(100,transient)"));
        std::atomic_int failures { 0 };
        QList<QThread *> threads;
        for (int t = 0; t < 4; ++t) {
            threads << QThread::create([&failures] {
                for (int i = 0; i < 50; ++i)
                    if (Failpoints::hit(QStringLiteral("z")).action == Action::FailTransient)
                        ++failures;
            });
            threads.last()->start();
        }
        for (QThread *t : threads) {
            QVERIFY(t->wait(10000));
            delete t;
        }
        QCOMPARE(failures.load(), 100);
    }

    void malformedEntriesAreIgnoredWithWarning_data()
    {
        QTest::addColumn<QString>("entry");
        QTest::newRow("no equals") << QStringLiteral("justaname");
        QTest::newRow("empty name") << QStringLiteral("=abort");
        QTest::newRow("unknown action") << QStringLiteral("p=explode");
        QTest::newRow("delay negative") << QStringLiteral("p=delay(-5)");
        QTest::newRow("delay no number") << QStringLiteral("p=delay()");
        QTest::newRow("delay unterminated") << QStringLiteral("p=delay(10");
        QTest::newRow("fail no kind") << QStringLiteral("p=fail(2)");
        QTest::newRow("fail bad kind") << QStringLiteral("p=fail(2,sometimes)");
        QTest::newRow("fail huge") << QStringLiteral("p=fail(99999999999999999999,transient)");
        QTest::newRow("abort with args") << QStringLiteral("p=abort(1)");
        QTest::newRow("space in name") << QStringLiteral("a b=abort");
    }

    void malformedEntriesAreIgnoredWithWarning()
    {
        QFETCH(QString, entry);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("ignoring")));
        // The valid entry next to the malformed one still applies.
        Failpoints::configure(entry + QStringLiteral(";ok=fail(1,permanent)"));
        QCOMPARE(Failpoints::hit(QStringLiteral("p")).action, Action::None);
        QCOMPARE(Failpoints::hit(QStringLiteral("ok")).action, Action::FailPermanent);
    }

    void onlyMalformedLeavesFacilityOff()
    {
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("ignoring")));
        Failpoints::configure(QStringLiteral("garbage"));
        QVERIFY(!Failpoints::enabled());
    }

    void hostileInputDoesNotCrash()
    {
        QString huge;
        for (int i = 0; i < 2000; ++i)
            huge += QStringLiteral("n%1=delay(%1);").arg(i);
        huge += QString(100000, QLatin1Char(';'));
        Failpoints::configure(huge);
        QCOMPARE(Failpoints::hit(QStringLiteral("n1999")).delayMs, 1999);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("ignoring")));
        Failpoints::configure(QString::fromUtf8("\xe2\x82\xac=\x01\x02"
                                                "abort"));
        QVERIFY(!Failpoints::enabled());
    }

    void environmentVariableConfiguresChildProcess()
    {
        std::unique_ptr<QProcess> p(runChild(QStringLiteral("step.x=delay(42)"), QStringLiteral("step.x")));
        QVERIFY(p->waitForFinished(30000));
        QCOMPARE(p->exitStatus(), QProcess::NormalExit);
        QCOMPARE(p->readAllStandardOutput().trimmed(),
            QByteArray("enabled=1 action=") + QByteArray::number(int(Action::Delay)) + " delay=42");

        std::unique_ptr<QProcess> off(runChild(QString(), QStringLiteral("step.x")));
        QVERIFY(off->waitForFinished(30000));
        QCOMPARE(off->readAllStandardOutput().trimmed(), QByteArray("enabled=0 action=0 delay=0"));
    }

    void abortKillsTheProcess()
    {
        std::unique_ptr<QProcess> p(
            runChild(QStringLiteral("jobs.after_checkpoint=abort"), QStringLiteral("jobs.after_checkpoint")));
        QVERIFY(p->waitForFinished(30000));
        QCOMPARE(p->exitStatus(), QProcess::CrashExit);
        QVERIFY(p->readAllStandardOutput().isEmpty());
    }
};

int main(int argc, char **argv)
{
    if (argc == 3 && std::strcmp(argv[1], "--child-hit") == 0)
        return childMain(argv[2]);
    QCoreApplication app(argc, argv);
    TestFailpoints t;
    return QTest::qExec(&t, argc, argv);
}

#include "tst_failpoints.moc"
