#include "benchmarks/BenchmarkTable.h"
#include "import/ListingImporter.h"
#include "import/LocationParser.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace dealscope;
using Severity = ImportDiagnostic::Severity;

namespace {

QString dataFile(const char *name)
{
    return QStringLiteral(DEALSCOPE_SHARED_DATA_DIR "/listings/") + QString::fromLatin1(name);
}

QList<ImportDiagnostic> matching(const ImportResult &r, const QString &needle)
{
    QList<ImportDiagnostic> out;
    for (const ImportDiagnostic &d : r.diagnostics)
        if (d.message.contains(needle))
            out.append(d);
    return out;
}

} // namespace

class TestListingImporter final : public QObject
{
    Q_OBJECT

    std::shared_ptr<const BenchmarkTable> m_table;

    ImportResult csv(const QByteArray &data) const
    {
        return ListingImporter(m_table).importData(data, ListingImporter::Format::Csv);
    }
    ImportResult autoDetect(const QByteArray &data) const { return ListingImporter(m_table).importData(data); }

private slots:
    void initTestCase() { m_table = BenchmarkTable::builtin(); }

    void aliasHeaders()
    {
        const QByteArray data
            = "Name,PRICE,profit,Gross_Revenue,year established,Category,Business Description,Link,FF&E,"
              "Inventory,employees,ebitda,ID,Source,State,City\n"
              "Joe's Diner,$250K,\"$80,000\",1.1M,1998,Restaurants,Breakfast and lunch,https://x.test/a/1,"
              "\"$40,000\",\"$12,000\",7,\"$70,000\",L-1,Broker,Texas,Austin\n";
        const ImportResult r = csv(data);
        QVERIFY2(r.ok(), qPrintable(r.fatalError));
        QCOMPARE(r.rows, 1);
        QCOMPARE(r.imported, 1);
        QCOMPARE(r.warnings, 0);
        QCOMPARE(r.errors, 0);
        const Listing &l = r.listings.at(0);
        QCOMPARE(l.id, QStringLiteral("L-1"));
        QCOMPARE(l.title, QStringLiteral("Joe's Diner"));
        QCOMPARE(l.askingPrice, std::optional<qint64>(250000));
        QCOMPARE(l.cashFlow, std::optional<qint64>(80000));
        QCOMPARE(l.grossRevenue, std::optional<qint64>(1100000));
        QCOMPARE(l.yearEstablished, std::optional<int>(1998));
        QCOMPARE(l.industry, QStringLiteral("Restaurants"));
        QVERIFY(!l.industryInferred);
        QCOMPARE(l.description, QStringLiteral("Breakfast and lunch"));
        QCOMPARE(l.url, QStringLiteral("https://x.test/a/1"));
        QCOMPARE(l.ffe, std::optional<qint64>(40000));
        QCOMPARE(l.inventory, std::optional<qint64>(12000));
        QCOMPARE(l.employees, std::optional<int>(7));
        QCOMPARE(l.ebitda, std::optional<qint64>(70000));
        QCOMPARE(l.source, QStringLiteral("Broker"));
        QCOMPARE(l.state, QStringLiteral("TX"));
        QCOMPARE(l.city, QStringLiteral("Austin"));
        QCOMPARE(l.location, QStringLiteral("Austin, TX"));
    }

    void moreAliases()
    {
        const ImportResult r = csv("title,Asking Price,SDE,Sales,Established,industry,Location,URL\n"
                                   "Shop,\"$1,000\",$500,$2000,2001,Retail,\"Boston, MA\",u\n"
                                   "Lot,,,,,,\"Seminole County, FL\",\n");
        QCOMPARE(r.imported, 2);
        QCOMPARE(r.warnings, 0);
        QCOMPARE(r.listings[0].cashFlow, std::optional<qint64>(500));
        QCOMPARE(r.listings[0].grossRevenue, std::optional<qint64>(2000));
        QCOMPARE(r.listings[0].city, QStringLiteral("Boston"));
        QCOMPARE(r.listings[0].state, QStringLiteral("MA"));
        QCOMPARE(r.listings[1].state, QStringLiteral("FL"));
        QCOMPARE(r.listings[1].city, QString()); // a county is not a city
        QVERIFY(!r.listings[1].askingPrice.has_value()); // unknown is null, never 0
    }

    void duplicateAliasFirstWins()
    {
        const ImportResult r = csv("Title,FF&E,\"Furniture, Fixtures, & Equipment (FF&E)\"\n"
                                   "A,\"$348,000\",Included in asking price\n");
        QCOMPARE(r.imported, 1);
        QCOMPARE(r.listings[0].ffe, std::optional<qint64>(348000));
        QCOMPARE(r.warnings, 1);
        QCOMPARE(r.diagnostics[0].line, 1);
        QCOMPARE(r.diagnostics[0].column, QStringLiteral("Furniture, Fixtures, & Equipment (FF&E)"));
        QVERIFY(r.diagnostics[0].message.contains(QStringLiteral("first one is used")));
    }

    void inventoryFlags()
    {
        const ImportResult r = csv("Title,Inventory\n"
                                   "A,Included in asking price\n"
                                   "B,Not included in asking price\n"
                                   "C,N/A\n"
                                   "D,\"$25,000\"\n"
                                   "E,\"$5,000 (not included)\"\n"
                                   "F,lots\n");
        QCOMPARE(r.imported, 6);
        QCOMPARE(r.listings[0].inventoryIncluded, std::optional<bool>(true));
        QVERIFY(!r.listings[0].inventory);
        QCOMPARE(r.listings[1].inventoryIncluded, std::optional<bool>(false));
        QVERIFY(!r.listings[2].inventoryIncluded);
        QCOMPARE(r.listings[3].inventory, std::optional<qint64>(25000));
        QCOMPARE(r.listings[4].inventory, std::optional<qint64>(5000));
        QCOMPARE(r.listings[4].inventoryIncluded, std::optional<bool>(false));
        QVERIFY(!r.listings[5].inventory);
        QCOMPARE(r.warnings, 1);
        QCOMPARE(r.diagnostics[0].line, 7);
        QCOMPARE(r.diagnostics[0].column, QStringLiteral("Inventory"));
    }

    void badCellsAreNullWithDiagnostics()
    {
        const ImportResult r = csv("Title,Asking Price,Cash Flow,Established,Employees\n"
                                   "A,-$5000,garbage,1066,many\n"
                                   "B,$1.2M,450K,2100,12\n");
        QCOMPARE(r.imported, 2);
        const Listing &a = r.listings[0];
        QVERIFY(!a.askingPrice && !a.cashFlow && !a.yearEstablished && !a.employees);
        QCOMPARE(r.listings[1].askingPrice, std::optional<qint64>(1200000));
        QCOMPARE(r.listings[1].cashFlow, std::optional<qint64>(450000));
        QVERIFY(!r.listings[1].yearEstablished); // in the future
        QCOMPARE(r.warnings, 5);
        QCOMPARE(r.errors, 0);
        QStringList columns;
        for (const ImportDiagnostic &d : r.diagnostics) {
            QCOMPARE(d.severity, Severity::Warning);
            columns << d.column + QLatin1Char('@') + QString::number(d.line);
        }
        QCOMPARE(columns,
            QStringList({ QStringLiteral("Asking Price@2"), QStringLiteral("Cash Flow@2"),
                QStringLiteral("Established@2"), QStringLiteral("Employees@2"), QStringLiteral("Established@3") }));
        QVERIFY(r.diagnostics[0].message.contains(QStringLiteral("negative")));
    }

    void raggedRowsAreKept()
    {
        const ImportResult r = csv("Title,Asking Price,Cash Flow\n"
                                   "Short,$100\n"
                                   "Long,$200,$50,extra,cells\n"
                                   "Exact,$300,$60\n");
        QCOMPARE(r.rows, 3);
        QCOMPARE(r.imported, 3);
        QCOMPARE(r.warnings, 2);
        QCOMPARE(r.listings[0].askingPrice, std::optional<qint64>(100));
        QVERIFY(!r.listings[0].cashFlow);
        QCOMPARE(r.listings[1].cashFlow, std::optional<qint64>(50));
        QCOMPARE(r.diagnostics[0].line, 2);
        QVERIFY(r.diagnostics[0].message.contains(QStringLiteral("2 cells")));
        QCOMPARE(r.diagnostics[1].line, 3);
        QVERIFY(r.diagnostics[1].message.contains(QStringLiteral("extra cells ignored")));
        QCOMPARE(r.diagnostics[1].column, QString());
    }

    void rowWithoutTitleIsRejectedWithItsLine()
    {
        const ImportResult r = csv("Title,Asking Price\n"
                                   "Good,$1\n"
                                   ",$2\n"
                                   "N/A,$3\n"
                                   "\"--- ...\",$4\n"
                                   "\"Multi\nline title\",$5\n"
                                   "   ,$6\n"
                                   "Also good,$7\n");
        QCOMPARE(r.rows, 7);
        QCOMPARE(r.imported, 3);
        QCOMPARE(r.errors, 4);
        QList<qsizetype> lines;
        for (const ImportDiagnostic &d : r.diagnostics) {
            QCOMPARE(d.severity, Severity::Error);
            QCOMPARE(d.column, QStringLiteral("Title"));
            lines << d.line;
        }
        QCOMPARE(lines, QList<qsizetype>({ 3, 4, 5, 8 }));
        QCOMPARE(r.listings[1].title, QStringLiteral("Multi line title"));
        QCOMPARE(r.listings[2].title, QStringLiteral("Also good"));
    }

    void idRules()
    {
        const ImportResult r = csv("Title,URL,id\n"
                                   "A,https://www.bizbuysell.com/Business-Opportunity/x-y/2108998/?d=undefined,\n"
                                   "B,https://www.bizbuysell.com/x/2108999,explicit-7\n"
                                   "C,https://www.bizquest.com/business-for-sale/x/BW2378815/,\n"
                                   "C,https://www.bizquest.com/business-for-sale/x/BW2378815/,\n"
                                   "D,https://8080.example:443/only-host,\n");
        QCOMPARE(r.imported, 5);
        QCOMPARE(r.listings[0].id, QStringLiteral("2108998"));
        QCOMPARE(r.listings[1].id, QStringLiteral("explicit-7"));
        const QString hashed = r.listings[2].id;
        QVERIFY(hashed.startsWith(QLatin1Char('h')));
        QCOMPARE(hashed.size(), 13);
        // Same content → same hash → the later one is renamed.
        QCOMPARE(r.listings[3].id, hashed + QStringLiteral("-2"));
        QVERIFY(r.listings[4].id.startsWith(QLatin1Char('h')));
        QVERIFY(r.listings[4].id != hashed);
        // Stable across imports.
        QCOMPARE(
            csv("Title,URL,id\nC,https://www.bizquest.com/business-for-sale/x/BW2378815/,\n").listings[0].id, hashed);

        QCOMPARE(ListingImporter::idFromUrl(u"https://a.test/b/123/c/456/?q=789#99"), QStringLiteral("456"));
        QCOMPARE(ListingImporter::idFromUrl(u"https://a.test/123"), QStringLiteral("123"));
        QCOMPARE(ListingImporter::idFromUrl(u"https://12345.test/"), QString());
        QCOMPARE(ListingImporter::idFromUrl(u"not a url"), QString());
        QCOMPARE(ListingImporter::idFromUrl(u""), QString());
        QCOMPARE(ListingImporter::idFromUrl(u"/listings/77"), QStringLiteral("77"));
    }

    void duplicateIdsAreRenamedAndReported()
    {
        const ImportResult r = csv("id,title\n"
                                   "7,first\n"
                                   "7,second\n"
                                   "7-2,explicit\n"
                                   "7,third\n");
        QCOMPARE(r.imported, 4);
        QCOMPARE(r.listings[0].id, QStringLiteral("7"));
        QCOMPARE(r.listings[1].id, QStringLiteral("7-2"));
        // "7-2" is taken by the renamed row, so the explicit one becomes 7-2-2.
        QCOMPARE(r.listings[2].id, QStringLiteral("7-2-2"));
        QCOMPARE(r.listings[3].id, QStringLiteral("7-3"));
        QCOMPARE(r.warnings, 3);
        const auto dups = matching(r, QStringLiteral("duplicate id"));
        QCOMPARE(dups.size(), 3);
        QCOMPARE(dups[0].line, 3);
        QCOMPARE(dups[0].column, QStringLiteral("id"));
        QVERIFY(dups[0].message.contains(QStringLiteral("line 2")));
        QVERIFY(dups[0].message.contains(QStringLiteral("'7-2'")));
    }

    void industryInference()
    {
        const ImportResult r = csv("Title,Business Description,Industry\n"
                                   "Joe's Pizza,Family pizzeria downtown,\n"
                                   "HVAC and Plumbing Contractor,Residential service,\n"
                                   "Amazon FBA Brand,Ecommerce store with SaaS tools,\n"
                                   "Day Spa and Salon,Massage and nails,\n"
                                   "Widget Co,,Car Washes\n"
                                   "Acme Holdings,We do many things,\n");
        QCOMPARE(r.imported, 6);
        QCOMPARE(r.listings[0].industry, QStringLiteral("Food and Restaurants"));
        QVERIFY(r.listings[0].industryInferred);
        QCOMPARE(r.listings[1].industry, QStringLiteral("Building and Construction"));
        QCOMPARE(r.listings[2].industry, QStringLiteral("Online and Technology"));
        QCOMPARE(r.listings[3].industry, QStringLiteral("Beauty and Personal Care"));
        QCOMPARE(r.listings[4].industry, QStringLiteral("Car Washes"));
        QVERIFY(!r.listings[4].industryInferred);
        QCOMPARE(r.listings[5].industry, QString()); // unsure → empty, not a guess
        QVERIFY(!r.listings[5].industryInferred);
    }

    void json()
    {
        const QByteArray data = R"([
            {"id": "a", "title": "Bakery", "askingPrice": 120000, "cashFlow": "$40,000", "revenue": "1.2M",
             "inventoryIncluded": true, "yearEstablished": 1999, "location": {"city": "Reno", "state": "Nevada"}},
            {"name": "No id", "price": 5.6, "sde": -3, "industry": "Pet Services"},
            "not an object",
            {"title": "", "price": 1},
            {"title": "Dup", "id": "a", "employees": 4.0, "ebitda": null}
        ])";
        const ImportResult r = autoDetect(data);
        QVERIFY2(r.ok(), qPrintable(r.fatalError));
        QCOMPARE(r.format, QStringLiteral("json"));
        QCOMPARE(r.rows, 5);
        QCOMPARE(r.imported, 3);
        QCOMPARE(r.errors, 2);
        QCOMPARE(r.warnings, 2); // negative sde, duplicate id
        const Listing &a = r.listings[0];
        QCOMPARE(a.askingPrice, std::optional<qint64>(120000));
        QCOMPARE(a.cashFlow, std::optional<qint64>(40000));
        QCOMPARE(a.grossRevenue, std::optional<qint64>(1200000));
        QCOMPARE(a.inventoryIncluded, std::optional<bool>(true));
        QCOMPARE(a.yearEstablished, std::optional<int>(1999));
        QCOMPARE(a.city, QStringLiteral("Reno"));
        QCOMPARE(a.state, QStringLiteral("NV"));
        QCOMPARE(r.listings[1].askingPrice, std::optional<qint64>(6));
        QVERIFY(!r.listings[1].cashFlow);
        QVERIFY(r.listings[1].id.startsWith(QLatin1Char('h')));
        QCOMPARE(r.listings[2].id, QStringLiteral("a-2"));
        QCOMPARE(r.listings[2].employees, std::optional<int>(4));
        QCOMPARE(r.diagnostics[0].column, QStringLiteral("sde"));
        QCOMPARE(r.diagnostics[0].record, 2);
        QCOMPARE(r.diagnostics[1].record, 3);
        QCOMPARE(r.diagnostics[1].severity, Severity::Error);

        const ImportResult wrapped = autoDetect(R"({"listings": [{"title": "X", "id": "1"}]})");
        QCOMPARE(wrapped.imported, 1);
        QCOMPARE(wrapped.listings[0].id, QStringLiteral("1"));
    }

    void bomCrlfAndDelimiters()
    {
        ImportResult r = autoDetect("\xEF\xBB\xBFTitle,Asking Price\r\n\"Two\r\nLines\",\"$1,000\"\r\nNext,$2\r\n");
        QCOMPARE(r.format, QStringLiteral("csv"));
        QCOMPARE(r.imported, 2);
        QCOMPARE(r.warnings, 0);
        QCOMPARE(r.listings[0].title, QStringLiteral("Two Lines"));
        QCOMPARE(r.listings[0].askingPrice, std::optional<qint64>(1000));
        r = autoDetect("\xEF\xBB\xBF  [{\"title\": \"Bom JSON\"}]");
        QCOMPARE(r.format, QStringLiteral("json"));
        QCOMPARE(r.imported, 1);
        r = autoDetect("Title\tAsking Price\nTabbed, Inc.\t$5\n");
        QCOMPARE(r.imported, 1);
        QCOMPARE(r.listings[0].title, QStringLiteral("Tabbed, Inc."));
        QCOMPARE(r.listings[0].askingPrice, std::optional<qint64>(5));
        r = autoDetect("Title;Asking Price\nSemi;$6\n");
        QCOMPARE(r.listings[0].askingPrice, std::optional<qint64>(6));
    }

    void legacyEncodingsAndExcelSepLine()
    {
        // Windows-1252: "Café – “Best”" with a single-byte é, en dash and curly quotes.
        ImportResult r = csv("Title,Asking Price\nCaf\xE9 \x96 \x93"
                             "Best\x94,$5\n");
        QCOMPARE(r.imported, 1);
        QCOMPARE(r.listings[0].title, QString::fromUtf8("Café – “Best”"));
        QCOMPARE(r.warnings, 1);
        QVERIFY(r.diagnostics[0].message.contains(QStringLiteral("Windows-1252")));
        // Mixed: valid UTF-8 elsewhere, so the bad byte is a per-row problem.
        r = csv("Title\nCafé\nBad \xE9 byte\n");
        QCOMPARE(r.imported, 2);
        QCOMPARE(r.listings[0].title, QString::fromUtf8("Café"));
        QCOMPARE(r.warnings, 1);
        QCOMPARE(r.diagnostics[0].line, 3);
        // Excel's "sep=" line names the delimiter and is not the header.
        r = csv("sep=;\nTitle;Asking Price\nSemi, Colon Inc;$7\n");
        QCOMPARE(r.imported, 1);
        QCOMPARE(r.listings[0].title, QStringLiteral("Semi, Colon Inc"));
        QCOMPARE(r.listings[0].askingPrice, std::optional<qint64>(7));
    }

    void jsonAliasKeysOnce()
    {
        const ImportResult r = autoDetect(R"([{"title": "X", "name": "Y", "price": 5, "askingPrice": "$6"},
                                              {"Asking Price": 7, "TITLE": "Z"}])");
        QCOMPARE(r.imported, 2);
        // Keys are read in sorted order: askingPrice before price, name before title.
        QCOMPARE(r.listings[0].askingPrice, std::optional<qint64>(6));
        QCOMPARE(r.listings[0].title, QStringLiteral("Y"));
        QCOMPARE(r.warnings, 2);
        QCOMPARE(r.diagnostics[0].column, QStringLiteral("price"));
        QCOMPARE(r.diagnostics[1].column, QStringLiteral("title"));
        QVERIFY(r.diagnostics[1].message.contains(QStringLiteral("'name'")));
        QCOMPARE(r.listings[1].askingPrice, std::optional<qint64>(7));
        QCOMPARE(r.listings[1].title, QStringLiteral("Z"));
    }

    void jsonRoundTrip()
    {
        const ImportResult first
            = csv("id,Title,Asking Price,Cash Flow,Location,Inventory,Business Description\n"
                  "9,Pizza Place,$100,$50,\"Boston, MA\",Included in asking price,Wood-fired pizza\n");
        nlohmann::json array = nlohmann::json::array();
        for (const Listing &l : first.listings)
            array.push_back(listingToJson(l));
        const std::string text = array.dump();
        const ImportResult second = autoDetect(QByteArray::fromStdString(text));
        QCOMPARE(second.warnings, 0);
        QCOMPARE(second.listings, first.listings);
        QVERIFY(second.listings[0].industryInferred);
        QCOMPARE(listingFromJson(array[0]), first.listings[0]);
    }

    void fatalErrors_data()
    {
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<QString>("needle");
        QTest::newRow("empty") << QByteArray() << QStringLiteral("empty");
        QTest::newRow("whitespace") << QByteArray(" \r\n\t\n") << QStringLiteral("empty");
        QTest::newRow("bom only") << QByteArray("\xEF\xBB\xBF") << QStringLiteral("empty");
        static const char png[] = "\x89PNG\r\n\x1A\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0";
        static const char utf16[] = "\xFF\xFEt\0i\0t\0l\0e\0\n\0";
        QTest::newRow("png") << QByteArray(png, sizeof(png) - 1) << QStringLiteral("binary");
        QTest::newRow("utf16") << QByteArray(utf16, sizeof(utf16) - 1) << QStringLiteral("binary");
        QTest::newRow("prose") << QByteArray("Dear analyst,\nplease find attached.\n")
                               << QStringLiteral("not a listings CSV");
        QTest::newRow("no title column") << QByteArray("price,revenue\n1,2\n") << QStringLiteral("no title column");
        QTest::newRow("bad json") << QByteArray("[{\"title\": ") << QStringLiteral("not valid JSON");
        QTest::newRow("json scalar object") << QByteArray("{\"title\": \"x\"}") << QStringLiteral("\"listings\"");
        QTest::newRow("json bad utf8") << QByteArray("[{\"title\": \"\xC3\x28\"}]") << QStringLiteral("not valid JSON");
    }

    void fatalErrors()
    {
        QFETCH(QByteArray, data);
        QFETCH(QString, needle);
        const ImportResult r = autoDetect(data);
        QVERIFY(!r.ok());
        QVERIFY2(r.fatalError.contains(needle), qPrintable(r.fatalError));
        QVERIFY(r.listings.isEmpty());
        QCOMPARE(r.imported, 0);
    }

    void fileErrors()
    {
        const ListingImporter importer(m_table);
        ImportResult r = importer.importFile(QStringLiteral("/nonexistent/dir/listings.csv"));
        QVERIFY(r.fatalError.contains(QStringLiteral("not found")));
        QTemporaryDir dir;
        r = importer.importFile(dir.path());
        QVERIFY(r.fatalError.contains(QStringLiteral("directory")));
        const QString path = dir.filePath(QStringLiteral("x.csv"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("title\nA\n");
        f.close();
        r = importer.importFile(path);
        QVERIFY(r.ok());
        QCOMPARE(r.imported, 1);
        ListingImporter::Options tiny;
        tiny.maxFileBytes = 4;
        r = ListingImporter(m_table, tiny).importFile(path);
        QVERIFY(r.fatalError.contains(QStringLiteral("limit")));
    }

    void hostileInput()
    {
        // NUL bytes, invalid UTF-8 and stray quotes: warnings, the rows survive.
        // (The ü keeps the file UTF-8; without any valid sequence it would be read as Windows-1252.)
        static const char raw[] = "Title,Asking Price\nN\xC3\xBCl\0Name,$1\nBad \xC3\x28 utf,$2\nSay \"hi\",$3\n";
        const QByteArray data(raw, sizeof(raw) - 1);
        ImportResult r = csv(data);
        QCOMPARE(r.imported, 3);
        QCOMPARE(r.listings[0].title, QString::fromUtf8("NülName"));
        QVERIFY(r.listings[1].title.contains(QChar(0xFFFD)));
        QCOMPARE(r.warnings, 3);
        QCOMPARE(matching(r, QStringLiteral("NUL")).at(0).line, 2);
        QCOMPARE(matching(r, QStringLiteral("UTF-8")).at(0).line, 3);
        QCOMPARE(matching(r, QStringLiteral("quoting")).at(0).line, 4);

        // Unterminated quote at EOF: earlier rows import, the broken one is rejected with its line.
        r = csv("Title,Asking Price\nFine,$1\n\"Broken,$2\nmore\nlines");
        QCOMPARE(r.rows, 2);
        QCOMPARE(r.imported, 1);
        QCOMPARE(r.errors, 1);
        QCOMPARE(r.diagnostics[0].line, 3);
        QVERIFY(r.diagnostics[0].message.contains(QStringLiteral("never closed")));

        // A 10 MB description and a 1 MB title.
        const QByteArray big(10 * 1024 * 1024, 'd');
        r = csv("Title,Business Description\n\"" + QByteArray(1024 * 1024, 't') + "\",\"" + big + "\"\nNext,x\n");
        QCOMPARE(r.imported, 2);
        QCOMPARE(r.listings[0].description.size(), big.size());
        QCOMPARE(r.listings[0].title.size(), 500);
        QCOMPARE(r.warnings, 1);
        QCOMPARE(r.listings[1].title, QStringLiteral("Next"));
    }

    void hostileJsonAndCsvShapes()
    {
        // Deep nesting must not overflow the stack while parsing or freeing.
        const int depth = 100000;
        ImportResult r = autoDetect(QByteArray(depth, '[') + QByteArray(depth, ']'));
        QVERIFY(r.fatalError.contains(QStringLiteral("nested")));
        r = autoDetect(
            "[{\"title\": \"Deep\", \"description\": " + QByteArray(depth, '[') + QByteArray(depth, ']') + "}]");
        QVERIFY(r.fatalError.contains(QStringLiteral("nested")));
        // Brackets inside strings do not count; moderate nesting is a per-field warning.
        r = autoDetect("[{\"title\": \"Deep [[[[{{{{\\\"\", \"description\": [[[1]]]}]");
        QVERIFY2(r.ok(), qPrintable(r.fatalError));
        QCOMPARE(r.imported, 1);
        QCOMPARE(r.warnings, 1); // description is an array: ignored with a warning
        // A header with 200k columns and a row with 200k cells.
        QByteArray wide = "Title";
        for (int i = 0; i < 200000; ++i)
            wide += ",c" + QByteArray::number(i);
        wide += "\nWide" + QByteArray(200000, ',') + "\n";
        r = autoDetect(wide);
        QCOMPARE(r.imported, 1);
        QCOMPARE(r.warnings, 0);
        // Thousands of keys that are all new (the key cache must not grow without bound).
        QByteArray keys = "[{\"title\": \"Keys\"";
        for (int i = 0; i < 30000; ++i)
            keys += ",\"k" + QByteArray::number(i) + "\": 1";
        keys += "}]";
        r = autoDetect(keys);
        QCOMPARE(r.imported, 1);
    }

    void numbersBeyondADoubleAreDiagnostics()
    {
        // [{"title":"Shop","askingPrice":1e999}] aborted dealscope-cli import (exit 134): nlohmann
        // throws out_of_range.406 for a number beyond a double, and only parse_error was caught.
        ImportResult r = autoDetect(R"([{"title":"Shop","askingPrice":1e999}])");
        QVERIFY2(r.ok(), qPrintable(r.fatalError));
        QCOMPARE(r.imported, 1);
        QVERIFY(!r.listings[0].askingPrice);
        QCOMPARE(r.warnings, 1);
        QCOMPARE(r.diagnostics[0].column, QStringLiteral("askingPrice"));
        QCOMPARE(r.diagnostics[0].record, 1);
        QVERIFY2(
            r.diagnostics[0].message.contains(QStringLiteral("not a number")), qPrintable(r.diagnostics[0].message));
        QVERIFY(r.diagnostics[0].message.contains(QStringLiteral("1e999")));
        // Every field, in the middle of a file, huge integers and negative ones; the rest is read.
        r = autoDetect("{\"listings\":[{\"title\":\"A\",\"cashFlow\":-1e400,\"grossRevenue\":120000},"
                       "{\"title\":\"B\",\"yearEstablished\":1E+999999999999999999999,\"employees\":"
            + QByteArray(400, '9') + "},{\"title\":\"C [1e999]\",\"ebitda\":1e-999}]}");
        QVERIFY2(r.ok(), qPrintable(r.fatalError));
        QCOMPARE(r.imported, 3);
        QCOMPARE(r.listings[0].grossRevenue, std::optional<qint64>(120000));
        QVERIFY(!r.listings[0].cashFlow && !r.listings[1].yearEstablished && !r.listings[1].employees);
        QCOMPARE(r.listings[2].title, QStringLiteral("C [1e999]")); // inside a string: text
        QCOMPARE(r.listings[2].ebitda, std::optional<qint64>(0)); // below a double's range: 0, as read
        QCOMPARE(r.warnings, 3);
        // Exponents near the limits of a 64-bit integer (found by the json_import fuzz target:
        // the digit count added to one overflowed).
        r = autoDetect("[{\"title\":\"X\",\"askingPrice\":" + QByteArray(146, '7')
            + "e9223372036854775696},{\"title\":\"Y\",\"cashFlow\":1e-9223372036854775807,\"ffe\":7e}]");
        QVERIFY(r.ok() || r.fatalError.contains(QStringLiteral("not valid JSON")));
        r = autoDetect("[{\"title\":\"X\",\"askingPrice\":" + QByteArray(146, '7') + "e9223372036854775696}]");
        QVERIFY2(r.ok(), qPrintable(r.fatalError));
        QVERIFY(!r.listings[0].askingPrice);
        QVERIFY(r.diagnostics[0].message.contains(QStringLiteral("not a number")));
        // Where no field is expected it is still no abort.
        r = autoDetect("[1e999]");
        QVERIFY(r.ok());
        QCOMPARE(r.errors, 1);
        QVERIFY(autoDetect("1e999").fatalError.contains(QStringLiteral("not a list")));
    }

    void manyRowsAndDiagnosticCap()
    {
        QByteArray data = "id,Title,Asking Price\n";
        const int rows = 50000;
        for (int i = 0; i < rows; ++i)
            data += QByteArray::number(i % 25000) + ",Business " + QByteArray::number(i) + ",$" + QByteArray::number(i)
                + "\n";
        ListingImporter::Options options;
        options.maxDiagnostics = 100;
        const ImportResult r = ListingImporter(m_table, options).importData(data);
        QCOMPARE(r.rows, rows);
        QCOMPARE(r.imported, rows);
        QCOMPARE(r.warnings, 25000); // the second half duplicates the first half's ids
        QCOMPARE(r.diagnostics.size(), 100);
        QCOMPARE(r.diagnosticsDropped, 25000 - 100);
        QCOMPARE(r.listings.last().id, QStringLiteral("24999-2"));
        QCOMPARE(r.listings.last().askingPrice, std::optional<qint64>(rows - 1));
    }

    void resultJson()
    {
        const ImportResult r = csv("Title,Asking Price\nA,-1\n,2\n");
        const nlohmann::json j = importResultToJson(r, true);
        QCOMPARE(j["rows"].get<int>(), 2);
        QCOMPARE(j["imported"].get<int>(), 1);
        QCOMPARE(j["warnings"].get<int>(), 1);
        QCOMPARE(j["errors"].get<int>(), 1);
        QCOMPARE(j["diagnostics"].size(), 2u);
        QCOMPARE(j["diagnostics"][0]["line"].get<int>(), 2);
        QCOMPARE(j["diagnostics"][0]["column"].get<std::string>(), std::string("Asking Price"));
        QCOMPARE(j["diagnostics"][0]["severity"].get<std::string>(), std::string("warning"));
        QCOMPARE(j["diagnostics"][1]["severity"].get<std::string>(), std::string("error"));
        QCOMPARE(j["listings"].size(), 1u);
        QVERIFY(j["listings"][0]["askingPrice"].is_null());
        QVERIFY(!j.contains("fatalError"));
    }

    void realBizBuySell()
    {
        const ImportResult r = ListingImporter(m_table).importFile(dataFile("bizbuysell-2023-06-27.csv"));
        QVERIFY2(r.ok(), qPrintable(r.fatalError));
        QCOMPARE(r.format, QStringLiteral("csv"));
        QCOMPARE(r.rows, 1213);
        // 109 franchise ads have "N/A" as their title: rejected, one error each.
        QCOMPARE(r.errors, 109);
        QCOMPARE(r.imported, 1104);
        QCOMPARE(r.listings.size(), 1104);
        QCOMPARE(matching(r, QStringLiteral("no usable title")).size(), 109);
        // Rows of 11–25 cells against a 17-column header.
        QCOMPARE(matching(r, QStringLiteral("extra cells ignored")).size(), 749);
        QCOMPARE(matching(r, QStringLiteral("missing cells read as empty")).size(), 370);
        // Columns after the 11th are unreliable: "Leased", "Owned", … land under Employees.
        QCOMPARE(matching(r, QStringLiteral("not a number of employees")).size(), 768);
        QCOMPARE(matching(r, QStringLiteral("duplicate id")).size(), 28);
        QCOMPARE(matching(r, QStringLiteral("the first one is used")).size(), 1);
        QCOMPARE(r.warnings, 749 + 370 + 768 + 28 + 1);
        QCOMPARE(r.diagnosticsDropped, 0);

        const Listing &first = r.listings.at(0);
        QCOMPARE(first.id, QStringLiteral("2108998"));
        QCOMPARE(first.title, QStringLiteral("Design, Fabrication, Installation Business w Strong Profit Margins YoY"));
        QCOMPARE(first.askingPrice, std::optional<qint64>(4680000));
        QCOMPARE(first.cashFlow, std::optional<qint64>(1200624));
        QCOMPARE(first.grossRevenue, std::optional<qint64>(5165099));
        QCOMPARE(first.ebitda, std::optional<qint64>(950927));
        QCOMPARE(first.yearEstablished, std::optional<int>(1989));
        QCOMPARE(first.inventoryIncluded, std::optional<bool>(true));
        QCOMPARE(first.ffe, std::optional<qint64>(348000));
        QCOMPARE(first.employees, std::optional<int>(27));
        QCOMPARE(first.location, QStringLiteral("Seminole County, FL"));
        QCOMPARE(first.state, QStringLiteral("FL"));

        const Listing &second = r.listings.at(1);
        QCOMPARE(second.location, QStringLiteral("Boston, MA"));
        QCOMPARE(second.city, QStringLiteral("Boston"));
        QVERIFY(!second.cashFlow);
        QCOMPARE(second.grossRevenue, std::optional<qint64>(706500));
        QCOMPARE(second.industry, QStringLiteral("Online and Technology")); // "Amazon Business … Online"
        QVERIFY(second.industryInferred);

        // Ids are unique after renaming; most listings get a sector.
        QSet<QString> ids;
        int withSector = 0;
        for (const Listing &l : r.listings) {
            ids.insert(l.id);
            withSector += l.industry.isEmpty() ? 0 : 1;
            QVERIFY(!l.askingPrice || *l.askingPrice >= 0);
        }
        QCOMPARE(ids.size(), r.listings.size());
        QVERIFY2(withSector > 1104 * 85 / 100, qPrintable(QString::number(withSector)));
    }

    void locationParsing_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("city");
        QTest::addColumn<QString>("state");
        const auto row = [](const char *text, const char *city, const char *state) {
            QTest::newRow(text) << QString::fromUtf8(text) << QString::fromUtf8(city) << QString::fromUtf8(state);
        };
        row("Boston, MA", "Boston", "MA");
        row("Seminole County, FL", "", "FL");
        row("Countyline, TX", "Countyline", "TX");
        row("Greater Tampa Area, FL", "", "FL");
        row("California (Relocatable)", "", "CA");
        row("Georgia (Relocatable)", "", "GA");
        row("Miami, Florida 33101", "Miami", "FL");
        row("Miami FL", "Miami", "FL");
        row("Washington, DC", "Washington", "DC");
        row("District of Columbia (Relocatable)", "", "DC");
        row("Ontario Canada", "", "ON");
        row("Abu Dhabi, U.A.E. (Relocatable)", "", "");
        row("Libertad, Corozal, Belize", "", "");
        row("boston, ma", "boston", "MA");
        row("", "", "");
        row("(((", "", "");
    }

    void locationParsing()
    {
        QFETCH(QString, text);
        QFETCH(QString, city);
        QFETCH(QString, state);
        const LocationParser::Parts parts = LocationParser::parse(text);
        QCOMPARE(parts.city, city);
        QCOMPARE(parts.state, state);
    }

    void locationFromDescription()
    {
        const ImportResult r = csv("name,description\n"
                                   "Pool Route,\"$1SavePool RouteCollin County, TX Dallas\"\n"
                                   "Shop,\"ShopBoston, MA 02110\"\n"
                                   "Cafe,\"CafeParis, XX nice\"\n"
                                   "Deli,No title repeat here\n");
        QCOMPARE(r.imported, 4);
        QCOMPARE(r.listings[0].location, QStringLiteral("Collin County, TX"));
        QCOMPARE(r.listings[0].state, QStringLiteral("TX"));
        QCOMPARE(r.listings[1].city, QStringLiteral("Boston"));
        QCOMPARE(r.listings[2].location, QString()); // XX is not a state
        QCOMPARE(r.listings[3].location, QString());
    }

    void realBizQuest()
    {
        const ImportResult r = ListingImporter(m_table).importFile(dataFile("bizquest-2025-07.csv"));
        QVERIFY2(r.ok(), qPrintable(r.fatalError));
        QCOMPARE(r.rows, 2731);
        QCOMPARE(r.imported, 2731);
        QCOMPARE(r.warnings, 0);
        QCOMPARE(r.errors, 0);
        int withRevenue = 0;
        for (const Listing &l : r.listings)
            withRevenue += l.grossRevenue ? 1 : 0;
        QCOMPARE(withRevenue, 110); // README: revenue present in 110 rows
        const Listing &first = r.listings.at(0);
        QCOMPARE(first.source, QStringLiteral("Bizquest"));
        QCOMPARE(first.askingPrice, std::optional<qint64>(250000));
        QCOMPARE(first.grossRevenue, std::optional<qint64>(295000));
        QCOMPARE(first.cashFlow, std::optional<qint64>(91000));
        QCOMPARE(first.industry, QStringLiteral("Building and Construction")); // "Roofing Franchise …"
        QVERIFY(first.industryInferred);
        // No location column: "City, ST" after the title inside the scraped description text.
        QCOMPARE(first.location, QStringLiteral("Durham, NC"));
        QCOMPARE(first.city, QStringLiteral("Durham"));
        QCOMPARE(first.state, QStringLiteral("NC"));
        QCOMPARE(r.listings.at(2).state, QStringLiteral("TX")); // "Collin County, TX"
        QCOMPARE(r.listings.at(2).city, QString());
        int withState = 0;
        for (const Listing &l : r.listings)
            withState += l.state.isEmpty() ? 0 : 1;
        QCOMPARE(withState, 1790);
        int withSector = 0;
        for (const Listing &l : r.listings)
            withSector += l.industry.isEmpty() ? 0 : 1;
        QVERIFY2(withSector > 2731 * 75 / 100, qPrintable(QString::number(withSector)));
        // Search-page URLs have no numeric id: stable content hashes, unique after renaming.
        QVERIFY(first.id.startsWith(QLatin1Char('h')));
        const ImportResult again = ListingImporter(m_table).importFile(dataFile("bizquest-2025-07.csv"));
        QCOMPARE(again.listings.at(0).id, first.id);
        QCOMPARE(again.listings.last().id, r.listings.last().id);
    }
};

QTEST_GUILESS_MAIN(TestListingImporter)
#include "tst_listingimporter.moc"
