// `dealscope FILE…`: the files named on the command line (or opened from a file manager through
// the desktop entry's %F) are imported as File → Import does: in order, with the import
// diagnostics dialog, into the listings that are kept in the data folder.

#include "app/AppContext.h"
#include "ui/imports/ImportDiagnosticsDialog.h"
#include "ui/listings/ListingTableModel.h"
#include "ui/mainwindow/MainWindow.h"

#include <QApplication>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace dealscope;
using namespace dealscope::ui;
using namespace Qt::Literals::StringLiterals;

namespace {

const QByteArray kSeedCsv = "id,title,industry,location,Asking Price,Gross Revenue,Cash Flow\n"
                            "L1,Austin Car Wash,Car Washes,\"Austin, TX\",1200000,800000,300000\n"
                            "L2,Denver Pizza Shop,Restaurants,\"Denver, CO\",450000,900000,150000\n";
const QByteArray kCsv = "id,title,location,Asking Price,Cash Flow\n"
                        "C1,Tampa Bakery,\"Tampa, FL\",300000,80000\n"
                        "C2,Reno Gym,\"Reno, NV\",250000,60000\n"
                        "L1,Austin Car Wash (price cut),\"Austin, TX\",1000000,300000\n";
const QByteArray kJson = R"({"listings":[{"id":"J1","title":"Boise Print Shop","askingPrice":90000}]})";

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestDesktopArgs final : public QObject
{
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;

    QString path(const QString &name) const { return m_dir->filePath(name); }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        writeFile(path(u"seed.csv"_s), kSeedCsv);
        writeFile(path(u"more.csv"_s), kCsv);
        writeFile(path(u"more.json"_s), kJson);
    }

    void cleanup() { m_dir.reset(); }

    // The window imports its importFiles once the saved listings are loaded, one after the
    // other, each as the menu's import does it.
    void windowImportsTheFilesItIsGiven()
    {
        AppContextOptions c;
        c.settingsFile = path(u"settings.ini"_s);
        c.dataDir = path(u"data"_s);
        c.secretMode = SecretStore::Mode::MemoryOnly;
        AppContext context(c);
        MainWindowOptions o;
        o.demoListingsResource = path(u"seed.csv"_s);
        o.importFiles = { path(u"more.csv"_s), path(u"missing.csv"_s), path(u"more.json"_s) };
        MainWindow w(context, o);
        QSignalSpy loaded(&w, &MainWindow::listingsLoaded);
        QSignalSpy imported(&w, &MainWindow::importFinished);
        w.show();

        QVERIFY(loaded.wait(20000));
        QTRY_COMPARE_WITH_TIMEOUT(imported.size(), 3, 20000);
        QCOMPARE(imported.at(0).at(0).toString(), path(u"more.csv"_s));
        QCOMPARE(imported.at(0).at(1).toBool(), true);
        QCOMPARE(imported.at(1).at(0).toString(), path(u"missing.csv"_s));
        QCOMPARE(imported.at(1).at(1).toBool(), false); // reported, the others still imported
        QCOMPARE(imported.at(2).at(0).toString(), path(u"more.json"_s));
        QCOMPARE(imported.at(2).at(1).toBool(), true);

        // Added to the listings the user had (here the seed), L1 updated in place.
        QCOMPARE(w.listingModel()->rowCount(), 5);
        QVERIFY(w.listingModel()->find(u"C2"_s));
        QVERIFY(w.listingModel()->find(u"J1"_s));
        QCOMPARE(w.listingModel()->find(u"L1"_s)->askingPrice, std::optional<qint64>(1'000'000));
        // The diagnostics dialog of the last file is open, as after File → Import.
        QVERIFY(w.lastImportDialog());
        QVERIFY(w.lastImportDialog()->isVisible());
        QVERIFY2(w.lastImportDialog()->windowTitle().contains(u"more.json"_s),
            qPrintable(w.lastImportDialog()->windowTitle()));
    }

    // The real program: relative and absolute FILE arguments, kept in the data folder.
    void programImportsItsArguments()
    {
        const QString data = path(u"data"_s);
        QProcess app;
        app.setWorkingDirectory(m_dir->path());
        app.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        app.start(QStringLiteral(DEALSCOPE_PATH),
            { u"--settings"_s, path(u"settings.ini"_s), u"--data-dir"_s, data, u"--memory-secrets"_s, u"more.csv"_s,
                path(u"more.json"_s) });
        QVERIFY2(app.waitForStarted(10000), qPrintable(app.errorString()));
        // Another process: its saved listings are what can be observed.
        QTRY_VERIFY_WITH_TIMEOUT(readFile(data + u"/listings.json"_s).contains("Reno Gym")
                && readFile(data + u"/listings.json"_s).contains("Boise Print Shop"),
            30000); // a second or two here; QTRY waits twice as long again before it reports a failure
        QCOMPARE(app.state(), QProcess::Running);
        app.terminate();
        if (!app.waitForFinished(15000)) {
            app.kill();
            app.waitForFinished();
        }
    }

    // `dealscope --server URL` starts in server mode (and keeps that choice in the settings).
    void programStartsInServerMode()
    {
        QProcess app;
        app.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        app.start(QStringLiteral(DEALSCOPE_PATH),
            { u"--settings"_s, path(u"server.ini"_s), u"--data-dir"_s, path(u"server-data"_s), u"--memory-secrets"_s,
                u"--server"_s, u"http://127.0.0.1:9/"_s });
        QVERIFY2(app.waitForStarted(10000), qPrintable(app.errorString()));
        QTRY_VERIFY_WITH_TIMEOUT(readFile(path(u"server.ini"_s)).contains("kind=server")
                && readFile(path(u"server.ini"_s)).contains("serverUrl=http://127.0.0.1:9"),
            30000);
        QCOMPARE(app.state(), QProcess::Running);
        app.terminate();
        if (!app.waitForFinished(15000)) {
            app.kill();
            app.waitForFinished();
        }
    }
};

QTEST_MAIN(TestDesktopArgs)
#include "tst_desktop_args.moc"
