// The results library on a full disk (issue 15's fault suite): storing fails with a clear error,
// every result stored before stays readable and intact, and storing works again once there is
// room. Two ways to fill the disk, both real SQLite on real files:
//  - "tmpfs": a 1 MiB tmpfs mounted by the test (as root; skipped where mounting is not
//    permitted), with a filler file taking all but ~96 KiB of it: write() fails with ENOSPC;
//  - "rlimit": RLIMIT_FSIZE (any user, no kernel feature), with SIGXFSZ ignored: a write past
//    the limit fails with EFBIG, which SQLite reports as an I/O error rather than "full".
#include "storage/AsyncResultsLibrary.h"
#include "storage/ResultsLibrary.h"

#include <QDir>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/mount.h>
#include <sys/resource.h>

using namespace dealscope;
using namespace Qt::Literals::StringLiterals;

class TestResultsLibraryDiskFull final : public QObject
{
    Q_OBJECT

    static nlohmann::json job(int i)
    {
        // ~6 KB of result, as a real analysis with a sensitivity grid has.
        nlohmann::json grid = nlohmann::json::array();
        for (int k = 0; k < 60; ++k)
            grid.push_back({ { "rate", 0.05 + k * 0.001 }, { "down", 0.1 + i * 1e-6 }, { "dscr", 1.0 + k * 0.01 } });
        nlohmann::json result { { "summary", "ok" }, { "engine", "builtin" }, { "score", i % 100 }, { "grid", grid } };
        return { { "id", "job-" + std::to_string(i) }, { "listingId", "L" + std::to_string(i) },
            { "analysisType", "valuation" }, { "status", "succeeded" }, { "progress", 100 }, { "finishedAt", 1000 + i },
            { "backend", "local" }, { "result", result } };
    }
    static nlohmann::json listing(int i) { return { { "id", "L" + std::to_string(i) }, { "title", "Shop" } }; }

    // The folder the library lives in, made full by `mode`; undone by release().
    struct FullDisk
    {
        QTemporaryDir dir;
        QString mode;
        bool mounted = false;
        rlimit saved {};

        QString path(const QString &name) const { return dir.filePath(u"lib/"_s + name); }
        // Prepares the folder; false (with a reason) when this mode is not available here.
        bool prepare(QString *why)
        {
            QDir(dir.path()).mkpath(u"lib"_s);
            if (mode == u"tmpfs"_s) {
                if (::mount("tmpfs", QFile::encodeName(path({})).constData(), "tmpfs", 0, "size=1m,mode=0700") != 0) {
                    *why = u"mounting a tmpfs is not permitted here: %1"_s.arg(QString::fromLocal8Bit(strerror(errno)));
                    return false;
                }
                mounted = true;
            }
            return true;
        }
        // Leaves the disk (almost) full from now on.
        void fill()
        {
            if (mode == u"tmpfs"_s) {
                QFile filler(path(u"filler"_s));
                filler.open(QIODevice::WriteOnly);
                const QByteArray block(4096, 'f');
                // All but ~96 KiB: room for a few more results, then ENOSPC.
                while (filler.size() < 1024 * 1024 - 96 * 1024 && filler.write(block) == block.size())
                    filler.flush();
                filler.close();
            } else {
                ::signal(SIGXFSZ, SIG_IGN);
                getrlimit(RLIMIT_FSIZE, &saved);
                rlimit small = saved;
                // Past every file the library has now (the WAL grows from 0 until a checkpoint).
                small.rlim_cur = 384 * 1024;
                setrlimit(RLIMIT_FSIZE, &small);
            }
        }
        // Makes room again.
        void makeRoom()
        {
            if (mode == u"tmpfs"_s)
                QFile::remove(path(u"filler"_s));
            else
                setrlimit(RLIMIT_FSIZE, &saved);
        }
        ~FullDisk()
        {
            if (mode == u"rlimit"_s && saved.rlim_max != 0)
                setrlimit(RLIMIT_FSIZE, &saved);
            if (mounted)
                ::umount2(QFile::encodeName(path({})).constData(), MNT_DETACH);
        }
    };

private Q_SLOTS:
    void fullDiskIsAClearErrorAndLosesNothing_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::newRow("tmpfs") << u"tmpfs"_s;
        QTest::newRow("rlimit") << u"rlimit"_s;
    }
    void fullDiskIsAClearErrorAndLosesNothing()
    {
        QFETCH(QString, mode);
        FullDisk disk;
        disk.mode = mode;
        QString why;
        if (!disk.prepare(&why))
            QSKIP(qPrintable(why));
        const QString file = disk.path(u"results.sqlite"_s);
        int stored = 0;
        QString error;
        {
            ResultsLibrary lib;
            QVERIFY2(lib.open(file), qPrintable(lib.errorString()));
            for (; stored < 10; ++stored)
                QVERIFY(lib.store(job(stored), listing(stored)));
            disk.fill();
            // Until the disk is full (bounded: 1 MiB holds far fewer than 2,000 of these).
            while (stored < 2000 && lib.store(job(stored), listing(stored)))
                ++stored;
            QVERIFY2(stored < 2000, "the disk never filled up");
            error = lib.errorString();
            QVERIFY2(error.contains(u"full"_s) || error.contains(u"could not be written"_s), qPrintable(error));
            QVERIFY2(error.contains(file), qPrintable(error));
            // Every result stored before is still there, through this connection.
            for (int i = 0; i < stored; ++i)
                QVERIFY2(
                    lib.contains(QString::fromStdString("job-" + std::to_string(i))), qPrintable(QString::number(i)));
            // A failing store is a clear error every time, not a crash or a hang.
            QVERIFY(!lib.store(job(stored), listing(stored)));
            QVERIFY(!lib.store(job(stored + 1), listing(stored + 1)));
            QVERIFY(lib.contains(u"job-0"_s));

            // The storage thread answers the desktop's store with the same error.
            AsyncResultsLibrary async;
            async.open(file);
            bool answered = false, ok = true;
            QString asyncError;
            async.store(job(stored + 2), listing(stored + 2), this, [&](bool o, const QString &e) {
                answered = true;
                ok = o;
                asyncError = e;
            });
            async.waitForIdle();
            QTRY_VERIFY(answered);
            QVERIFY(!ok);
            QVERIFY2(asyncError.contains(u"full"_s) || asyncError.contains(u"could not be written"_s),
                qPrintable(asyncError));
        }
        // Reopened: intact (SQLite's own check) and complete.
        {
            ResultsLibrary lib;
            QVERIFY2(lib.open(file), qPrintable(lib.errorString()));
            ResultQuery all;
            all.limit = 100000;
            QCOMPARE(lib.search(all).size(), stored);
            disk.makeRoom();
            QVERIFY2(lib.store(job(5000), listing(5000)), qPrintable(lib.errorString()));
            QCOMPARE(lib.search(all).size(), stored + 1);
        }
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"check"_s);
            db.setDatabaseName(file);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(u"PRAGMA integrity_check"_s) && q.next());
            QCOMPARE(q.value(0).toString(), u"ok"_s);
        }
        QSqlDatabase::removeDatabase(u"check"_s);
        qInfo().noquote() << mode << ": stored" << stored << "results before the disk was full; error:" << error;
    }
};

QTEST_GUILESS_MAIN(TestResultsLibraryDiskFull)
#include "tst_resultslibrary_diskfull.moc"
