#include "import/MoneyParser.h"

#include <QTest>

using namespace dealscope;
using Status = MoneyParser::Status;

Q_DECLARE_METATYPE(MoneyParser::Status)

class TestMoney final : public QObject
{
    Q_OBJECT

private slots:
    void parse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<MoneyParser::Status>("status");
        QTest::addColumn<qint64>("value"); // -1 = no value

        QTest::newRow("dollars with commas") << QStringLiteral("$1,200,624") << Status::Value << qint64(1200624);
        QTest::newRow("plain digits") << QStringLiteral("4680000") << Status::Value << qint64(4680000);
        QTest::newRow("padded") << QStringLiteral("  $950,927  ") << Status::Value << qint64(950927);
        QTest::newRow("millions") << QStringLiteral("1.2M") << Status::Value << qint64(1200000);
        QTest::newRow("millions lower, dollar") << QStringLiteral("$2.35m") << Status::Value << qint64(2350000);
        QTest::newRow("thousands") << QStringLiteral("450K") << Status::Value << qint64(450000);
        QTest::newRow("thousands spaced") << QStringLiteral("$450 k") << Status::Value << qint64(450000);
        QTest::newRow("million word") << QStringLiteral("2.5 million") << Status::Value << qint64(2500000);
        QTest::newRow("MM") << QStringLiteral("$3MM") << Status::Value << qint64(3000000);
        QTest::newRow("billion") << QStringLiteral("1.5B") << Status::Value << qint64(1500000000);
        QTest::newRow("footnote star") << QStringLiteral("$5,000*") << Status::Value << qint64(5000);
        QTest::newRow("cents round up") << QStringLiteral("$1,200.50") << Status::Value << qint64(1201);
        QTest::newRow("cents round down") << QStringLiteral("$1,200.49") << Status::Value << qint64(1200);
        QTest::newRow("1/3 million") << QStringLiteral("0.3333333M") << Status::Value << qint64(333333);
        QTest::newRow("zero") << QStringLiteral("$0") << Status::Value << qint64(0);
        QTest::newRow("USD prefix") << QStringLiteral("USD 75,000") << Status::Value << qint64(75000);
        QTest::newRow("USD suffix") << QStringLiteral("75,000 USD") << Status::Value << qint64(75000);
        QTest::newRow("plus") << QStringLiteral("$100,000+") << Status::Value << qint64(100000);

        QTest::newRow("empty") << QString() << Status::Missing << qint64(-1);
        QTest::newRow("blank") << QStringLiteral("   ") << Status::Missing << qint64(-1);
        QTest::newRow("N/A") << QStringLiteral("N/A") << Status::Missing << qint64(-1);
        QTest::newRow("n/a lower") << QStringLiteral("n/a") << Status::Missing << qint64(-1);
        QTest::newRow("Not Disclosed") << QStringLiteral("Not Disclosed") << Status::Missing << qint64(-1);
        QTest::newRow("dash") << QStringLiteral("-") << Status::Missing << qint64(-1);

        QTest::newRow("included") << QStringLiteral("Included in asking price") << Status::Included << qint64(-1);
        QTest::newRow("not included") << QStringLiteral("Not included in asking price") << Status::NotIncluded
                                      << qint64(-1);

        QTest::newRow("negative") << QStringLiteral("-$5,000") << Status::Invalid << qint64(-1);
        QTest::newRow("negative after $") << QStringLiteral("$-5,000") << Status::Invalid << qint64(-1);
        QTest::newRow("accounting negative") << QStringLiteral("($5,000)") << Status::Invalid << qint64(-1);
        QTest::newRow("garbage") << QStringLiteral("call for price") << Status::Invalid << qint64(-1);
        QTest::newRow("trailing garbage") << QStringLiteral("$100,000 OBO") << Status::Invalid << qint64(-1);
        QTest::newRow("only $") << QStringLiteral("$") << Status::Invalid << qint64(-1);
        QTest::newRow("two points") << QStringLiteral("1.2.3") << Status::Invalid << qint64(-1);
        QTest::newRow("huge") << QStringLiteral("99999999999999999999999999") << Status::Invalid << qint64(-1);
        QTest::newRow("huge scaled") << QStringLiteral("9000000000B") << Status::Invalid << qint64(-1);
        QTest::newRow("arabic-indic digits") << QStringLiteral("\u0661\u0662\u0663") << Status::Invalid << qint64(-1);
    }

    void parse()
    {
        QFETCH(QString, text);
        QFETCH(MoneyParser::Status, status);
        QFETCH(qint64, value);
        const MoneyParser::Result r = MoneyParser::parse(text);
        QCOMPARE(r.status, status);
        if (value >= 0) {
            QVERIFY(r.value.has_value());
            QCOMPARE(*r.value, value);
        } else {
            QVERIFY(!r.value.has_value());
        }
        // Every invalid cell explains itself; nothing else carries a problem.
        QCOMPARE(!r.problem.isEmpty(), status == Status::Invalid);
    }

    void problemQuotesTheCell()
    {
        const MoneyParser::Result r = MoneyParser::parse(QStringLiteral("-$5,000"));
        QVERIFY(r.problem.contains(QStringLiteral("negative")));
        QVERIFY(r.problem.contains(QStringLiteral("-$5,000")));
        const QString longGarbage(100000, QLatin1Char('x'));
        const MoneyParser::Result g = MoneyParser::parse(longGarbage);
        QCOMPARE(g.status, Status::Invalid);
        QVERIFY(g.problem.size() < 120); // a 100k-char cell is not copied into the message
    }
};

QTEST_GUILESS_MAIN(TestMoney)
#include "tst_money.moc"
