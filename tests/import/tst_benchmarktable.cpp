#include "benchmarks/BenchmarkTable.h"

#include <QFile>
#include <QTest>

#include <stdexcept>

using namespace dealscope;

namespace {

QByteArray readFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot open %s", qPrintable(path));
    return f.readAll();
}

Listing listing(const char *title, const char *description = "", const char *industry = "")
{
    Listing l;
    l.id = QStringLiteral("x");
    l.title = QString::fromUtf8(title);
    l.description = QString::fromUtf8(description);
    l.industry = QString::fromUtf8(industry);
    return l;
}

} // namespace

class TestBenchmarkTable final : public QObject
{
    Q_OBJECT

    std::shared_ptr<const BenchmarkTable> t;

private slots:
    void initTestCase() { t = BenchmarkTable::builtin(); }

    void builtinIsCachedAndMatchesSharedData()
    {
        QCOMPARE(BenchmarkTable::builtin().get(), t.get());
        // The shipped resources are the reference files, unchanged.
        const QString dir = QStringLiteral(DEALSCOPE_SHARED_DATA_DIR "/benchmarks/");
        QCOMPARE(readFile(QStringLiteral(":/benchmarks/industry-multiples-2021-2025.csv")),
            readFile(dir + QStringLiteral("industry-multiples-2021-2025.csv")));
        QCOMPARE(readFile(QStringLiteral(":/benchmarks/sector-benchmarks.csv")),
            readFile(dir + QStringLiteral("sector-benchmarks.csv")));
    }

    void sectorList()
    {
        const QStringList names = t->sectorNames();
        QCOMPARE(names.size(), 16);
        QCOMPARE(names.first(), QStringLiteral("Automotive and Boat"));
        QVERIFY(names.contains(QStringLiteral("Food and Restaurants")));
        QVERIFY(names.contains(QStringLiteral("Service Businesses")));
        QVERIFY(names.contains(QStringLiteral("Wholesale and Distributors")));
    }

    void sectorLookup()
    {
        const auto food = t->sector(u"food & restaurants");
        QVERIFY(food);
        QCOMPARE(food->sector, QStringLiteral("Food and Restaurants"));
        QCOMPARE(food->sdeMultiple, std::optional<double>(2.24));
        QCOMPARE(food->revenueMultiple, std::optional<double>(0.42));
        QCOMPARE(food->medianSalePrice, std::optional<qint64>(200000));
        // From BizBuySell's restaurant page (sector-benchmarks "Restaurants").
        QCOMPARE(food->medianRevenue, std::optional<qint64>(688217));
        QCOMPARE(food->medianCashFlow, std::optional<qint64>(120000));
        QVERIFY(food->source.startsWith(QStringLiteral("Secondary source: blueboyrocks/business-valuation-app")));
        QVERIFY(food->source.contains(QStringLiteral("valuation-benchmarks/restaurants")));

        const auto service = t->sector(u"SERVICE-BUSINESSES");
        QVERIFY(service);
        QCOMPARE(service->medianCashFlow, std::optional<qint64>(150000));
        const auto pets = t->sector(u"Pet Services");
        QVERIFY(pets);
        QVERIFY(!pets->medianRevenue); // no such figure in either file: unknown, not 0
        QVERIFY(!t->sector(u"Underwater Basket Weaving"));
    }

    void allRow()
    {
        const SectorBenchmark all = t->allSectors();
        QCOMPARE(all.sdeMultiple, std::optional<double>(2.61)); // All (2025), the latest
        QCOMPARE(all.revenueMultiple, std::optional<double>(0.69));
        QCOMPARE(all.medianSalePrice, std::optional<qint64>(350000));
        QCOMPARE(all.medianCashFlow, std::optional<qint64>(158950));
        QVERIFY(all.source.contains(QStringLiteral("2025-year-in-review")));
        QCOMPARE(t->sector(u"All")->sdeMultiple, all.sdeMultiple);
    }

    void industryLookup()
    {
        const auto wash = t->industry(u"car washes");
        QVERIFY(wash);
        QCOMPARE(wash->sector, QStringLiteral("Automotive and Boat"));
        QCOMPARE(wash->sdeMultiple, std::optional<double>(4.99));
        QCOMPARE(t->industry(u"Car Wash")->industry, QStringLiteral("Car Washes")); // singular
        QCOMPARE(t->industry(u"Bars, Pubs and Taverns")->sector, QStringLiteral("Food and Restaurants"));
        // BizBuySell's "… Mfg" page names the same industry.
        QCOMPARE(t->industry(u"Metal Product Mfg")->industry, QStringLiteral("Metal Product Manufacturers"));
        QVERIFY(!t->industry(u""));
        QVERIFY(!t->industry(u"Moon Mining"));
    }

    void sectorForIndustry_data()
    {
        QTest::addColumn<QString>("industry");
        QTest::addColumn<QString>("sector");
        QTest::newRow("sector name") << QStringLiteral("Retail") << QStringLiteral("Retail");
        QTest::newRow("industry name") << QStringLiteral("Car Washes") << QStringLiteral("Automotive and Boat");
        QTest::newRow("bizbuysell short name")
            << QStringLiteral("Restaurants") << QStringLiteral("Food and Restaurants");
        QTest::newRow("service") << QStringLiteral("Service") << QStringLiteral("Service Businesses");
        QTest::newRow("first word") << QStringLiteral("Automotive") << QStringLiteral("Automotive and Boat");
        QTest::newRow("free text restaurant") << QStringLiteral("Restaurant") << QStringLiteral("Food and Restaurants");
        QTest::newRow("free text pizza") << QStringLiteral("pizza place") << QStringLiteral("Food and Restaurants");
        QTest::newRow("free text hvac") << QStringLiteral("HVAC contractor")
                                        << QStringLiteral("Building and Construction");
        QTest::newRow("free text saas") << QStringLiteral("SaaS") << QStringLiteral("Online and Technology");
        QTest::newRow("unknown") << QStringLiteral("Moon Mining") << QString();
        QTest::newRow("empty") << QString() << QString();
    }

    void sectorForIndustry()
    {
        QFETCH(QString, industry);
        QFETCH(QString, sector);
        QCOMPARE(t->sectorForIndustry(industry), sector);
    }

    void inference_data()
    {
        QTest::addColumn<QString>("title");
        QTest::addColumn<QString>("description");
        QTest::addColumn<QString>("sector");
        const auto row = [](const char *name, const char *title, const char *description, const char *sector) {
            QTest::newRow(name) << QString::fromUtf8(title) << QString::fromUtf8(description)
                                << QString::fromUtf8(sector);
        };
        row("restaurant", "Family Restaurant for Sale", "", "Food and Restaurants");
        row("pizza", "Joe's Pizza", "", "Food and Restaurants");
        row("cafe", "Cozy Cafe Downtown", "", "Food and Restaurants");
        row("café accent", "Charming Café", "", "Food and Restaurants");
        row("hvac", "Profitable HVAC Business #698330", "", "Building and Construction");
        row("plumbing", "Plumbing Business for Sale", "", "Building and Construction");
        row("roofing", "Roofing Franchise Resale", "", "Building and Construction");
        row("amazon", "Amazon Business - Successful and Automated", "", "Online and Technology");
        row("saas", "B2C SaaS with 40% margins", "", "Online and Technology");
        row("e-commerce", "E-Commerce Store", "", "Online and Technology");
        row("salon", "Beauty Salon For Sale", "", "Beauty and Personal Care");
        row("spa", "Day Spa", "", "Beauty and Personal Care");
        row("car wash", "Express Car Wash", "", "Automotive and Boat");
        row("daycare", "Licensed Daycare Center", "", "Education and Children");
        row("fedex", "12 FedEx P&D Routes - Oshkosh, WI", "", "Transportation and Storage");
        row("trucking", "Trucking Fleet", "", "Transportation and Storage");
        row("dental", "Dental Practice", "", "Health Care and Fitness");
        row("pet grooming", "Dog Grooming Salon", "Pet grooming and boarding", "Pet Services");
        row("liquor store", "Liquor Store with Real Estate", "", "Retail");
        row("cnc", "CNC Machine Shop", "", "Manufacturing");
        row("cleaning", "Commercial Cleaning Company", "", "Service Businesses");
        row("insurance", "Insurance Agency Book", "", "Financial Services");
        row("bread route", "Flowers Bread Route", "", "Wholesale and Distributors");
        row("bowling", "Bowling Alley", "", "Entertainment and Recreation");
        row("description only", "Great Opportunity", "A busy pizza restaurant with a bar and patio seating.",
            "Food and Restaurants");
        row("title beats description", "Landscaping Company", "We mow lawns for many restaurants in the area.",
            "Service Businesses");
        row("nothing", "Great Opportunity", "Owner retiring.", "");
        row("single passing mention", "Great Opportunity", "Near a restaurant.", "");
        row("tie is unsure", "Pizza and Plumbing", "", "");
        row("empty", "", "", "");
    }

    void inference()
    {
        QFETCH(QString, title);
        QFETCH(QString, description);
        QFETCH(QString, sector);
        QCOMPARE(t->inferSector(title, description), sector);
    }

    void inferenceSurvivesHugeText()
    {
        const QString huge = QString(5'000'000, QLatin1Char('x')) + QStringLiteral(" pizza");
        QCOMPARE(t->inferSector(QStringLiteral("Bakery"), huge), QStringLiteral("Food and Restaurants"));
        QCOMPARE(t->inferSector(QString(1'000'000, QLatin1Char(' ')), QString()), QString());
    }

    void lookupLevels()
    {
        const BenchmarkMatch byIndustry = t->lookup(listing("Shiny", "", "Car Washes"));
        QCOMPARE(byIndustry.level, QStringLiteral("industry"));
        QCOMPARE(byIndustry.industry, QStringLiteral("Car Washes"));
        QCOMPARE(byIndustry.sector, QStringLiteral("Automotive and Boat"));
        QCOMPARE(byIndustry.sdeMultiple, std::optional<double>(4.99));

        const BenchmarkMatch bySector = t->lookup(listing("Anything", "", "Food and Restaurants"));
        QCOMPARE(bySector.level, QStringLiteral("sector"));
        QCOMPARE(bySector.sdeMultiple, std::optional<double>(2.24));

        const BenchmarkMatch inferred = t->lookup(listing("Joe's Pizza"));
        QCOMPARE(inferred.level, QStringLiteral("sector"));
        QCOMPARE(inferred.sector, QStringLiteral("Food and Restaurants"));

        const BenchmarkMatch fallback = t->lookup(listing("Acme Holdings", "We do things"));
        QCOMPARE(fallback.level, QStringLiteral("all"));
        QCOMPARE(fallback.sdeMultiple, std::optional<double>(2.61));
        QVERIFY(!fallback.source.isEmpty());

        QCOMPARE(t->sectorOf(listing("Acme", "", "pizza place")), QStringLiteral("Food and Restaurants"));
        QCOMPARE(t->sectorOf(listing("Joe's Pizza", "", "Moon Mining")), QStringLiteral("Food and Restaurants"));
    }

    void badFilesThrow_data()
    {
        QTest::addColumn<QByteArray>("industry");
        QTest::addColumn<QByteArray>("sector");
        const QByteArray goodIndustry = "level,sector,industry,revenue_multiple,sde_multiple,median_sale_price,source\n"
                                        "sector,Retail,,0.5,2.5,100,src\n";
        const QByteArray goodSector
            = "sector,median_sale_price,median_revenue,median_owner_earnings,avg_revenue_multiple,"
              "avg_earnings_multiple,source_url\nAll (2025),1,2,3,0.5,2.5,u\n";
        QTest::newRow("empty industry file") << QByteArray() << goodSector;
        QTest::newRow("empty sector file") << goodIndustry << QByteArray();
        QTest::newRow("missing column") << QByteArray("level,sector\nsector,Retail\n") << goodSector;
        QTest::newRow("bad multiple") << QByteArray(goodIndustry).replace("2.5", "lots") << goodSector;
        QTest::newRow("negative price") << QByteArray(goodIndustry).replace(",100,", ",-100,") << goodSector;
        QTest::newRow("unknown level") << QByteArray(goodIndustry).replace("sector,Retail", "galaxy,Retail")
                                       << goodSector;
        QTest::newRow("industry of unknown sector")
            << QByteArray(goodIndustry + "industry,Nowhere,Shops,0.5,2,1,s\n") << goodSector;
        QTest::newRow("no all row") << goodIndustry << QByteArray(goodSector).replace("All (2025)", "Retail");
        QTest::newRow("unterminated") << QByteArray(goodIndustry + "\"sector") << goodSector;
    }

    void badFilesThrow()
    {
        QFETCH(QByteArray, industry);
        QFETCH(QByteArray, sector);
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, BenchmarkTable::fromCsv(industry, sector));
    }

    void minimalFilesWork()
    {
        const auto table = BenchmarkTable::fromCsv("level,sector,industry,revenue_multiple,sde_multiple,median_sale_"
                                                   "price,source\nsector,Retail,,0.5,2.5,100,src\n",
            "sector,median_sale_price,median_revenue,median_owner_earnings,avg_revenue_multiple,avg_earnings_multiple,"
            "source_url\nAll,1,2,3,0.4,2.4,u\n");
        QCOMPARE(table->sectorNames(), QStringList({ QStringLiteral("Retail") }));
        QCOMPARE(table->allSectors().sdeMultiple, std::optional<double>(2.4));
        // Inference only returns sectors this table has.
        QCOMPARE(table->inferSector(u"Joe's Pizza", u""), QString());
        QCOMPARE(table->inferSector(u"Liquor Store", u""), QStringLiteral("Retail"));
    }
};

QTEST_GUILESS_MAIN(TestBenchmarkTable)
#include "tst_benchmarktable.moc"
