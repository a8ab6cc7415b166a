#include "benchmarks/BenchmarkTable.h"
#include "generate/ListingGenerator.h"
#include "import/ListingImporter.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace dealscope;

class TestListingGenerator final : public QObject
{
    Q_OBJECT

    std::shared_ptr<const BenchmarkTable> m_table;

    QByteArray csvFor(quint64 seed, qsizetype count) const
    {
        ListingGenerator g(m_table, seed);
        return ListingGenerator::toCsv(g.generate(count));
    }

private slots:
    void initTestCase() { m_table = BenchmarkTable::builtin(); }

    void deterministicRandom()
    {
        DeterministicRandom a(7), b(7), c(8);
        for (int i = 0; i < 1000; ++i) {
            const double x = a.uniform();
            QCOMPARE(x, b.uniform());
            QVERIFY(x >= 0 && x < 1);
        }
        QVERIFY(a.bits() != c.bits());
        // mt19937_64 is specified by the standard: the 10000th output for the default seed.
        std::mt19937_64 reference;
        reference.discard(9999);
        QCOMPARE(reference(), 9981545732273789042ull);
        // exp from arithmetic only, accurate where the generator uses it.
        for (double x : { -4.0, -1.0, -0.1, 0.0, 0.3, 1.0, 2.5, 4.0 })
            QVERIFY2(std::abs(DeterministicRandom::exp(x) / std::exp(x) - 1) < 1e-12, qPrintable(QString::number(x)));
        // below(n) is in range and covers it.
        DeterministicRandom r(1);
        QList<int> seen(5, 0);
        for (int i = 0; i < 5000; ++i)
            ++seen[static_cast<int>(r.below(5))];
        for (int count : seen)
            QVERIFY(count > 800 && count < 1200);
        QCOMPARE(r.below(0), 0u);
        // normal(): mean ≈ 0, sd ≈ 1.
        double sum = 0, squares = 0;
        for (int i = 0; i < 20000; ++i) {
            const double z = r.normal();
            sum += z;
            squares += z * z;
        }
        QVERIFY(std::abs(sum / 20000) < 0.03);
        QVERIFY(std::abs(std::sqrt(squares / 20000) - 1) < 0.03);
    }

    void sameSeedSameBytes()
    {
        const QByteArray a = csvFor(42, 300);
        const QByteArray b = csvFor(42, 300);
        QCOMPARE(a, b);
        QVERIFY(a != csvFor(43, 300));
        // The first rows do not depend on how many are generated.
        QVERIFY(csvFor(42, 1000).startsWith(a));
        ListingGenerator j1(m_table, 42), j2(m_table, 42);
        QCOMPARE(ListingGenerator::toJson(j1.generate(50)), ListingGenerator::toJson(j2.generate(50)));
    }

    void goldenHashPinsTheFormat()
    {
        // Pins the byte-exact output for one seed, so that any change to the generator or its
        // number formatting is a deliberate one (the demo listings in resources/ come from it).
        const QByteArray csv = csvFor(20251128, 200);
        const QByteArray hash = QCryptographicHash::hash(csv, QCryptographicHash::Sha256).toHex();
        QCOMPARE(hash, QByteArray("f8f2c2decde3b92955fe094951ece2b019ec85fabefc5bb6e6744eaadcb7c618"));
    }

    void streamingEqualsInMemory()
    {
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        ListingGenerator g(m_table, 5);
        QVERIFY(g.writeCsv(buffer, 1234));
        QCOMPARE(buffer.data(), csvFor(5, 1234));

        QBuffer json;
        json.open(QIODevice::WriteOnly);
        ListingGenerator g2(m_table, 5), g3(m_table, 5);
        QVERIFY(g2.writeJson(json, 777));
        QCOMPARE(json.data(), ListingGenerator::toJson(g3.generate(777)));

        QBuffer closed; // not open: writes fail, the generator says so
        ListingGenerator g4(m_table, 5);
        QVERIFY(!g4.writeCsv(closed, 10));
    }

    void reimportsWithoutDiagnostics()
    {
        ListingGenerator g(m_table, 99);
        const QList<Listing> generated = g.generate(2000);
        const ListingImporter importer(m_table);

        const ImportResult csv = importer.importData(ListingGenerator::toCsv(generated));
        QVERIFY(csv.ok());
        QCOMPARE(csv.rows, 2000);
        QCOMPARE(csv.imported, 2000);
        QCOMPARE(csv.errors, 0);
        QCOMPARE(csv.warnings, 0);
        const ImportResult json = importer.importData(ListingGenerator::toJson(generated));
        QCOMPARE(json.imported, 2000);
        QCOMPARE(json.errors, 0);
        QCOMPARE(json.warnings, 0);

        for (qsizetype i = 0; i < generated.size(); ++i) {
            const Listing &g0 = generated[i];
            const Listing &c = csv.listings[i];
            QCOMPARE(c.id, g0.id);
            QCOMPARE(c.title, g0.title);
            QCOMPARE(c.askingPrice, g0.askingPrice);
            QCOMPARE(c.cashFlow, g0.cashFlow);
            QCOMPARE(c.grossRevenue, g0.grossRevenue);
            QCOMPARE(c.ebitda, g0.ebitda);
            QCOMPARE(c.inventory, g0.inventory);
            QCOMPARE(c.inventoryIncluded, g0.inventoryIncluded);
            QCOMPARE(c.ffe, g0.ffe);
            QCOMPARE(c.yearEstablished, g0.yearEstablished);
            QCOMPARE(c.employees, g0.employees);
            QCOMPARE(c.city, g0.city);
            QCOMPARE(c.state, g0.state);
            QCOMPARE(c.description, g0.description);
            if (g0.industry.isEmpty()) {
                // Left out on purpose: the importer infers the sector from the title.
                QVERIFY2(c.industryInferred, qPrintable(g0.title));
                QVERIFY2(!c.industry.isEmpty(), qPrintable(g0.title));
            } else {
                QCOMPARE(c.industry, g0.industry);
            }
            QCOMPARE(json.listings[i].askingPrice, g0.askingPrice);
            QCOMPARE(json.listings[i].title, g0.title);
        }
    }

    void followsTheBenchmarks()
    {
        ListingGenerator g(m_table, 2024);
        const QList<Listing> listings = g.generate(20000);
        QSet<QString> ids;
        QHash<QString, QList<double>> multiplesBySector;
        QHash<QString, QList<double>> pricesBySector;
        int missingCashFlow = 0, missingRevenue = 0, withIndustry = 0;
        for (const Listing &l : listings) {
            ids.insert(l.id);
            QVERIFY(!l.title.isEmpty());
            QVERIFY(l.askingPrice && *l.askingPrice > 0);
            QVERIFY(!l.cashFlow || *l.cashFlow > 0);
            QVERIFY(!l.cashFlow || !l.grossRevenue || *l.cashFlow <= *l.grossRevenue);
            QVERIFY(!l.yearEstablished
                || (*l.yearEstablished <= ListingGenerator::kReferenceYear && *l.yearEstablished > 1900));
            QVERIFY(!l.employees || *l.employees >= 1);
            QCOMPARE(l.state.size(), 2);
            missingCashFlow += l.cashFlow ? 0 : 1;
            missingRevenue += l.grossRevenue ? 0 : 1;
            withIndustry += l.industry.isEmpty() ? 0 : 1;
            const QString sector = m_table->sectorOf(l);
            QVERIFY2(!sector.isEmpty(), qPrintable(l.title));
            pricesBySector[sector].append(static_cast<double>(*l.askingPrice));
            if (l.cashFlow && l.grossRevenue && *l.cashFlow < *l.grossRevenue * 0.6)
                multiplesBySector[sector].append(
                    static_cast<double>(*l.askingPrice) / static_cast<double>(*l.cashFlow));
        }
        QCOMPARE(ids.size(), listings.size());
        QCOMPARE(listings.first().id, QStringLiteral("G000001"));
        QVERIFY(missingCashFlow > 2400 && missingCashFlow < 3600); // ~15 %
        QVERIFY(missingRevenue > 1900 && missingRevenue < 2900); // ~12 %
        QVERIFY(withIndustry > 17000 && withIndustry < 19000); // ~90 %
        QCOMPARE(multiplesBySector.size(), 16);

        const auto median = [](QList<double> v) {
            std::sort(v.begin(), v.end());
            return v[v.size() / 2];
        };
        // Sector medians follow the tables: the restaurant multiple is below manufacturing's, and
        // each sector's median multiple is within 25 % of the benchmark mix it was drawn from.
        const double food = median(multiplesBySector[QStringLiteral("Food and Restaurants")]);
        const double manufacturing = median(multiplesBySector[QStringLiteral("Manufacturing")]);
        QVERIFY2(food < manufacturing, qPrintable(QStringLiteral("%1 %2").arg(food).arg(manufacturing)));
        QVERIFY(food > 1.7 && food < 2.9);
        const double foodPrice = median(pricesBySector[QStringLiteral("Food and Restaurants")]);
        const double manufacturingPrice = median(pricesBySector[QStringLiteral("Manufacturing")]);
        QVERIFY(foodPrice < manufacturingPrice);
        QVERIFY(foodPrice > 120'000 && foodPrice < 400'000);
        // Service Businesses is the most common sector, as on BizBuySell.
        qsizetype most = 0;
        QString mostSector;
        for (auto it = pricesBySector.cbegin(); it != pricesBySector.cend(); ++it)
            if (it->size() > most) {
                most = it->size();
                mostSector = it.key();
            }
        QCOMPARE(mostSector, QStringLiteral("Service Businesses"));
    }
};

QTEST_GUILESS_MAIN(TestListingGenerator)
#include "tst_listinggenerator.moc"
