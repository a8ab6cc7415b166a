// dealscope-cli import: counts and diagnostics of real files, exit 2 for unreadable input.

#include "CliProcess.h"

#include <QTemporaryDir>
#include <QTest>

using namespace clitest;
using namespace Qt::Literals::StringLiterals;

class TestCliImport final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFile::exists(cliPath()), qPrintable(cliPath()));
    }

    void realFiles_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<qint64>("rows");
        QTest::newRow("bizbuysell") << u"bizbuysell-2023-06-27.csv"_s << qint64(1213);
        QTest::newRow("bizquest") << u"bizquest-2025-07.csv"_s << qint64(2731);
    }

    void realFiles()
    {
        QFETCH(QString, file);
        QFETCH(qint64, rows);
        const QString path = QStringLiteral(DEALSCOPE_SHARED_DATA_DIR) + u"/listings/"_s + file;
        QVERIFY2(QFile::exists(path), qPrintable(path));

        const CliRun json = runCli({ u"import"_s, path, u"--json"_s });
        QCOMPARE(json.exitCode, 0);
        const auto report = json.json();
        QCOMPARE(report["rows"].get<qint64>(), rows);
        QCOMPARE_JSON(report["format"], "csv");
        QCOMPARE(report["file"].get<std::string>(), path.toStdString());
        const auto imported = report["imported"].get<qint64>();
        const auto errors = report["errors"].get<qint64>();
        QCOMPARE(imported + errors, rows);
        QVERIFY(imported > rows / 2); // most rows of a real scrape are usable listings
        QVERIFY(report["diagnostics"].is_array());
        QCOMPARE(report["diagnostics"].size() + report["diagnosticsDropped"].get<size_t>(),
            size_t(report["warnings"].get<qint64>() + errors));
        for (const auto &d : report["diagnostics"]) {
            QVERIFY(d.contains("line"));
            QVERIFY(d.contains("column"));
            QVERIFY(d["message"].is_string() && !d["message"].get<std::string>().empty());
        }

        // The text form shows the same counts and one line per diagnostic.
        const CliRun text = runCli({ u"import"_s, path });
        QCOMPARE(text.exitCode, 0);
        const QString firstLine = text.outText().section(u'\n', 0, 0);
        QVERIFY2(firstLine.contains(u"%1 rows, %2 imported, %3 warnings, %4 errors"_s.arg(rows)
                                        .arg(imported)
                                        .arg(report["warnings"].get<qint64>())
                                        .arg(errors)),
            qPrintable(firstLine));
        QCOMPARE(text.outText().count(u'\n'),
            1 + qsizetype(report["diagnostics"].size()) + (report["diagnosticsDropped"].get<qint64>() > 0 ? 1 : 0));
    }

    void bizbuysellKnownProblems()
    {
        const QString path = QStringLiteral(DEALSCOPE_SHARED_DATA_DIR) + u"/listings/bizbuysell-2023-06-27.csv"_s;
        const auto report = runCli({ u"import"_s, path, u"--json"_s }).json();
        // Ragged rows (11–25 cells under 17 headers) are kept and reported as warnings.
        bool ragged = false;
        for (const auto &d : report["diagnostics"])
            ragged = ragged || QString::fromStdString(d["message"].get<std::string>()).contains(u"cells"_s);
        QVERIFY(ragged);
        QVERIFY(report["warnings"].get<qint64>() > 0);
    }

    void jsonListings()
    {
        const QString path = m_dir.filePath(u"listings.json"_s);
        QVERIFY(writeFile(path, R"({"listings": [{"id": "x1", "title": "Bakery", "askingPrice": "$120,000"},
                                                  {"id": "x2", "askingPrice": 5}]})"));
        const CliRun run = runCli({ u"import"_s, path, u"--json"_s });
        QCOMPARE(run.exitCode, 0);
        const auto report = run.json();
        QCOMPARE_JSON(report["format"], "json");
        QCOMPARE(report["rows"].get<int>(), 2);
        QCOMPARE(report["imported"].get<int>(), 1); // x2 has no title
        QCOMPARE(report["errors"].get<int>(), 1);
    }

    void numberBeyondADoubleIsADiagnostic()
    {
        // This file made `dealscope-cli import` exit 134 (an uncaught nlohmann out_of_range).
        const QString path = m_dir.filePath(u"huge.json"_s);
        QVERIFY(writeFile(path, R"([{"title":"Shop","askingPrice":1e999}])"));
        const CliRun run = runCli({ u"import"_s, path, u"--json"_s });
        QCOMPARE(run.exitCode, 0);
        const auto report = run.json();
        QCOMPARE(report["imported"].get<int>(), 1);
        QCOMPARE(report["warnings"].get<int>(), 1);
        QVERIFY(report["diagnostics"][0]["message"].get<std::string>().find("not a number") != std::string::npos);
    }

    void unreadableFiles_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("content");
        QTest::newRow("missing") << u"missing.csv"_s << QByteArray();
        QTest::newRow("empty") << u"empty.csv"_s << QByteArray("");
        QTest::newRow("binary") << u"image.csv"_s
                                << QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02", 25);
        QTest::newRow("broken json") << u"broken.json"_s << QByteArray("{\"listings\": [ {\"title\": ");
        QTest::newRow("json scalar") << u"scalar.json"_s << QByteArray("42");
        QTest::newRow("no title column") << u"notitle.csv"_s << QByteArray("price,revenue\n1,2\n3,4\n");
    }

    void unreadableFiles()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, content);
        const QString path = m_dir.filePath(name);
        if (name != u"missing.csv"_s)
            QVERIFY(writeFile(path, content));
        const CliRun run = runCli({ u"import"_s, path });
        QCOMPARE(run.exitCode, 2);
        QVERIFY(!run.crashed);
        QVERIFY2(run.errText().contains(u"cannot read"_s), qPrintable(run.errText()));
        QVERIFY(run.out.isEmpty());

        // --json still describes the failure on stdout, with the same exit code.
        const CliRun json = runCli({ u"import"_s, path, u"--json"_s });
        QCOMPARE(json.exitCode, 2);
        QVERIFY(!json.json()["fatalError"].get<std::string>().empty());
    }

    void aFolderIsNotAFile()
    {
        const CliRun run = runCli({ u"import"_s, m_dir.path() });
        QCOMPARE(run.exitCode, 2);
    }

    void usage_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("no file") << QStringList { u"import"_s };
        QTest::newRow("two files") << QStringList { u"import"_s, u"a.csv"_s, u"b.csv"_s };
        QTest::newRow("bad format") << QStringList { u"import"_s, u"a.csv"_s, u"--format"_s, u"xml"_s };
        QTest::newRow("unknown option") << QStringList { u"import"_s, u"a.csv"_s, u"--frobnicate"_s };
        QTest::newRow("unknown command") << QStringList { u"imprt"_s, u"a.csv"_s };
        QTest::newRow("no command") << QStringList {};
    }

    void usage()
    {
        QFETCH(QStringList, arguments);
        const CliRun run = runCli(arguments);
        QCOMPARE(run.exitCode, 2);
        QVERIFY(!run.err.isEmpty());
        QVERIFY(run.out.isEmpty());
    }

    void helpAndVersion_data()
    {
        QTest::addColumn<QString>("command");
        for (const char *command : { "import", "analyze", "generate", "jobs", "resume" })
            QTest::newRow(command) << QString::fromLatin1(command);
    }

    void helpAndVersion()
    {
        QFETCH(QString, command);
        const CliRun help = runCli({ command, u"--help"_s });
        QCOMPARE(help.exitCode, 0);
        QVERIFY2(help.outText().startsWith(u"Usage: dealscope-cli "_s + command), qPrintable(help.outText()));
        QVERIFY(help.outText().contains(u"--version"_s));
        const CliRun version = runCli({ command, u"--version"_s });
        QCOMPARE(version.exitCode, 0);
        // The version and the git revision of the build (tests/app/tst_version checks the rest).
        QVERIFY2(version.outText().startsWith(u"dealscope-cli %1 (git "_s.arg(QStringLiteral(DEALSCOPE_VERSION))),
            qPrintable(version.outText()));
    }

    void topLevelHelpListsEveryCommand()
    {
        const CliRun help = runCli({ u"--help"_s });
        QCOMPARE(help.exitCode, 0);
        for (const char *command : { "import", "analyze", "generate", "jobs", "resume" })
            QVERIFY2(help.outText().contains(u"\n  "_s + QString::fromLatin1(command)), command);
        QCOMPARE(runCli({ u"--version"_s }).exitCode, 0);
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestCliImport)
#include "tst_cli_import.moc"
