// --version of the real programs: program name, project version and the git revision the build
// came from (", dirty" when tracked files were modified). And the build-time script that reads
// that revision (app/version/WriteBuildVersion.cmake), run against real git repositories.

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::Literals::StringLiterals;

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run run(const QString &program, const QStringList &arguments, const QString &workingDir = {})
{
    QProcess process;
    process.setWorkingDirectory(workingDir);
    process.start(program, arguments);
    Run r;
    if (!process.waitForStarted(10000) || !process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished();
        r.err = u"could not run "_s + program + u' ' + arguments.join(u' ');
        return r;
    }
    r.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    r.out = QString::fromUtf8(process.readAllStandardOutput());
    r.err = QString::fromUtf8(process.readAllStandardError());
    return r;
}

QString git()
{
    return QStringLiteral(DEALSCOPE_GIT_COMMAND);
}

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(bytes);
}

struct Stamp
{
    QString version;
    QString revision;
    bool dirty = false;
    QDateTime written;
};

} // namespace

class TestVersion final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    // Runs the build-time script on sourceDir and reads back what it generated.
    Stamp stamp(const QString &sourceDir, const QString &revisionOverride = {})
    {
        const QString output = m_dir.filePath(u"BuildVersion.cpp"_s);
        QStringList args { u"-DSOURCE_DIR="_s + sourceDir, u"-DOUTPUT="_s + output, u"-DVERSION=9.8.7"_s,
            u"-DGIT="_s + git() };
        if (!revisionOverride.isEmpty())
            args << u"-DREVISION="_s + revisionOverride;
        args << u"-P"_s << QStringLiteral(DEALSCOPE_VERSION_SCRIPT);
        const Run r = run(QStringLiteral(DEALSCOPE_CMAKE_COMMAND), args);
        Stamp s;
        if (r.exitCode != 0) {
            qWarning() << r.err;
            return s;
        }
        QFile f(output);
        if (!f.open(QIODevice::ReadOnly))
            return s;
        const QString text = QString::fromUtf8(f.readAll());
        static const QRegularExpression literal(u"QStringLiteral\\(\"([^\"]*)\"\\)"_s);
        auto it = literal.globalMatch(text);
        s.version = it.hasNext() ? it.next().captured(1) : QString();
        s.revision = it.hasNext() ? it.next().captured(1) : QString();
        s.dirty = text.contains(u"return true;"_s);
        s.written = QFileInfo(output).lastModified();
        return s;
    }

    QString gitIn(const QString &dir, const QStringList &args)
    {
        const Run r = run(git(),
            QStringList { u"-C"_s, dir, u"-c"_s, u"user.name=Test"_s, u"-c"_s, u"user.email=test@example.invalid"_s }
                + args);
        return r.exitCode == 0 ? r.out.trimmed() : u"<git failed: "_s + r.err + u'>';
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void programs_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("name");
#ifdef DEALSCOPE_CLI_PATH
        QTest::newRow("dealscope-cli") << QStringLiteral(DEALSCOPE_CLI_PATH) << u"dealscope-cli"_s;
#endif
#ifdef DEALSCOPE_SERVER_PATH
        QTest::newRow("dealscope-server") << QStringLiteral(DEALSCOPE_SERVER_PATH) << u"dealscope-server"_s;
#endif
#ifdef DEALSCOPE_PATH
        // The desktop app prints its application name (the settings and data folders use it).
        QTest::newRow("dealscope") << QStringLiteral(DEALSCOPE_PATH) << u"Dealscope"_s;
#endif
    }

    void programs()
    {
        QFETCH(QString, path);
        QFETCH(QString, name);
        const Run r = run(path, { u"--version"_s });
        QCOMPARE(r.exitCode, 0);
        static const QRegularExpression format(u"^(\\S+) (\\S+) \\(git ([0-9a-f]{12}|unknown)(, dirty)?\\)\\n$"_s);
        const auto m = format.match(r.out);
        QVERIFY2(m.hasMatch(), qPrintable(r.out));
        QCOMPARE(m.captured(1), name);
        QCOMPARE(m.captured(2), QStringLiteral(DEALSCOPE_VERSION));
        const QString revision = m.captured(3);
        if (revision != u"unknown"_s && QFileInfo::exists(QStringLiteral(DEALSCOPE_SOURCE_DIR "/.git"))) {
            // A commit of this repository (HEAD at build time; HEAD may have moved since).
            QVERIFY2(gitIn(QStringLiteral(DEALSCOPE_SOURCE_DIR), { u"cat-file"_s, u"-t"_s, revision }) == u"commit"_s,
                qPrintable(revision));
        }
        m_versions.insert(name, r.out.section(u' ', 1));
    }

    void everyProgramPrintsTheSameBuild()
    {
        QVERIFY(!m_versions.isEmpty());
        for (const QString &text : std::as_const(m_versions))
            QCOMPARE(text, m_versions.first());
#ifdef DEALSCOPE_CLI_PATH
        // The commands' --version says the same as the program's.
        const Run r = run(QStringLiteral(DEALSCOPE_CLI_PATH), { u"analyze"_s, u"--version"_s });
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, u"dealscope-cli "_s + m_versions.first());
#endif
    }

    void stampFollowsTheCheckout()
    {
        if (git().isEmpty())
            QSKIP("git is not installed");
        const QString repo = m_dir.filePath(u"repo"_s);
        QVERIFY(QDir().mkpath(repo));
        gitIn(repo, { u"init"_s, u"-q"_s });
        writeFile(repo + u"/tracked.txt"_s, "one\n");
        gitIn(repo, { u"add"_s, u"tracked.txt"_s });
        gitIn(repo, { u"commit"_s, u"-q"_s, u"-m"_s, u"first"_s });
        const QString head = gitIn(repo, { u"rev-parse"_s, u"--short=12"_s, u"HEAD"_s });
        QCOMPARE(head.size(), 12);

        const Stamp clean = stamp(repo);
        QCOMPARE(clean.version, u"9.8.7"_s);
        QCOMPARE(clean.revision, head);
        QVERIFY(!clean.dirty);

        // Nothing changed: the file is left alone, so nothing that depends on it is rebuilt.
        const QDateTime old(QDate(2001, 2, 3), QTime(4, 5, 6), Qt::UTC);
        {
            QFile generated(m_dir.filePath(u"BuildVersion.cpp"_s));
            QVERIFY(generated.open(QIODevice::ReadWrite));
            QVERIFY(generated.setFileTime(old, QFileDevice::FileModificationTime));
        }
        QCOMPARE(stamp(repo).written, old);

        // Untracked files (a build folder, say) do not make the tree dirty; a modified tracked file does.
        writeFile(repo + u"/untracked.txt"_s, "x\n");
        QVERIFY(!stamp(repo).dirty);
        writeFile(repo + u"/tracked.txt"_s, "two\n");
        const Stamp modified = stamp(repo);
        QVERIFY(modified.dirty);
        QCOMPARE(modified.revision, head);

        // A new commit: a clean stamp with the new revision.
        gitIn(repo, { u"commit"_s, u"-q"_s, u"-am"_s, u"second"_s });
        const Stamp next = stamp(repo);
        QVERIFY(!next.dirty);
        QCOMPARE(next.revision, gitIn(repo, { u"rev-parse"_s, u"--short=12"_s, u"HEAD"_s }));
        QVERIFY(next.revision != head);
    }

    void stampOutsideGit()
    {
        const QString plain = m_dir.filePath(u"tarball"_s);
        QVERIFY(QDir().mkpath(plain));
        const Stamp s = stamp(plain);
        QCOMPARE(s.revision, u"unknown"_s);
        QVERIFY(!s.dirty);
        // Packagers building from a tarball can name the revision.
        QCOMPARE(stamp(plain, u"0123456789ab"_s).revision, u"0123456789ab"_s);
    }

private:
    QMap<QString, QString> m_versions; // program -> what follows its name
};

QTEST_GUILESS_MAIN(TestVersion)
#include "tst_version.moc"
