// dealscope-cli login and the token in the keychain (issue 11): a real Secret Service
// (gnome-keyring-daemon on a private dbus-run-session bus) holds one entry per server URL, which
// analyze --server then uses; DEALSCOPE_TOKEN overrides it; a refused token is not stored; without
// a session bus the CLI says the keychain is missing and keeps nothing.

#include "CliProcess.h"
#include "RemoteFixture.h"

#include <QStandardPaths>

using namespace clitest;
using namespace Qt::Literals::StringLiterals;

class TestCliLogin final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    remotetest::RemoteServer m_server;
    QString m_listings;

    // A home of its own: the keyring files and settings stay in the temp folder.
    QProcessEnvironment isolatedEnv() const
    {
        QProcessEnvironment e = cliEnvironment();
        e.remove(u"DEALSCOPE_TOKEN"_s);
        e.remove(u"DBUS_SESSION_BUS_ADDRESS"_s);
        e.remove(u"DISPLAY"_s);
        e.remove(u"WAYLAND_DISPLAY"_s);
        e.insert(u"HOME"_s, m_dir.filePath(u"home"_s));
        e.insert(u"XDG_DATA_HOME"_s, m_dir.filePath(u"home/data"_s));
        e.insert(u"XDG_CONFIG_HOME"_s, m_dir.filePath(u"home/config"_s));
        e.insert(u"XDG_CACHE_HOME"_s, m_dir.filePath(u"home/cache"_s));
        e.insert(u"XDG_RUNTIME_DIR"_s, m_dir.filePath(u"runtime"_s));
        return e;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY(QDir().mkpath(m_dir.filePath(u"home/data"_s)));
        QVERIFY(QDir().mkpath(m_dir.filePath(u"runtime"_s)));
        QFile::setPermissions(
            m_dir.filePath(u"runtime"_s), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        m_listings = m_dir.filePath(u"listings.csv"_s);
        QVERIFY(writeFile(m_listings, knownListingsCsv()));
        QVERIFY(!m_server.addToken().isEmpty());
        QVERIFY(m_server.start());
    }

    void withoutASessionBusNothingIsStored()
    {
        const CliRun login = runCli({ u"login"_s, u"--server"_s, m_server.base().toString(), u"--no-check"_s },
            isolatedEnv(), 60000, "ds_some_token\n");
        QCOMPARE(login.exitCode, 1);
        QVERIFY2(login.errText().contains(u"Cannot autolaunch D-Bus"_s), qPrintable(login.errText()));
        QVERIFY2(login.errText().contains(u"kept in memory only"_s), qPrintable(login.errText()));
        QVERIFY2(login.errText().contains(u"DEALSCOPE_TOKEN"_s), qPrintable(login.errText()));
        QVERIFY(!login.errText().contains(u"ds_some_token"_s));
    }

    void realKeychainOneEntryPerServer()
    {
        if (QStandardPaths::findExecutable(u"dbus-run-session"_s).isEmpty()
            || QStandardPaths::findExecutable(u"gnome-keyring-daemon"_s).isEmpty())
            QSKIP("dbus-run-session or gnome-keyring-daemon missing (scripts/packages.txt: dbus, gnome-keyring)");
        const QString settings = m_dir.filePath(u"settings.ini"_s);
        const QString data = m_dir.filePath(u"data"_s);
        const QString url = m_server.base().toString();
        const QString token = QString::fromLatin1(m_server.token());
        // One session: the keyring unlocked with a password on stdin, then the CLI steps.
        const QString script = QStringLiteral(DEALSCOPE_SOURCE_DIR "/tests/cli/keychain_session.sh");
        QProcess session;
        QProcessEnvironment env = isolatedEnv();
        env.insert(u"CLI"_s, cliPath());
        env.insert(u"URL"_s, url);
        env.insert(u"TOKEN"_s, token);
        env.insert(u"LISTINGS"_s, m_listings);
        env.insert(u"SETTINGS"_s, settings);
        env.insert(u"DATA"_s, data);
        session.setProcessEnvironment(env);
        session.setProcessChannelMode(QProcess::MergedChannels);
        session.start(u"dbus-run-session"_s, { u"--"_s, u"sh"_s, script });
        QVERIFY(session.waitForStarted(10000));
        QVERIFY(session.waitForFinished(240000));
        const QString out = QString::fromUtf8(session.readAll());
        const auto step = [&out](const QString &name) {
            const qsizetype at = out.indexOf(u"@@ "_s + name + u' ');
            const qsizetype end = out.indexOf(u"@@ "_s, at + 3);
            return at < 0 ? QString() : out.mid(at, end < 0 ? -1 : end - at);
        };
        // A refused token is not stored.
        QVERIFY2(step(u"refused"_s).startsWith(u"@@ refused 1 "_s), qPrintable(out));
        QVERIFY2(step(u"refused"_s).contains(u"refused this token"_s), qPrintable(out));
        // Stored in the Secret Service (the URL with a trailing slash is the same server).
        QVERIFY2(step(u"login"_s).startsWith(u"@@ login 0 "_s), qPrintable(out));
        QVERIFY2(step(u"login"_s).contains(u"stored in the keychain"_s), qPrintable(out));
        // analyze finds it there without DEALSCOPE_TOKEN.
        QVERIFY2(step(u"analyze"_s).startsWith(u"@@ analyze 0 "_s), qPrintable(out));
        QVERIFY2(step(u"analyze"_s).contains(u"\"succeeded\""_s), qPrintable(out));
        // The environment overrides the keychain.
        QVERIFY2(step(u"override"_s).startsWith(u"@@ override 1 "_s), qPrintable(out));
        QVERIFY2(step(u"override"_s).contains(u"refused the token"_s), qPrintable(out));
        // Another server URL has no entry: it gets no token (and here no server either).
        QVERIFY2(step(u"other"_s).startsWith(u"@@ other 1 "_s), qPrintable(out));
        QVERIFY(!step(u"other"_s).contains(token));
        // Never in the settings file, nor in any output.
        QVERIFY(!readFile(settings).contains(token.toLatin1()));
        QVERIFY(!out.contains(token));
    }

    void cleanupTestCase() { QCOMPARE(m_server.process().terminate(), 0); }
};

QTEST_GUILESS_MAIN(TestCliLogin)
#include "tst_cli_login.moc"
