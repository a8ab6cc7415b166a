// The catalog resolves each listing's sector and benchmark once, at construction, and the engine
// reads them from there. The cache must answer exactly what BenchmarkTable computes, for the
// catalog's own listings, for equal copies and for listings it does not hold.

#include "benchmarks/BenchmarkTable.h"
#include "import/ListingImporter.h"
#include "market/ListingCatalog.h"

#include <QFileInfo>
#include <QTest>

using namespace dealscope;

namespace {

Listing listing(
    const char *id, const char *title, const char *industry, bool inferred = false, const char *description = "")
{
    Listing l;
    l.id = QString::fromUtf8(id);
    l.title = QString::fromUtf8(title);
    l.industry = QString::fromUtf8(industry);
    l.industryInferred = inferred;
    l.description = QString::fromUtf8(description);
    l.askingPrice = 300'000;
    l.cashFlow = 100'000;
    return l;
}

bool declaredByTable(const BenchmarkTable &t, const Listing &l)
{
    return !l.industry.isEmpty() && !l.industryInferred && !t.sectorForIndustry(l.industry).isEmpty();
}

QString describe(const BenchmarkMatch &m)
{
    return QStringLiteral("%1|%2|%3|%4|%5|%6|%7")
        .arg(m.level, m.sector, m.industry)
        .arg(m.sdeMultiple ? QString::number(*m.sdeMultiple, 'g', 17) : QStringLiteral("-"))
        .arg(m.revenueMultiple ? QString::number(*m.revenueMultiple, 'g', 17) : QStringLiteral("-"))
        .arg(m.medianSalePrice ? QString::number(*m.medianSalePrice) : QStringLiteral("-"))
        .arg(m.source);
}

} // namespace

class TestCatalogCache final : public QObject
{
    Q_OBJECT

private:
    std::shared_ptr<const BenchmarkTable> m_table = BenchmarkTable::builtin();

    // Every listing of `catalog`, as held, as an equal copy, and as a changed copy.
    void compareAll(const ListingCatalog &catalog)
    {
        const BenchmarkTable &t = *m_table;
        for (const Listing &own : catalog.listings()) {
            const Listing copy = own;
            Listing changed = own;
            changed.title += QStringLiteral(" pizza restaurant");
            changed.industry = changed.industry.isEmpty() ? QStringLiteral("Car Washes") : QString();
            for (const Listing *l : { &own, &copy, static_cast<const Listing *>(&changed) }) {
                QCOMPARE(catalog.sectorOf(*l), t.sectorOf(*l));
                QCOMPARE(describe(catalog.benchmarkOf(*l)), describe(t.lookup(*l)));
                QCOMPARE(catalog.declaresSector(*l), declaredByTable(t, *l));
            }
        }
    }

private slots:
    void handMadeListings()
    {
        const QList<Listing> listings {
            listing("1", "Joe's Pizza", ""), // keywords
            listing("2", "Shiny", "Car Washes"), // industry row
            listing("3", "Anything", "Food & Restaurants"), // sector by name
            listing("4", "Anything", "Food and Restaurants", true), // inferred industry
            listing("5", "Acme", "pizza place"), // free-text industry
            listing("6", "Acme Holdings", "", false, "We do things"), // nothing: all sectors
            listing("7", "Acme", "Automotive"), // a sector's first word
            listing("8", "Acme", "All"), listing("9", "Acme", "Moon Mining"),
            listing("10", "Dry cleaner", "Dry Cleaners"), listing("11", "Café", "Café & Bistro"),
            listing("2", "Duplicate id", "Restaurant"), // the first listing keeps the id
        };
        const ListingCatalog catalog(listings, m_table);
        compareAll(catalog);
        // A listing the catalog never saw is computed, not mistaken for the one with its id.
        const Listing stranger = listing("2", "Joe's Pizza", "");
        QCOMPARE(catalog.sectorOf(stranger), m_table->sectorOf(stranger));
        QCOMPARE(describe(catalog.benchmarkOf(stranger)), describe(m_table->lookup(stranger)));
        QCOMPARE(catalog.benchmarkOf(listings[1]).level, QStringLiteral("industry"));
        QCOMPARE(catalog.benchmarkOf(listings[5]).level, QStringLiteral("all"));
        QVERIFY(catalog.declaresSector(listings[2]));
        QVERIFY(!catalog.declaresSector(listings[3]));
    }

    void realListings_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("bizbuysell") << QStringLiteral("bizbuysell-2023-06-27.csv");
        QTest::newRow("bizquest") << QStringLiteral("bizquest-2025-07.csv");
    }

    void realListings()
    {
        QFETCH(QString, file);
        const QString path = QStringLiteral(DEALSCOPE_SHARED_DATA_DIR "/listings/") + file;
        if (!QFileInfo::exists(path))
            QSKIP("shared listing data not available");
        const ImportResult imported = ListingImporter(m_table).importFile(path);
        QVERIFY(imported.ok());
        QVERIFY(imported.listings.size() > 1000);
        compareAll(ListingCatalog(imported.listings, m_table));
    }
};

QTEST_GUILESS_MAIN(TestCatalogCache)
#include "tst_catalogcache.moc"
