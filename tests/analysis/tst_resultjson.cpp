#include "analysis/FinancialMath.h"
#include "analysis/ResultJson.h"
#include "common/JsonQt.h"

#include <QLocale>
#include <QRandomGenerator>
#include <QTest>

#include <cmath>
#include <limits>

using dealscope::ResultJson;
using json = nlohmann::json;

// ResultJson's formatters and the QString → JSON conversion are hand-written for speed; every
// analysis message and summary goes through them, so they must give exactly what the Qt
// functions they replace give.
class TestResultJson final : public QObject
{
    Q_OBJECT

private:
    // What formatMoney gave when it used QLocale (kept here as the reference).
    static QString localeMoney(double v)
    {
        static const QLocale us(QLocale::English, QLocale::UnitedStates);
        const qint64 r = dealscope::FinancialMath::roundMoney(v);
        return r < 0 ? QStringLiteral("-$") + us.toString(qlonglong(-r))
                     : QStringLiteral("$") + us.toString(qlonglong(r));
    }

private slots:
    void formatMoneyExamples()
    {
        QCOMPARE(ResultJson::formatMoney(0), QStringLiteral("$0"));
        QCOMPARE(ResultJson::formatMoney(999), QStringLiteral("$999"));
        QCOMPARE(ResultJson::formatMoney(1000), QStringLiteral("$1,000"));
        QCOMPARE(ResultJson::formatMoney(1'200'624), QStringLiteral("$1,200,624"));
        QCOMPARE(ResultJson::formatMoney(-50'000), QStringLiteral("-$50,000"));
        QCOMPARE(ResultJson::formatMoney(999.5), QStringLiteral("$1,000")); // half away from zero
        QCOMPARE(ResultJson::formatMoney(-0.4), QStringLiteral("$0"));
        QCOMPARE(ResultJson::formatMoney(-999.5), QStringLiteral("-$1,000"));
    }

    void formatMoneyMatchesQLocale()
    {
        QList<double> values { 0, 1, -1, 9, 10, 99, 100, 999, 1000, 1001, 9999, 10'000, 99'999, 100'000, 999'999,
            1'000'000, 123'456'789, 1e12, -1e12, 9.2e18, -9.2e18, 0.5, -0.5, 1e15 + 0.5 };
        for (qint64 p = 1; p < 1'000'000'000'000'000'000LL; p *= 10)
            values << double(p) << double(p - 1) << double(p + 1) << -double(p) << -double(p - 1);
        QRandomGenerator rng(42);
        for (int i = 0; i < 20'000; ++i)
            values << (rng.generateDouble() - 0.5) * std::pow(10.0, rng.bounded(0, 16));
        for (const double v : values)
            QCOMPARE(ResultJson::formatMoney(v), localeMoney(v));
    }

    void fixedExamples()
    {
        QCOMPARE(ResultJson::fixed(2.5, 2), QStringLiteral("2.50"));
        QCOMPARE(ResultJson::fixed(2.125, 2), QStringLiteral("2.13")); // an exact tie rounds away from zero
        QCOMPARE(ResultJson::fixed(-2.125, 2), QStringLiteral("-2.13"));
        QCOMPARE(ResultJson::fixed(0.15, 1), QStringLiteral("0.1")); // 0.1499999… in binary
        QCOMPARE(ResultJson::fixed(12.5, 0), QStringLiteral("13"));
        QCOMPARE(ResultJson::fixed(-0.001, 2), QStringLiteral("-0.00"));
        QCOMPARE(ResultJson::fixed(-0.0, 2), QStringLiteral("0.00"));
        QCOMPARE(ResultJson::formatMultiple(2.5), QStringLiteral("2.50×"));
        QCOMPARE(ResultJson::formatPercent(0.2444), QStringLiteral("24.4 %"));
        QCOMPARE(ResultJson::formatPercent(0.1, 0), QStringLiteral("10 %"));
        QCOMPARE(ResultJson::formatRatio(1.255), QStringLiteral("1.25")); // 1.25499999… in binary
    }

    void fixedMatchesQStringNumber()
    {
        QList<double> values { 0.0, -0.0, 0.5, -0.5, 1.5, 2.5, 0.125, 0.375, 0.625, 0.875, 0.25, 0.75, 0.05, 0.15,
            0.005, -0.005, 1e-300, -1e-300, 5e-324, 0.0049999999999999999, 0.995, 9.995, 99.995, 1e14, 9.99e14, 1e15,
            -1e15, 1e300, -1e300, 123456789.125, std::numeric_limits<double>::infinity(),
            -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN() };
        // Every multiple of 1/8 below 1000 (the exact ties of 1 and 2 decimals) and of 1/1000.
        for (int i = -8000; i <= 8000; ++i)
            values << i / 8.0 << i / 1000.0 << i / 200.0;
        QRandomGenerator rng(7);
        for (int i = 0; i < 100'000; ++i) {
            values << (rng.generateDouble() - 0.5) * std::pow(10.0, rng.bounded(-6, 16));
            // Ratios as the engine computes them: whole amounts divided by whole amounts.
            values << double(rng.bounded(1, 5'000'000)) / double(rng.bounded(1, 2'000'000));
        }
        for (const double v : values)
            for (int decimals = 0; decimals <= 3; ++decimals)
                QCOMPARE(ResultJson::fixed(v, decimals), QString::number(v, 'f', decimals));
    }

    void textMatchesTheQStringSerializer()
    {
        const QList<QString> samples { QString(), QStringLiteral("plain ascii"), QStringLiteral("2.50× – 3.00…"),
            QStringLiteral("café"), QString(QChar(0x7f)), QString(QChar(0x80)),
            QString(QChar(0xd83d)) /* lone surrogate */, QStringLiteral("emoji \U0001F600 and ascii"),
            QString(1000, QLatin1Char('x')),
            QString(QChar(0x7ff)) + QChar(0x800) + QChar(0xffff) + QChar(0xfffd) + QChar(0xe000) + QChar(0xd7ff),
            QString(QChar(0xdc00)) + QLatin1String("x") /* lone low surrogate */ };
        for (const QString &s : samples) {
            const json expected = s.toStdString(); // QString's own UTF-8
            const json actual = ResultJson::text(s);
            QCOMPARE(actual.dump(), expected.dump());
            QVERIFY(actual.is_string());
            QCOMPARE(json(s).dump(), expected.dump()); // the serializer of common/JsonQt.h
        }
    }

    void textMatchesForEveryUtf16CodeUnit()
    {
        for (uint c = 0; c <= 0xffff; ++c) {
            const QString s = QLatin1String("a") + QChar(char16_t(c)) + QLatin1String("z");
            QCOMPARE(ResultJson::text(s).get<std::string>(), s.toStdString());
            QCOMPARE(json(s).get<std::string>(), s.toStdString());
        }
    }

    void findingShape()
    {
        const json f
            = ResultJson::finding("warning", "low_margin", QStringLiteral("The margin of 5.0 % is low – check."));
        QCOMPARE(QString::fromStdString(f.dump()),
            QStringLiteral("{\"code\":\"low_margin\",\"message\":\"The margin of 5.0 % is low – "
                           "check.\",\"severity\":\"warning\"}"));
    }

    void stringIs()
    {
        const json o { { "severity", "critical" }, { "n", 3 } };
        QVERIFY(ResultJson::stringIs(o, "severity", "critical"));
        QVERIFY(!ResultJson::stringIs(o, "severity", "critica"));
        QVERIFY(!ResultJson::stringIs(o, "n", "3"));
        QVERIFY(!ResultJson::stringIs(o, "missing", ""));
        QVERIFY(!ResultJson::stringIs(json::array(), "severity", "critical"));
    }
};

QTEST_GUILESS_MAIN(TestResultJson)
#include "tst_resultjson.moc"
