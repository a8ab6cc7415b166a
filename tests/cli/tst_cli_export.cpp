// dealscope-cli export and analyze --rank, through the real binary: what `analyze` stores goes to
// the results library of the data folder, and `export` writes it in every format.
#include "CliProcess.h"

#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace clitest;
using namespace Qt::Literals::StringLiterals;

class TestCliExport final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_listings;

    QString dataDir() const { return m_dir.filePath(u"data"_s); }
    QStringList common() const { return { u"--data-dir"_s, dataDir() }; }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_listings = m_dir.filePath(u"known.csv"_s);
        QVERIFY(writeFile(m_listings, knownListingsCsv()));
    }

    // Nothing analysed yet: a clear message, no file, exit code 0.
    void emptyLibrary()
    {
        const QString out = m_dir.filePath(u"nothing.csv"_s);
        CliRun run = runCli(QStringList { u"export"_s, u"--format"_s, u"csv"_s, u"-o"_s, out } + common());
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.errText().contains(u"Nothing to export"_s), qPrintable(run.errText()));
        QVERIFY(run.errText().contains(u"analyze"_s));
        QVERIFY(!QFile::exists(out));
    }

    void exportAfterAnalyze()
    {
        CliRun analyzed = runCli({ u"analyze"_s, u"--listings"_s, m_listings, u"--all"_s, u"--type"_s, u"valuation"_s,
            u"--data-dir"_s, dataDir(), u"--settings"_s, m_dir.filePath(u"s.ini"_s) });
        QCOMPARE(analyzed.exitCode, 0);
        QVERIFY(QFile::exists(dataDir() + u"/results.sqlite"_s)); // the library the desktop reads

        const QString csv = m_dir.filePath(u"all.csv"_s);
        CliRun run = runCli(QStringList { u"export"_s, u"-o"_s, csv } + common()); // format from the extension
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.errText().contains(u"Exported 3 results as CSV"_s), qPrintable(run.errText()));
        const QStringList lines = QString::fromUtf8(readFile(csv)).split(u"\r\n"_s, Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 4);
        QVERIFY(lines.at(0).startsWith(u"listingId,title,analysisType,score,"_s));
        QVERIFY(lines.join(u'\n').contains(u"A1,Sunny Car Wash,valuation,"_s));
        // A1: $500k over $200k cash flow, 2.5× in plain numbers.
        const QStringList header = lines.at(0).split(u',');
        for (const QString &line : lines.mid(1)) {
            const QStringList cells = line.split(u',');
            if (cells.at(0) == u"A1"_s) {
                QCOMPARE(cells.at(header.indexOf(u"sdeMultiple"_s)), u"2.5"_s);
                QCOMPARE(cells.at(header.indexOf(u"askingPrice"_s)), u"500000"_s);
            }
        }

        const QString json = m_dir.filePath(u"one.json"_s);
        run = runCli(
            QStringList { u"export"_s, u"--format"_s, u"json"_s, u"-o"_s, json, u"--listing"_s, u"B2"_s } + common());
        QCOMPARE(run.exitCode, 0);
        const auto parsed = nlohmann::json::parse(readFile(json).toStdString());
        QCOMPARE(parsed.size(), size_t(1));
        QCOMPARE_JSON(parsed[0]["listingId"], "B2");
        QCOMPARE_JSON(parsed[0]["job"]["status"], "succeeded");

        const QString md = m_dir.filePath(u"two.md"_s);
        run = runCli(QStringList { u"export"_s, u"--format"_s, u"md"_s, u"-o"_s, md, u"--listing"_s, u"A1"_s,
                         u"--listing"_s, u"B2"_s, u"--type"_s, u"valuation"_s }
            + common());
        QCOMPARE(run.exitCode, 0);
        const QString markdown = QString::fromUtf8(readFile(md));
        QVERIFY(markdown.contains(u"## Valuation — Sunny Car Wash"_s));
        QVERIFY(markdown.contains(u"## Valuation — Corner Cafe"_s));
        QVERIFY(!markdown.contains(u"No Numbers Shop"_s));

        const QString pdftotext = QStandardPaths::findExecutable(u"pdftotext"_s);
        QVERIFY2(!pdftotext.isEmpty(), "pdftotext (poppler-utils) is missing");
        const QString pdf = m_dir.filePath(u"report.pdf"_s);
        run = runCli(
            QStringList { u"export"_s, u"--format"_s, u"pdf"_s, u"-o"_s, pdf, u"--listing"_s, u"A1"_s } + common());
        QCOMPARE(run.exitCode, 0);
        QProcess text;
        text.start(pdftotext, { pdf, u"-"_s });
        QVERIFY(text.waitForFinished(60000));
        const QString pdfText = QString::fromUtf8(text.readAllStandardOutput());
        QVERIFY2(pdfText.contains(u"Sunny Car Wash"_s), qPrintable(pdfText.left(1000)));
        QVERIFY(pdfText.contains(u"2.50×"_s));

        // Filters that match nothing: a message, exit code 0, no file.
        const QString none = m_dir.filePath(u"none.csv"_s);
        run = runCli(QStringList { u"export"_s, u"-o"_s, none, u"--type"_s, u"risk_assessment"_s } + common());
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.errText().contains(u"no result matches"_s));
        QVERIFY(!QFile::exists(none));
    }

    void rankedAnalysis()
    {
        CliRun run = runCli({ u"analyze"_s, u"--listings"_s, m_listings, u"--all"_s, u"--type"_s, u"valuation"_s,
            u"--rank"_s, u"--data-dir"_s, m_dir.filePath(u"rank"_s), u"--settings"_s, m_dir.filePath(u"r.ini"_s) });
        QCOMPARE(run.exitCode, 0);
        const QStringList lines = run.outText().split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 4);
        QVERIFY(lines.at(0).contains(u"premium vs sector"_s));
        QVERIFY(lines.at(0).contains(u"max price at target DSCR"_s));
        // C3 has no figures: ranked last, its unknowns shown as dashes.
        QVERIFY(lines.at(3).contains(u"C3"_s));
        QVERIFY(lines.at(3).contains(u"—"_s));
        run = runCli({ u"analyze"_s, u"--listings"_s, m_listings, u"--all"_s, u"--type"_s, u"valuation"_s, u"--rank"_s,
            u"--json"_s, u"--data-dir"_s, m_dir.filePath(u"rank"_s), u"--settings"_s, m_dir.filePath(u"r.ini"_s) });
        QCOMPARE(run.exitCode, 0);
        const auto ranking = run.json();
        QCOMPARE(ranking.size(), size_t(3));
        QCOMPARE_JSON(ranking[0]["rank"], 1);
        QVERIFY(ranking[0]["score"].get<double>() >= ranking[1]["score"].get<double>());
        QVERIFY(ranking[2]["dscr"].is_null());
    }

    void badUsage_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("no output") << QStringList { u"--format"_s, u"csv"_s } << u"missing -o FILE"_s;
        QTest::newRow("bad format") << QStringList { u"--format"_s, u"xlsx"_s, u"-o"_s, u"x"_s }
                                    << u"unknown format 'xlsx'"_s;
        QTest::newRow("no format") << QStringList { u"-o"_s, u"report"_s } << u"give --format"_s;
        QTest::newRow("bad type") << QStringList { u"-o"_s, u"x.csv"_s, u"--type"_s, u"everything"_s }
                                  << u"unknown analysis type 'everything'"_s;
        QTest::newRow("folder") << QStringList { u"-o"_s, u"."_s, u"--format"_s, u"csv"_s } << u"is a folder"_s;
        QTest::newRow("extra") << QStringList { u"-o"_s, u"x.csv"_s, u"stray"_s } << u"unexpected argument"_s;
    }

    void badUsage()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const CliRun run = runCli(QStringList { u"export"_s } + arguments + common());
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.errText().contains(message), qPrintable(run.errText()));
    }

    void unwritableOutput()
    {
        // Only after an analyze is there something to write.
        QFile blocker(m_dir.filePath(u"blocker"_s));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        const CliRun run
            = runCli(QStringList { u"export"_s, u"-o"_s, m_dir.filePath(u"blocker/out.json"_s) } + common());
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.errText().contains(u"cannot"_s));
    }
};

QTEST_GUILESS_MAIN(TestCliExport)
#include "tst_cli_export.moc"
