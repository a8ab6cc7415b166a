#include "cli/ParamArguments.h"

#include <QTest>

// QCOMPARE cannot print nlohmann::json (and its conversions confuse QTest's overloads).
#define QCOMPARE_JSON(actual, expected)                                                                                \
    do {                                                                                                               \
        const nlohmann::json actual_ = (actual);                                                                       \
        const nlohmann::json expected_ = (expected);                                                                   \
        QVERIFY2(actual_ == expected_, ("got " + actual_.dump() + ", expected " + expected_.dump()).c_str());          \
    } while (false)

using namespace dealscope;
using namespace Qt::Literals::StringLiterals;

class TestParamArguments final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void numbersAndBoolsAreTyped()
    {
        const auto parsed = parseParamArguments({ u"ownerSalary=60000"_s, u"interestRate=0.09"_s, u"force=true"_s,
            u"downPaymentPct=-0.5"_s, u"big=1e3"_s });
        const auto *params = std::get_if<nlohmann::json>(&parsed);
        QVERIFY(params);
        QVERIFY((*params)["ownerSalary"].is_number_integer());
        QCOMPARE((*params)["ownerSalary"].get<qint64>(), 60000);
        QVERIFY((*params)["interestRate"].is_number_float());
        QCOMPARE((*params)["interestRate"].get<double>(), 0.09);
        QVERIFY((*params)["force"].is_boolean());
        QCOMPARE((*params)["downPaymentPct"].get<double>(), -0.5);
        QCOMPARE((*params)["big"].get<double>(), 1000.0);
    }

    void everythingElseIsAString()
    {
        const auto parsed = parseParamArguments({ u"interestRate=abc"_s, u"provider=openai"_s, u"a=null"_s, u"b=[1]"_s,
            u"c={}"_s, u"d=\"7\""_s, u"e="_s, u"f=1e400"_s, u"g=x=y"_s, u"h= 5"_s, u"i=0x10"_s });
        const auto *params = std::get_if<nlohmann::json>(&parsed);
        QVERIFY(params);
        QCOMPARE_JSON((*params)["interestRate"], nlohmann::json("abc"));
        QCOMPARE_JSON((*params)["provider"], nlohmann::json("openai"));
        QCOMPARE_JSON((*params)["a"], nlohmann::json("null"));
        QCOMPARE_JSON((*params)["b"], nlohmann::json("[1]"));
        QCOMPARE_JSON((*params)["c"], nlohmann::json("{}"));
        QCOMPARE_JSON((*params)["d"], nlohmann::json("\"7\""));
        QCOMPARE_JSON((*params)["e"], nlohmann::json(""));
        QCOMPARE_JSON((*params)["f"], nlohmann::json("1e400")); // overflows a double: not a number
        QCOMPARE_JSON((*params)["g"], nlohmann::json("x=y")); // split at the first '='
        QCOMPARE_JSON((*params)["i"], nlohmann::json("0x10"));
        QVERIFY((*params)["h"].is_number()); // JSON allows surrounding blanks
    }

    void malformedArgumentsAreErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("expected");
        QTest::newRow("no equals") << QStringList { u"interestRate"_s } << u"KEY=VALUE"_s;
        QTest::newRow("empty key") << QStringList { u"=5"_s } << u"KEY=VALUE"_s;
        QTest::newRow("blank key") << QStringList { u"  =5"_s } << u"KEY=VALUE"_s;
        QTest::newRow("twice") << QStringList { u"termYears=5"_s, u"termYears=6"_s } << u"termYears given twice"_s;
    }

    void malformedArgumentsAreErrors()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, expected);
        const auto parsed = parseParamArguments(arguments);
        const auto *error = std::get_if<ParamArgumentError>(&parsed);
        QVERIFY(error);
        QVERIFY2(error->message.contains(expected), qPrintable(error->message));
    }

    void noArgumentsGiveAnEmptyObject()
    {
        const auto parsed = parseParamArguments({});
        const auto *params = std::get_if<nlohmann::json>(&parsed);
        QVERIFY(params);
        QVERIFY(params->is_object());
        QVERIFY(params->empty());
    }

    void hugeInputStaysBounded()
    {
        const QString value(100000, u'9'); // overflows a double: kept as text for the engine to reject
        const auto parsed = parseParamArguments({ u"ownerSalary="_s + value });
        const auto *params = std::get_if<nlohmann::json>(&parsed);
        QVERIFY(params);
        QVERIFY((*params)["ownerSalary"].is_string());
        QCOMPARE((*params)["ownerSalary"].get<std::string>().size(), size_t(100000));
    }
};

QTEST_GUILESS_MAIN(TestParamArguments)
#include "tst_paramarguments.moc"
