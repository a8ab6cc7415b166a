// The real main window in server mode against the real dealscope-server on a free loopback port:
// an analysis started in the window runs on the server and shows finished (result in the local
// library), the status bar follows the connection (online → reconnecting → online, the job row
// "reconnecting" then "expired" when the restarted server no longer knows the job), and the
// settings' "Test connection" tells a wrong token apart. Offscreen, temp INI and data folder.
#include "../server/ServerTestSupport.h"
#include "WindowFixture.h"
#include "app/AnalysisController.h"
#include "app/ServerConnectionTester.h"
#include "config/AppSettings.h"
#include "config/ServerCredentials.h"
#include "storage/ResultsLibrary.h"
#include "ui/jobs/JobListModel.h"
#include "ui/mainwindow/ListingsDocument.h"
#include "ui/mainwindow/MainWindow.h"
#include "ui/settings/SettingsDialog.h"

#include <QCryptographicHash>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace dealscope;
using namespace dealscope::ui;
using namespace dealscope::testing;
using namespace Qt::Literals::StringLiterals;

namespace {

const QByteArray kCsv = "id,title,industry,location,Asking Price,Gross Revenue,Cash Flow,Established\n"
                        "L1,Austin Car Wash,Car Washes,\"Austin, TX\",1200000,800000,300000,2005\n"
                        "L2,Denver Pizza Shop,Restaurants,\"Denver, CO\",450000,900000,150000,2015\n";
// A listing only the desktop has: the start carries it to the server.
const QByteArray kLocalOnlyCsv = kCsv + "D9,Tampa Bakery,Bakeries,\"Tampa, FL\",300000,600000,120000,2012\n";
const QString kToken = u"desktop-test-token-0123456789"_s;

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

} // namespace

class TestMainWindowServer final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    quint16 m_port = 0;

    QString path(const QString &name) const { return m_dir.filePath(name); }
    QUrl serverUrl() const { return QUrl(u"http://127.0.0.1:%1"_s.arg(m_port)); }

    bool startServer(servertest::ServerProcess &server, const QMap<QString, QString> &env = {})
    {
        return server.start({ u"--listen"_s, u"127.0.0.1:%1"_s.arg(m_port), u"--tokens"_s, path(u"tokens.json"_s),
                                u"--listings"_s, path(u"server.csv"_s), u"--workers"_s, u"2"_s },
            env);
    }

    // A window in server mode (`dealscope --server URL`) with the token stored for that server.
    TestWindow serverWindow(const QString &name)
    {
        AppContextOptions c;
        c.settingsFile = path(name + u".ini"_s);
        c.dataDir = path(name);
        c.secretMode = SecretStore::Mode::MemoryOnly;
        c.server = serverUrl();
        MainWindowOptions o;
        o.demoListingsResource = path(u"desktop.csv"_s);
        TestWindow w(std::move(c), std::move(o));
        w.context().setServerToken(serverUrl(), kToken);
        w->show();
        return w;
    }

    static int rowOf(JobListModel *model, const QString &jobId)
    {
        for (int row = 0; row < model->rowCount(); ++row) {
            if (model->jobAt(row).id == jobId)
                return row;
        }
        return -1;
    }
    static QString statusCell(JobListModel *model, const QString &jobId)
    {
        const int row = rowOf(model, jobId);
        return row < 0 ? QString() : model->index(row, JobListModel::ColStatus).data().toString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        qputenv("QT_QPA_PLATFORM", "offscreen");
        qunsetenv("DEALSCOPE_TOKEN");
        QVERIFY(m_dir.isValid());
        writeFile(
            path(u"server.csv"_s), kCsv + "S1,Reno Gym (server only),Gyms,\"Reno, NV\",250000,400000,60000,2016\n");
        writeFile(path(u"desktop.csv"_s), kLocalOnlyCsv);
        const QByteArray hash = QCryptographicHash::hash(kToken.toUtf8(), QCryptographicHash::Sha256).toHex();
        writeFile(
            path(u"tokens.json"_s), R"({"tokens":[{"id":"desk","tenant":"analysts","sha256":")" + hash + R"("}]})");
        m_port = servertest::freePort();
    }

    void serverModeRunsTheAnalysisOnTheServer()
    {
        servertest::ServerProcess server;
        QVERIFY(startServer(server));
        TestWindow w = serverWindow(u"run"_s);
        QSignalSpy merged(w.get(), &MainWindow::serverListingsMerged);
        QVERIFY(waitLoaded(*w));
        QCOMPARE(w.context().settings().backend(), AppSettings::Backend::Server);
        QVERIFY(w->connectionLabel()->isVisible());
        QCOMPARE(w->connectionLabel()->text(), u"Server 127.0.0.1: online"_s);

        // The table shows the server's listings next to the local ones.
        QTRY_VERIFY_WITH_TIMEOUT(!merged.isEmpty(), 20000);
        QCOMPARE(merged.first().at(0).toInt(), 1); // S1 is new; L1 and L2 are the same listings
        QTRY_VERIFY_WITH_TIMEOUT(w->document()->find(u"S1"_s).has_value(), 20000);
        QVERIFY(w->document()->find(u"D9"_s).has_value());

        QSignalSpy finished(w.get(), &MainWindow::analysisFinished);
        // D9 exists only on the desktop: the start carries the listing.
        w->startAnalysis(u"D9"_s, u"valuation"_s);
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 60000);
        const Job done = finished.first().first().value<Job>();
        QCOMPARE(done.status, JobStatus::Succeeded);
        QCOMPARE(done.backend, u"remote"_s);
        QCOMPARE(statusCell(w->jobModel(), done.id), u"succeeded"_s);
        // The result is in the local library, then the in-flight entry leaves the settings.
        QTRY_VERIFY_WITH_TIMEOUT(w->library().contains(done.id), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(w.context().registry().entries().isEmpty(), 20000);
        // The server knows the job under the token's tenant.
        servertest::Http http;
        const auto r = http.request("GET", server.url(u"/api/analysis/status?jobId="_s + done.id), {},
            { { "Authorization", "Bearer " + kToken.toUtf8() } });
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value("status", std::string()), std::string("succeeded"));
        QCOMPARE(server.terminate(), 0);
    }

    void statusBarFollowsTheConnection()
    {
        servertest::ServerProcess server;
        // Slow enough to be running when the server goes away.
        QVERIFY(startServer(server, { { u"DEALSCOPE_FAILPOINTS"_s, u"analysis.step.sde_multiple=delay(60000)"_s } }));
        TestWindow w = serverWindow(u"status"_s);
        QVERIFY(waitLoaded(*w));
        QSignalSpy changed(&w.context().controller(), &AnalysisController::jobChanged);
        w->startAnalysis(u"L1"_s, u"risk_assessment"_s);
        QTRY_VERIFY_WITH_TIMEOUT(!changed.isEmpty(), 20000);
        const QString jobId = changed.last().first().value<Job>().id;
        QTRY_COMPARE_WITH_TIMEOUT(statusCell(w->jobModel(), jobId), u"running"_s, 30000);
        QCOMPARE(w->connectionLabel()->text(), u"Server 127.0.0.1: online"_s);

        server.kill(); // the polls now fail
        QTRY_COMPARE_WITH_TIMEOUT(w->connectionLabel()->text(), u"Server 127.0.0.1: reconnecting…"_s, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(statusCell(w->jobModel(), jobId), u"running (reconnecting)"_s, 30000);

        // Back on the same address (memory store: the job is gone with the old process).
        QVERIFY(startServer(server));
        QTRY_COMPARE_WITH_TIMEOUT(w->connectionLabel()->text(), u"Server 127.0.0.1: online"_s, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(statusCell(w->jobModel(), jobId), u"expired"_s, 30000);
        QCOMPARE(server.terminate(), 0);
    }

    // Auto-resume (SPEC §6): an analysis started in server mode, the window closed while it runs;
    // the next window, now in local mode on the same settings file, attaches it on its server,
    // says so, and stores the finished result before the entry leaves the settings.
    void resumesARemoteJobWhateverTheMode()
    {
        servertest::ServerProcess server;
        QVERIFY(startServer(server, { { u"DEALSCOPE_FAILPOINTS"_s, u"analysis.step.sde_multiple=delay(2500)"_s } }));
        QString jobId;
        {
            TestWindow first = serverWindow(u"resume"_s);
            QVERIFY(waitLoaded(*first));
            QSignalSpy changed(&first.context().controller(), &AnalysisController::jobChanged);
            first->startAnalysis(u"L2"_s, u"valuation"_s);
            QTRY_VERIFY_WITH_TIMEOUT(!changed.isEmpty(), 20000);
            jobId = changed.last().first().value<Job>().id;
            QCOMPARE(first.context().registry().entries().size(), 1);
        } // closed while the job runs: the entry stays in the INI file
        {
            AppSettings settings(path(u"resume.ini"_s));
            settings.setBackend(AppSettings::Backend::Local);
            settings.sync();
        }
        AppContextOptions c;
        c.settingsFile = path(u"resume.ini"_s);
        c.dataDir = path(u"resume"_s);
        c.secretMode = SecretStore::Mode::MemoryOnly;
        MainWindowOptions o;
        o.demoListingsResource = path(u"desktop.csv"_s);
        TestWindow again(std::move(c), std::move(o));
        again.context().setServerToken(serverUrl(), kToken); // memory-only secrets: typed in again
        again->show();
        QVERIFY(waitLoaded(*again));
        QCOMPARE(again.context().settings().backend(), AppSettings::Backend::Local);
        QCOMPARE(again->resumedCount(), 1);
        QVERIFY2(again->noticeLabel()->text().contains(u"Resumed 1 analysis on a job server."_s),
            qPrintable(again->noticeLabel()->text()));
        QTRY_VERIFY_WITH_TIMEOUT(again->library().contains(jobId), 60000);
        QTRY_VERIFY_WITH_TIMEOUT(again.context().registry().entries().isEmpty(), 20000);
        // The resumed job's row: its status, where it ran, its attempts and its total time.
        JobListModel *model = again->jobModel();
        QTRY_COMPARE_WITH_TIMEOUT(statusCell(model, jobId), u"succeeded"_s, 20000);
        const int row = rowOf(model, jobId);
        QCOMPARE(model->index(row, JobListModel::ColBackend).data().toString(), u"remote"_s);
        QCOMPARE(model->index(row, JobListModel::ColAttempt).data().toInt(), 1);
        QVERIFY(model->index(row, JobListModel::ColDuration).data().toString() != u"—"_s);
        QCOMPARE(server.terminate(), 0);
    }

#ifdef DEALSCOPE_CLI_BINARY
    // `dealscope-cli analyze --server … --detach` records the job in the shared settings file and
    // exits; the desktop, started on that file, resumes it on the server and stores its result.
    void resumesAJobTheCliDetached()
    {
        servertest::ServerProcess server;
        QVERIFY(startServer(server, { { u"DEALSCOPE_FAILPOINTS"_s, u"analysis.step.sde_multiple=delay(2000)"_s } }));
        QProcess cli;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"DEALSCOPE_TOKEN"_s, kToken);
        cli.setProcessEnvironment(env);
        cli.start(QStringLiteral(DEALSCOPE_CLI_BINARY),
            { u"analyze"_s, u"--server"_s, serverUrl().toString(), u"--listings"_s, path(u"desktop.csv"_s),
                u"--listing"_s, u"D9"_s, u"--type"_s, u"risk_assessment"_s, u"--detach"_s, u"--settings"_s,
                path(u"shared.ini"_s), u"--data-dir"_s, path(u"shared"_s) });
        QVERIFY(cli.waitForFinished(60000));
        const QByteArray out = cli.readAllStandardOutput();
        QVERIFY2(cli.exitStatus() == QProcess::NormalExit && cli.exitCode() == 0,
            QByteArray(out + cli.readAllStandardError()).constData());
        const QString jobId = QString::fromUtf8(out).trimmed().split(u'\n').last().trimmed();
        QVERIFY2(jobId.size() == 21, qPrintable(jobId));

        AppContextOptions c;
        c.settingsFile = path(u"shared.ini"_s);
        c.dataDir = path(u"shared"_s);
        c.secretMode = SecretStore::Mode::MemoryOnly;
        MainWindowOptions o;
        o.demoListingsResource = path(u"desktop.csv"_s);
        TestWindow w(std::move(c), std::move(o));
        w.context().setServerToken(serverUrl(), kToken);
        w->show();
        QVERIFY(waitLoaded(*w));
        QCOMPARE(w->resumedCount(), 1);
        QVERIFY2(w->noticeLabel()->text().contains(u"Resumed 1 analysis on a job server."_s),
            qPrintable(w->noticeLabel()->text()));
        QTRY_VERIFY_WITH_TIMEOUT(w->library().contains(jobId), 60000);
        QTRY_VERIFY_WITH_TIMEOUT(w.context().registry().entries().isEmpty(), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(statusCell(w->jobModel(), jobId), u"succeeded"_s, 20000);
        QCOMPARE(server.terminate(), 0);
    }
#endif

    // No token for the server: the status bar asks for one; once it is entered, analyses run.
    void unauthorizedUntilATokenIsEntered()
    {
        servertest::ServerProcess server;
        QVERIFY(startServer(server));
        AppContextOptions c;
        c.settingsFile = path(u"notoken.ini"_s);
        c.dataDir = path(u"notoken"_s);
        c.secretMode = SecretStore::Mode::MemoryOnly;
        c.server = serverUrl();
        MainWindowOptions o;
        o.demoListingsResource = path(u"desktop.csv"_s);
        TestWindow w(std::move(c), std::move(o));
        w->show();
        QVERIFY(waitLoaded(*w));
        QSignalSpy errors(&w.context().controller(), &AnalysisController::errorOccurred);
        w->startAnalysis(u"L1"_s, u"valuation"_s);
        QTRY_COMPARE_WITH_TIMEOUT(
            w->connectionLabel()->text(), u"Server 127.0.0.1: unauthorized — enter a token in Settings"_s, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(!errors.isEmpty(), 20000);

        w.context().setServerToken(serverUrl(), kToken);
        QSignalSpy finished(w.get(), &MainWindow::analysisFinished);
        w->startAnalysis(u"L1"_s, u"valuation"_s);
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 60000);
        QCOMPARE(finished.first().first().value<Job>().status, JobStatus::Succeeded);
        QTRY_COMPARE_WITH_TIMEOUT(w->connectionLabel()->text(), u"Server 127.0.0.1: online"_s, 20000);
        QCOMPARE(server.terminate(), 0);
    }

    void testConnectionTellsAWrongTokenApart()
    {
        servertest::ServerProcess server;
        QVERIFY(startServer(server));
        AppSettings settings(path(u"dialog.ini"_s));
        settings.setServerUrl(serverUrl());
        SecretStore secrets(SecretStore::Mode::MemoryOnly, u"DealscopeTest"_s);
        SettingsDialog dialog(settings, secrets);

        dialog.serverTokenEdit()->setText(u"not-the-token"_s);
        QTest::mouseClick(dialog.serverTestButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.serverTestResult()->text().startsWith(u"Failed: "_s), 20000);
        QVERIFY2(dialog.serverTestResult()->text().contains(u"refused the token (HTTP 401"_s),
            qPrintable(dialog.serverTestResult()->text()));
        QVERIFY(!dialog.serverTestResult()->text().contains(u"not-the-token"_s));

        dialog.serverTokenEdit()->setText(kToken);
        QTest::mouseClick(dialog.serverTestButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.serverTestResult()->text().startsWith(u"OK: "_s), 20000);
        QVERIFY2(dialog.serverTestResult()->text().contains(u"(3 listings on the server)"_s),
            qPrintable(dialog.serverTestResult()->text()));

        // Nothing listens on the address any more.
        QCOMPARE(server.terminate(), 0);
        QTest::mouseClick(dialog.serverTestButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.serverTestResult()->text().startsWith(u"Failed: Cannot reach"_s), 20000);

        // The token typed in goes to the caller, never into the settings file.
        dialog.apply();
        QCOMPARE(dialog.enteredServerToken(), kToken);
        settings.sync();
        QFile ini(path(u"dialog.ini"_s));
        QVERIFY(ini.open(QIODevice::ReadOnly));
        QVERIFY(!ini.readAll().contains(kToken.toUtf8()));
    }
};

QTEST_MAIN(TestMainWindowServer)
#include "tst_mainwindow_server.moc"
