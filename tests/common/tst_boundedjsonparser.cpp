// BoundedJsonParser: JSON from outside the process, with its nesting capped while parsing and
// numbers beyond a double reported instead of thrown.

#include "common/BoundedJsonParser.h"

#include <QTest>

using dealscope::BoundedJsonParser;
using Error = BoundedJsonParser::Error;

class TestBoundedJsonParser : public QObject
{
    Q_OBJECT

    static QByteArray nested(int levels, char open = '[', char close = ']')
    {
        return QByteArray(levels, open) + QByteArray(levels, close);
    }

private Q_SLOTS:
    void sameTreeAsTheLibrary_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("object") << QByteArray(R"({"a":1,"b":[true,null,"x"],"c":{"d":-2.5e3}})");
        QTest::newRow("array") << QByteArray("[1,2,3]");
        QTest::newRow("scalar") << QByteArray("\"hello\"");
        QTest::newRow("big integer") << QByteArray("18446744073709551615");
        QTest::newRow("too big for an integer, fine for a double") << QByteArray("1" + QByteArray(300, '0'));
        QTest::newRow("unicode") << QByteArray(R"(["\u00e9\ud83d\ude00"])");
        QTest::newRow("64 levels") << nested(64);
    }
    void sameTreeAsTheLibrary()
    {
        QFETCH(QByteArray, text);
        const auto parsed = BoundedJsonParser::parse(text);
        QVERIFY(parsed.ok());
        QVERIFY(parsed.value == nlohmann::json::parse(text.constData(), text.constData() + text.size()));
    }

    void refusals_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("error");
        QTest::newRow("65 levels of arrays") << nested(65) << int(Error::TooDeep);
        QTest::newRow("65 levels of objects")
            << QByteArray(R"({"a":)").repeated(65) + "1" + QByteArray(65, '}') << int(Error::TooDeep);
        // What used to overflow the stack wherever the value was first serialised.
        QTest::newRow("70,000 levels") << nested(70000) << int(Error::TooDeep);
        QTest::newRow("70,000 open, never closed") << QByteArray(70000, '[') << int(Error::TooDeep);
        QTest::newRow("1e999") << QByteArray(R"([{"title":"Shop","askingPrice":1e999}])") << int(Error::NumberTooLarge);
        QTest::newRow("-1e400") << QByteArray("-1e400") << int(Error::NumberTooLarge);
        QTest::newRow("huge integer literal") << QByteArray("1" + QByteArray(400, '0')) << int(Error::NumberTooLarge);
        QTest::newRow("truncated") << QByteArray(R"({"a":)") << int(Error::Malformed);
        QTest::newRow("trailing garbage") << QByteArray("{} x") << int(Error::Malformed);
        QTest::newRow("invalid UTF-8") << QByteArray("[\"\xff\"]") << int(Error::Malformed);
        QTest::newRow("empty") << QByteArray() << int(Error::Malformed);
    }
    void refusals()
    {
        QFETCH(QByteArray, text);
        QFETCH(int, error);
        const auto parsed = BoundedJsonParser::parse(text);
        QCOMPARE(int(parsed.error), error);
        QVERIFY(parsed.value.is_discarded());
        QVERIFY(!parsed.message().isEmpty());
    }

    void capIsAParameter()
    {
        QVERIFY(BoundedJsonParser::parse(nested(3), 3).ok());
        QCOMPARE(BoundedJsonParser::parse(nested(4), 3).error, Error::TooDeep);
        QCOMPARE(BoundedJsonParser::parse(nested(4), 3).message(3), QStringLiteral("nested deeper than 3 levels"));
    }
};

QTEST_GUILESS_MAIN(TestBoundedJsonParser)
#include "tst_boundedjsonparser.moc"
