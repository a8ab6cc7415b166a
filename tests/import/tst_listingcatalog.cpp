#include "benchmarks/BenchmarkTable.h"
#include "market/ListingCatalog.h"

#include <QTest>

#include <nlohmann/json.hpp>

#include <thread>

using namespace dealscope;

namespace {

Listing make(const char *id, const char *title, std::optional<qint64> price, std::optional<qint64> cashFlow,
    std::optional<qint64> revenue, const char *industry = "")
{
    Listing l;
    l.id = QString::fromLatin1(id);
    l.title = QString::fromUtf8(title);
    l.askingPrice = price;
    l.cashFlow = cashFlow;
    l.grossRevenue = revenue;
    l.industry = QString::fromLatin1(industry);
    return l;
}

} // namespace

class TestListingCatalog final : public QObject
{
    Q_OBJECT

private slots:
    void indexAndSamples()
    {
        const QList<Listing> listings = {
            make("1", "Joe's Pizza", 200000, 100000, 400000),
            make("2", "Sushi Bar", 300000, 0, 500000), // cash flow 0: no multiple
            make("3", "Taco Truck", 100000, 50000, std::nullopt), // no revenue: no margin
            make("4", "Plumbing Co", 900000, 300000, 1200000),
            make("5", "Anything", std::nullopt, 10, 100, "Restaurants"),
            make("1", "Duplicate id", 1, 1, 1), // first one keeps the id
            make("6", "Acme Holdings", 5, 5, 5), // no sector
        };
        const ListingCatalog catalog(listings, BenchmarkTable::builtin());
        QCOMPARE(catalog.size(), 7);
        QVERIFY(catalog.find(u"4"));
        QCOMPARE(catalog.find(u"4")->title, QStringLiteral("Plumbing Co"));
        QCOMPARE(catalog.find(u"1")->title, QStringLiteral("Joe's Pizza"));
        QVERIFY(!catalog.find(u"nope"));
        QCOMPARE(catalog.sectorOf(listings[0]), QStringLiteral("Food and Restaurants"));
        QCOMPARE(catalog.sectorOf(listings[4]), QStringLiteral("Food and Restaurants"));
        QCOMPARE(catalog.sectorOf(listings[6]), QString());
        // A listing that is not in the catalog is still classified.
        QCOMPARE(catalog.sectorOf(make("99", "HVAC Services", 1, 1, 1)), QStringLiteral("Building and Construction"));

        const auto *food = catalog.sample(QStringLiteral("Food and Restaurants"));
        QVERIFY(food);
        QCOMPARE(food->askingPrices, QList<double>({ 100000, 200000, 300000 }));
        QCOMPARE(food->sdeMultiples, QList<double>({ 2.0, 2.0 }));
        QCOMPARE(food->cashFlowMargins, QList<double>({ 0.0, 0.1, 0.25 }));
        const auto *building = catalog.sample(QStringLiteral("Building and Construction"));
        QVERIFY(building);
        QCOMPARE(building->sdeMultiples, QList<double>({ 3.0 }));
        QVERIFY(!catalog.sample(QStringLiteral("Pet Services")));
        QVERIFY(!catalog.sample(QString()));
    }

    void percentileRank()
    {
        const QList<double> sorted = { 1, 2, 2, 3, 10 };
        QCOMPARE(ListingCatalog::percentileRank(sorted, 0).value(), 0.0);
        QCOMPARE(ListingCatalog::percentileRank(sorted, 1).value(), 10.0); // 0 below + ½ tie of 5
        QCOMPARE(ListingCatalog::percentileRank(sorted, 2).value(), 40.0); // 1 below + 2 ties / 2
        QCOMPARE(ListingCatalog::percentileRank(sorted, 2.5).value(), 60.0);
        QCOMPARE(ListingCatalog::percentileRank(sorted, 10).value(), 90.0);
        QCOMPARE(ListingCatalog::percentileRank(sorted, 11).value(), 100.0);
        QVERIFY(!ListingCatalog::percentileRank({}, 1));
    }

    void sharedBetweenThreads()
    {
        QList<Listing> listings;
        for (int i = 0; i < 2000; ++i)
            listings.append(make(QByteArray::number(i).constData(), i % 2 ? "Pizza Shop" : "HVAC Contractor",
                100000 + i, 50000, 200000));
        const auto catalog = std::make_shared<const ListingCatalog>(listings, BenchmarkTable::builtin());
        std::atomic<int> found { 0 };
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&] {
                for (int i = 0; i < 2000; ++i) {
                    const Listing *l = catalog->find(QString::number(i));
                    if (l && !catalog->sectorOf(*l).isEmpty()
                        && catalog->sample(catalog->sectorOf(*l))->askingPrices.size() == 1000)
                        ++found;
                }
            });
        for (auto &t : threads)
            t.join();
        QCOMPARE(found.load(), 8000);
    }

    void listingJson()
    {
        Listing l = make("7", "Café \"Zed\"", 1, std::nullopt, 3, "Retail");
        l.inventoryIncluded = false;
        l.yearEstablished = 1999;
        const nlohmann::json j = listingToJson(l);
        QVERIFY(j["cashFlow"].is_null());
        QCOMPARE(j["inventoryIncluded"].get<bool>(), false);
        QVERIFY(j["description"].is_null());
        QCOMPARE(j["title"].get<std::string>(), std::string("Café \"Zed\""));
        QCOMPARE(listingFromJson(j), l);
        QCOMPARE(listingFromJson(nlohmann::json::parse(j.dump())), l);
        // Minimal listing: only id and title.
        const Listing minimal = listingFromJson(nlohmann::json { { "id", "a" }, { "title", "b" } });
        QCOMPARE(minimal.id, QStringLiteral("a"));
        QVERIFY(!minimal.askingPrice);
    }

    void listingJsonErrorsNameTheField_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("field");
        QTest::newRow("not object") << QStringLiteral("[1]") << QStringLiteral("object");
        QTest::newRow("no id") << QStringLiteral(R"({"title":"x"})") << QStringLiteral("'id'");
        QTest::newRow("empty id") << QStringLiteral(R"({"id":"","title":"x"})") << QStringLiteral("'id'");
        QTest::newRow("no title") << QStringLiteral(R"({"id":"1"})") << QStringLiteral("'title'");
        QTest::newRow("price string") << QStringLiteral(R"({"id":"1","title":"x","askingPrice":"5"})")
                                      << QStringLiteral("'askingPrice'");
        QTest::newRow("price fraction") << QStringLiteral(R"({"id":"1","title":"x","cashFlow":1.5})")
                                        << QStringLiteral("'cashFlow'");
        QTest::newRow("bool wrong") << QStringLiteral(R"({"id":"1","title":"x","inventoryIncluded":1})")
                                    << QStringLiteral("'inventoryIncluded'");
        QTest::newRow("year huge") << QStringLiteral(R"({"id":"1","title":"x","yearEstablished":99999999999})")
                                   << QStringLiteral("'yearEstablished'");
        QTest::newRow("huge unsigned") << QStringLiteral(R"({"id":"1","title":"x","ffe":18446744073709551615})")
                                       << QStringLiteral("'ffe'");
    }

    void listingJsonErrorsNameTheField()
    {
        QFETCH(QString, json);
        QFETCH(QString, field);
        try {
            listingFromJson(nlohmann::json::parse(json.toStdString()));
            QFAIL("no exception");
        } catch (const std::invalid_argument &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(field), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestListingCatalog)
#include "tst_listingcatalog.moc"
