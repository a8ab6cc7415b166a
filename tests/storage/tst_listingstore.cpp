#include "storage/ListingStore.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace dealscope;
using namespace Qt::Literals::StringLiterals;

class TestListingStore final : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;

    void writeFile(const QString &path, const QByteArray &bytes)
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes);
    }

private Q_SLOTS:
    void missingFileIsFirstStart()
    {
        const auto r = ListingStore::load(m_dir.filePath(u"none.json"_s));
        QVERIFY(!r.exists);
        QVERIFY(r.error.isEmpty());
        QVERIFY(r.listings.isEmpty());
    }

    void roundTrip()
    {
        Listing a;
        a.id = u"1"_s;
        a.title = u"Café \"Zürich\", est. 1999\n"_s;
        a.askingPrice = 1'200'624;
        a.cashFlow = 300'000;
        a.inventoryIncluded = false;
        a.state = u"TX"_s;
        Listing b;
        b.id = u"2"_s;
        b.title = u"B"_s;
        const QString file = m_dir.filePath(u"sub/listings.json"_s);
        QString error;
        QVERIFY2(ListingStore::save(file, { a, b }, &error), qPrintable(error));
        const auto r = ListingStore::load(file);
        QVERIFY(r.exists);
        QVERIFY(r.error.isEmpty());
        QCOMPARE(r.listings.size(), 2);
        QCOMPARE(r.listings.at(0), a);
        QCOMPARE(r.listings.at(1), b);
    }

    void corruptAndHostileFiles()
    {
        const QString file = m_dir.filePath(u"bad.json"_s);
        writeFile(file, "{not json");
        auto r = ListingStore::load(file);
        QVERIFY(r.exists);
        QVERIFY(!r.error.isEmpty());
        writeFile(file, "{\"listings\": 1}");
        QVERIFY(!ListingStore::load(file).error.isEmpty());
        writeFile(file, "");
        QVERIFY(!ListingStore::load(file).error.isEmpty());
        // Entries that are not listings are skipped, the rest survive.
        writeFile(file, R"([{"id":"ok","title":"Fine"}, 42, {"id":"x"}, {"id":"y","title":"T","askingPrice":"lots"}])");
        r = ListingStore::load(file);
        QVERIFY(r.error.isEmpty());
        QCOMPARE(r.listings.size(), 1);
        QCOMPARE(r.listings.at(0).id, u"ok"_s);
        QCOMPARE(r.skipped, 3);
    }

    void saveFailsCleanlyOnUnwritablePath()
    {
        writeFile(m_dir.filePath(u"blocker"_s), "x");
        QString error;
        QVERIFY(!ListingStore::save(m_dir.filePath(u"blocker/l.json"_s), {}, &error));
        QVERIFY(!error.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestListingStore)
#include "tst_listingstore.moc"
