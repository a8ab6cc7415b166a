// The export formats written to real files and read back: CSV parsed with the project's RFC 4180
// reader, JSON parsed, Markdown read, the PDF turned back into text with pdftotext (poppler).
#include "ExportFixture.h"
#include "common/CsvReader.h"
#include "export/CsvExport.h"
#include "export/ExportFormat.h"
#include "export/Exporter.h"
#include "export/MarkdownExport.h"
#include "export/PdfExport.h"
#include "export/SafeFileName.h"

#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTest>

using namespace dealscope;
using namespace dealscope::testing;
using namespace Qt::Literals::StringLiterals;

namespace {

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QList<QStringList> parseCsv(const QByteArray &bytes)
{
    QList<QStringList> rows;
    CsvReader reader(bytes);
    CsvRecord record;
    while (reader.next(record))
        rows.append(record.fields);
    return rows;
}

} // namespace

class TestExporters final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    ResultsLibrary m_library;
    QList<StoredResult> m_results;

    QString path(const QString &name) const { return m_dir.filePath(name); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_library.open(path(u"results.sqlite"_s)));
        const QList<Listing> listings {
            exportListing(u"L1"_s, u"Austin Car Wash"_s, 1'200'000, 800'000, 300'000),
            // Hostile: commas, quotes, a line break, a formula, markup.
            exportListing(u"L2"_s, u"=HYPERLINK(\"http://x\"), \"Best\"\nWash [click](http://x) | *bold*"_s, 450'000,
                900'000, 150'000),
            // Missing figures: no price, no cash flow.
            exportListing(u"L3"_s, u"Miami Salon"_s, std::nullopt, 250'000, std::nullopt, u"Beauty Salons"_s),
        };
        m_results = storeResults(m_library, listings, u"valuation"_s);
        QCOMPARE(m_results.size(), 3);
        QVERIFY(m_library.setAnnotation(
            AnnotationKind::Listing, u"L1"_s, { u"Seller will carry 20 %"_s, { u"shortlist"_s } }));
        QVERIFY(m_library.setAnnotation(
            AnnotationKind::Result, u"job-L1-valuation"_s, { u"Check the lease"_s, { u"call"_s } }));
        ResultQuery q;
        q.withJson = true;
        m_results = m_library.search(q); // with the notes
        std::sort(m_results.begin(), m_results.end(), [](auto &a, auto &b) { return a.listingId < b.listingId; });
    }

    void csvHasOneRowPerAnalysisWithPlainNumbers()
    {
        const QString file = path(u"out.csv"_s);
        const auto outcome = Exporter::write(m_results, ExportFormat::Csv, file);
        QVERIFY2(outcome.ok, qPrintable(outcome.error));
        QCOMPARE(outcome.count, 3);
        const auto rows = parseCsv(readAll(file));
        QCOMPARE(rows.size(), 4);
        const QStringList header = rows.at(0);
        QCOMPARE(header.mid(0, 4), (QStringList { u"listingId"_s, u"title"_s, u"analysisType"_s, u"score"_s }));
        for (const QString &metric :
            { u"sdeMultiple"_s, u"revenueMultiple"_s, u"cashFlowMargin"_s, u"loanAmount"_s, u"annualDebtService"_s,
                u"dscr"_s, u"maxPriceAtTargetDscr"_s, u"paybackYears"_s, u"businessAgeYears"_s })
            QVERIFY2(header.contains(metric), qPrintable(metric));
        const auto cell = [&](int row, const QString &column) { return rows.at(row).value(header.indexOf(column)); };
        for (int r = 1; r < rows.size(); ++r)
            QCOMPARE(rows.at(r).size(), header.size());
        // L1: $1.2M over $300k cash flow is 4×, plain numbers that parse back.
        QCOMPARE(cell(1, u"listingId"_s), u"L1"_s);
        QCOMPARE(cell(1, u"analysisType"_s), u"valuation"_s);
        QCOMPARE(cell(1, u"sdeMultiple"_s).toDouble(), 4.0);
        QCOMPARE(cell(1, u"askingPrice"_s), u"1200000"_s);
        QCOMPARE(cell(1, u"cashFlowMargin"_s).toDouble(), 0.375);
        bool ok = false;
        cell(1, u"score"_s).toDouble(&ok);
        QVERIFY(ok);
        QVERIFY(!cell(1, u"dscr"_s).contains(u'$') && !cell(1, u"dscr"_s).contains(u'×'));
        QCOMPARE(cell(1, u"tags"_s), u"call"_s);
        QCOMPARE(cell(1, u"notes"_s), u"Check the lease"_s);
        QCOMPARE(cell(1, u"listingTags"_s), u"shortlist"_s);
        // The hostile title reads back whole, as text, never as a formula.
        QVERIFY(cell(2, u"title"_s).startsWith(u"'=HYPERLINK(\"http://x\"), \"Best\"\nWash"_s));
        // Unknown figures are empty cells, never 0.
        QCOMPARE(cell(3, u"askingPrice"_s), QString());
        QCOMPARE(cell(3, u"sdeMultiple"_s), QString());
        QCOMPARE(cell(3, u"dscr"_s), QString());
    }

    void jsonParsesBackWithJobListingAndNotes()
    {
        const QString file = path(u"out.json"_s);
        QVERIFY(Exporter::write(m_results, ExportFormat::Json, file).ok);
        const auto json = nlohmann::json::parse(readAll(file).toStdString());
        QVERIFY(json.is_array());
        QCOMPARE(json.size(), size_t(3));
        QCOMPARE(QString::fromStdString(json[0]["listingId"].get<std::string>()), u"L1"_s);
        QVERIFY(json[0]["job"]["result"]["metrics"]["sdeMultiple"] == 4.0);
        QVERIFY(json[0]["listing"]["title"] == "Austin Car Wash");
        QVERIFY(json[0]["notes"]["tags"] == nlohmann::json::array({ "call" }));
        QVERIFY(json[0]["listingNotes"]["notes"] == "Seller will carry 20 %");
        QVERIFY(json[2]["job"]["result"]["metrics"]["sdeMultiple"].is_null());
    }

    void markdownEscapesWhatListingsCarry()
    {
        const QString file = path(u"out.md"_s);
        QVERIFY(Exporter::write(m_results, ExportFormat::Markdown, file).ok);
        const QString md = QString::fromUtf8(readAll(file));
        QVERIFY(md.contains(u"## Valuation — Austin Car Wash"_s));
        QVERIFY2(md.contains(u"| SDE multiple | 4.00× |"_s), qPrintable(md.left(3000)));
        QVERIFY(md.contains(u"Score "_s));
        QVERIFY(md.contains(u"### Findings"_s));
        QVERIFY(md.contains(u"### Benchmark"_s));
        QVERIFY(md.contains(u"Seller will carry 20 %"_s));
        // The hostile title cannot make a link, emphasis or a table cell.
        QVERIFY(md.contains(u"\\[click\\](http://x) \\| \\*bold\\*"_s));
        QVERIFY(!md.contains(u"[click](http"_s));
        QCOMPARE(MarkdownExport::escape(u"# not a heading\n- not a list\n1. not numbered"_s),
            u"\\# not a heading\n\\- not a list\n1\\. not numbered"_s);
    }

    void pdfReadsBackAsText()
    {
        const QString pdftotext = QStandardPaths::findExecutable(u"pdftotext"_s);
        if (pdftotext.isEmpty())
            QFAIL("pdftotext (poppler-utils, scripts/packages.txt) is missing");
        const QString file = path(u"out.pdf"_s);
        const auto outcome = Exporter::write(m_results, ExportFormat::Pdf, file);
        QVERIFY2(outcome.ok, qPrintable(outcome.error));
        QVERIFY(readAll(file).startsWith("%PDF-"));
        QProcess p;
        p.start(pdftotext, { u"-layout"_s, file, u"-"_s });
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        const QString text = QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY2(text.contains(u"Valuation — Austin Car Wash"_s), qPrintable(text.left(2000)));
        QVERIFY(text.contains(u"Score"_s));
        QVERIFY(text.contains(u"4.00×"_s)); // SDE multiple
        QVERIFY(text.contains(u"SDE multiple"_s));
        QVERIFY(text.contains(u"Findings"_s));
        QVERIFY(text.contains(u"Source:"_s)); // benchmark sources
        QVERIFY(text.contains(u"Multiples against the sector benchmark"_s)); // the chart's heading
        QVERIFY(text.contains(u"Seller will carry 20 %"_s));
        QVERIFY(text.contains(u"Miami Salon"_s));
        // Each result starts a page of its own (pdftotext separates pages with form feeds).
        const QStringList pages = text.split(u'\f');
        int starts = 0;
        for (const QString &page : pages)
            starts += page.trimmed().startsWith(u"Dealscope ·"_s) ? 1 : 0;
        QCOMPARE(starts, 3);
    }

    void unwritableTargetsFailWithAReason()
    {
        const auto dir = Exporter::write(m_results, ExportFormat::Csv, m_dir.path());
        QVERIFY(!dir.ok);
        QVERIFY(!dir.error.isEmpty());
        QFile blocker(path(u"blocker"_s));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        const auto under = Exporter::write(m_results, ExportFormat::Json, path(u"blocker/out.json"_s));
        QVERIFY(!under.ok);
        QVERIFY(!Exporter::write(m_results, ExportFormat::Pdf, QString()).ok);
        // An empty export is a valid, empty file.
        QVERIFY(Exporter::write({}, ExportFormat::Json, path(u"empty.json"_s)).ok);
        QVERIFY(nlohmann::json::parse(readAll(path(u"empty.json"_s)).toStdString()).empty());
        QVERIFY(Exporter::write({}, ExportFormat::Csv, path(u"empty.csv"_s)).ok);
        QCOMPARE(parseCsv(readAll(path(u"empty.csv"_s))).size(), 1);
    }

    void formatsByNameAndExtension()
    {
        QCOMPARE(ExportFormats::parse(u"CSV"_s), std::optional(ExportFormat::Csv));
        QCOMPARE(ExportFormats::parse(u" markdown "_s), std::optional(ExportFormat::Markdown));
        QCOMPARE(ExportFormats::parse(u"md"_s), std::optional(ExportFormat::Markdown));
        QCOMPARE(ExportFormats::parse(u"pdf"_s), std::optional(ExportFormat::Pdf));
        QVERIFY(!ExportFormats::parse(u"xlsx"_s));
        QVERIFY(!ExportFormats::parse(QString()));
        QVERIFY(!ExportFormats::parse(u"csv;rm -rf"_s));
        QCOMPARE(ExportFormats::fromFileName(u"/tmp/a.b/report.JSON"_s), std::optional(ExportFormat::Json));
        QVERIFY(!ExportFormats::fromFileName(u"/tmp/report"_s));
    }

    void safeFileNames_data()
    {
        QTest::addColumn<QString>("base");
        QTest::addColumn<QString>("expected");
        QTest::newRow("plain") << u"Austin Car Wash"_s << u"Austin-Car-Wash.pdf"_s;
        QTest::newRow("path") << u"../../etc/passwd"_s << u"etc-passwd.pdf"_s;
        QTest::newRow("windows") << u"C:\\Users\\a:b*c?\"d<e>f|g"_s << u"C-Users-a-b-c-d-e-f-g.pdf"_s;
        QTest::newRow("control") << u"a\u0001b\tc\nd"_s << u"a-b-c-d.pdf"_s;
        QTest::newRow("dots") << u"..."_s << u"dealscope.pdf"_s;
        QTest::newRow("empty") << QString() << u"dealscope.pdf"_s;
        QTest::newRow("device") << u"CON"_s << u"CON-file.pdf"_s;
        QTest::newRow("device2") << u"lpt1"_s << u"lpt1-file.pdf"_s;
        QTest::newRow("unicode") << u"Café Zürich 🚗"_s << u"Café-Zürich-🚗.pdf"_s;
        QTest::newRow("trailing") << u"name. . "_s << u"name.pdf"_s;
    }

    void safeFileNames()
    {
        QFETCH(QString, base);
        QFETCH(QString, expected);
        QCOMPARE(SafeFileName::make(base, u"pdf"_s), expected);
    }

    void safeFileNamesStayShortAndWhole()
    {
        const QString name = SafeFileName::make(QString(300, u'x'), u"csv"_s);
        QCOMPARE(name.size(), 104);
        // 99 × 'a' then an emoji: cut before it, never between its two halves.
        const QString cut = SafeFileName::make(QString(99, u'a') + u"🚗🚗"_s, u"md"_s);
        QVERIFY(!cut.contains(QChar(0xD83D)) || cut.contains(u"🚗"_s));
        QVERIFY(QString(cut).remove(u".md"_s).toUtf8().isValidUtf8());
        QCOMPARE(SafeFileName::forResult(u"Austin/Car Wash"_s, u"valuation"_s, u"pdf"_s),
            u"Austin-Car-Wash_valuation.pdf"_s);
        QCOMPARE(SafeFileName::forResult(QString(), u"risk_assessment"_s, u".json"_s), u"risk_assessment.json"_s);
    }
};

QTEST_MAIN(TestExporters)
#include "tst_exporters.moc"
