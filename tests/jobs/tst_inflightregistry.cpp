#include "jobs/InFlightRegistry.h"

#include <QFile>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace dealscope;

class TestInFlightRegistry final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString iniPath() const { return m_dir.filePath(QStringLiteral("dealscope.ini")); }

    static InFlightEntry entry(const QString &listing, const QString &type, const QString &job,
        const QString &backend = QStringLiteral("local"), const QString &server = {})
    {
        return InFlightEntry { listing, type, job, backend, server };
    }

    static QList<InFlightEntry> sorted(QList<InFlightEntry> list)
    {
        std::sort(
            list.begin(), list.end(), [](const InFlightEntry &a, const InFlightEntry &b) { return a.jobId < b.jobId; });
        return list;
    }

private Q_SLOTS:
    void init() { QFile::remove(iniPath()); }

    void emptyAtFirst()
    {
        QSettings settings(iniPath(), QSettings::IniFormat);
        InFlightRegistry registry(settings);
        QVERIFY(registry.entries().isEmpty());
        QVERIFY(!registry.contains(QStringLiteral("nope")));
    }

    void putPersistsAcrossInstances()
    {
        const auto local = entry(QStringLiteral("L1"), QStringLiteral("valuation"), QStringLiteral("job1"));
        const auto remote = entry(QStringLiteral("L1"), QStringLiteral("valuation"), QStringLiteral("job2"),
            QStringLiteral("remote"), QStringLiteral("http://127.0.0.1:8080/base"));
        {
            QSettings settings(iniPath(), QSettings::IniFormat);
            InFlightRegistry registry(settings);
            registry.put(local);
            registry.put(remote);
        }
        // A new QSettings on the same file sees both: the registry synced without waiting for exit.
        QSettings settings(iniPath(), QSettings::IniFormat);
        InFlightRegistry registry(settings);
        QCOMPARE(sorted(registry.entries()), (QList<InFlightEntry> { local, remote }));
        QVERIFY(registry.contains(QStringLiteral("job1")));
        QVERIFY(registry.contains(QStringLiteral("job2")));

        QFile file(iniPath());
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        QVERIFY(text.contains("[inflight]"));
        QVERIFY(text.contains("job2"));
    }

    void putReplacesSamePair()
    {
        QSettings settings(iniPath(), QSettings::IniFormat);
        InFlightRegistry registry(settings);
        registry.put(entry(QStringLiteral("L1"), QStringLiteral("valuation"), QStringLiteral("old")));
        registry.put(entry(QStringLiteral("L2"), QStringLiteral("valuation"), QStringLiteral("other")));
        registry.put(entry(QStringLiteral("L1"), QStringLiteral("valuation"), QStringLiteral("new")));
        const auto all = registry.entries();
        QCOMPARE(all.size(), 2);
        QVERIFY(!registry.contains(QStringLiteral("old")));
        QVERIFY(registry.contains(QStringLiteral("new")));
        QVERIFY(registry.contains(QStringLiteral("other")));
        // Different type of the same listing is a different pair.
        registry.put(entry(QStringLiteral("L1"), QStringLiteral("risk_assessment"), QStringLiteral("risk")));
        QCOMPARE(registry.entries().size(), 3);
    }

    void removeById()
    {
        QSettings settings(iniPath(), QSettings::IniFormat);
        InFlightRegistry registry(settings);
        registry.put(entry(QStringLiteral("A"), QStringLiteral("valuation"), QStringLiteral("a")));
        registry.put(entry(QStringLiteral("B"), QStringLiteral("valuation"), QStringLiteral("b")));
        registry.put(entry(QStringLiteral("C"), QStringLiteral("valuation"), QStringLiteral("c")));
        registry.remove(QStringLiteral("b"));
        registry.remove(QStringLiteral("unknown"));
        const auto all = sorted(registry.entries());
        QCOMPARE(all.size(), 2);
        QCOMPARE(all.at(0).jobId, QStringLiteral("a"));
        QCOMPARE(all.at(1).jobId, QStringLiteral("c"));
        registry.remove(QStringLiteral("a"));
        registry.remove(QStringLiteral("c"));
        QVERIFY(registry.entries().isEmpty());
    }

    void otherGroupsUntouched()
    {
        QSettings settings(iniPath(), QSettings::IniFormat);
        settings.setValue(QStringLiteral("ui/theme"), QStringLiteral("dark"));
        InFlightRegistry registry(settings);
        registry.put(entry(QStringLiteral("A"), QStringLiteral("valuation"), QStringLiteral("a")));
        registry.remove(QStringLiteral("a"));
        QCOMPARE(settings.value(QStringLiteral("ui/theme")).toString(), QStringLiteral("dark"));
    }

    void hostileFileIsTolerated()
    {
        QFile file(iniPath());
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("[inflight]\nsize=1000000\nx\\jobId=ok\nx\\listingId=L\nx\\analysisType=valuation\n"
                   "y\\jobId=\ny\\listingId=L2\nz\\listingId=L3\n\x01\x02garbage=\xff\n");
        file.close();
        QSettings settings(iniPath(), QSettings::IniFormat);
        InFlightRegistry registry(settings);
        const auto all = registry.entries();
        QCOMPARE(all.size(), 1);
        QCOMPARE(all.at(0).jobId, QStringLiteral("ok"));
        QCOMPARE(all.at(0).backend, QStringLiteral("local"));
        QVERIFY(registry.contains(QStringLiteral("ok")));
        registry.remove(QStringLiteral("ok")); // found by scanning, not from put()
        QVERIFY(registry.entries().isEmpty());
    }

    void syncWritesNow()
    {
        QSettings settings(iniPath(), QSettings::IniFormat);
        InFlightRegistry registry(settings);
        registry.put(entry(QStringLiteral("A"), QStringLiteral("valuation"), QStringLiteral("a")));
        registry.sync();
        QSettings other(iniPath(), QSettings::IniFormat);
        QVERIFY(InFlightRegistry(other).contains(QStringLiteral("a")));
    }

    void staleHintIsNotTrusted()
    {
        // Two registries on one file (app and CLI): one's remembered group must not make it
        // remove what the other wrote since.
        QSettings settings(iniPath(), QSettings::IniFormat);
        InFlightRegistry first(settings);
        InFlightRegistry second(settings);
        first.put(entry(QStringLiteral("A"), QStringLiteral("valuation"), QStringLiteral("a")));
        second.put(entry(QStringLiteral("A"), QStringLiteral("valuation"), QStringLiteral("b")));
        first.remove(QStringLiteral("a")); // already replaced by b
        QVERIFY(second.contains(QStringLiteral("b")));
        QCOMPARE(first.entries().size(), 1);
    }

    void thousandsOfEntriesStayCheap()
    {
        QSettings settings(iniPath(), QSettings::IniFormat);
        InFlightRegistry registry(settings);
        for (int i = 0; i < 5000; ++i)
            registry.put(
                entry(QStringLiteral("L%1").arg(i), QStringLiteral("valuation"), QStringLiteral("j%1").arg(i)));
        QCOMPARE(registry.entries().size(), 5000);
        for (int i = 0; i < 5000; ++i)
            registry.remove(QStringLiteral("j%1").arg(i));
        QVERIFY(registry.entries().isEmpty());
    }

    // The desktop's mode: reads from memory, the file rewritten on the registry's own thread.
    void writeBehindReachesTheFileInOrder()
    {
        QSettings settings(iniPath(), QSettings::IniFormat);
        {
            QSettings seeded(iniPath(), QSettings::IniFormat);
            InFlightRegistry(seeded).put(
                entry(QStringLiteral("S"), QStringLiteral("risk_assessment"), QStringLiteral("s")));
        }
        InFlightRegistry registry(settings, InFlightRegistry::Mode::WriteBehind);
        QVERIFY(registry.contains(QStringLiteral("s"))); // what the file held at the start
        for (int i = 0; i < 500; ++i)
            registry.put(
                entry(QStringLiteral("L%1").arg(i), QStringLiteral("valuation"), QStringLiteral("j%1").arg(i)));
        // The same pair again: the newer job replaces the older, and removing the older is a no-op.
        registry.put(entry(QStringLiteral("L0"), QStringLiteral("valuation"), QStringLiteral("j0b")));
        registry.remove(QStringLiteral("j0"));
        for (int i = 1; i < 250; ++i)
            registry.remove(QStringLiteral("j%1").arg(i));
        registry.remove(QStringLiteral("s"));
        // Read back at once, from memory.
        QCOMPARE(registry.entries().size(), 251);
        QVERIFY(registry.contains(QStringLiteral("j0b")));
        QVERIFY(!registry.contains(QStringLiteral("j0")));
        QVERIFY(!registry.contains(QStringLiteral("j1")));
        QVERIFY(registry.contains(QStringLiteral("j499")));

        registry.sync(); // waits until the file holds it all
        QFile file(iniPath());
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        QVERIFY(text.contains("j499"));
        QVERIFY(text.contains("j0b"));
        QVERIFY(!text.contains("jobId=j1\n"));
        QVERIFY(!text.contains("jobId=s\n"));
        // Another registry on the file, as the next start sees it.
        QSettings other(iniPath(), QSettings::IniFormat);
        InFlightRegistry reread(other);
        QCOMPARE(sorted(reread.entries()), sorted(registry.entries()));
    }

    void writeBehindFlushesOnDestruction()
    {
        {
            QSettings settings(iniPath(), QSettings::IniFormat);
            InFlightRegistry registry(settings, InFlightRegistry::Mode::WriteBehind);
            registry.put(entry(QStringLiteral("A"), QStringLiteral("valuation"), QStringLiteral("a")));
        }
        QFile file(iniPath());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll().contains("jobId=a"));
    }
};

QTEST_GUILESS_MAIN(TestInFlightRegistry)
#include "tst_inflightregistry.moc"
