#include "analysis/ResultJson.h"

#include "analysis/FinancialMath.h"
#include "common/JsonQt.h"

#include <QLocale>
#include <QRandomGenerator>
#include <QTest>

#include <cmath>

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
        return r < 0 ? QStringLiteral("-$") + us.toString(qlonglong(-r)) : QStringLiteral("$") + us.toString(qlonglong(r));
    }

private slots:
    void formatMoneyExamples()
    {
        QCOMPARE(ResultJson::formatMoney(0), QStringLiteral("$0"));
        QCOMPARE(ResultJson::formatMoney(999), QStringLiteral("$999"));
        QCOMPARE(ResultJson::formatMoney(1000), QStringLiteral("$1,000"));
        QCOMPARE(ResultJson::formatMoney(1'200'624), QStringLiteral("$1,200,624"));
        QCOMPARE(ResultJson::formatMoney(-50'000), QStringLiteral("-$50,000"));
        QCOMPARE(ResultJson::formatMoney(999.5), QStringLiteral("$1,000"));     // half away from zero
        QCOMPARE(ResultJson::formatMoney(-0.4), QStringLiteral("$0"));
        QCOMPARE(ResultJson::formatMoney(-999.5), QStringLiteral("-$1,000"));
    }

    void formatMoneyMatchesQLocale()
    {
        QList<double> values{0, 1, -1, 9, 10, 99, 100, 999, 1000, 1001, 9999, 10'000, 99'999, 100'000, 999'999,
                             1'000'000, 123'456'789, 1e12, -1e12, 9.2e18, -9.2e18, 0.5, -0.5, 1e15 + 0.5};
        for (qint64 p = 1; p < 1'000'000'000'000'000'000LL; p *= 10)
            values << double(p) << double(p - 1) << double(p + 1) << -double(p) << -double(p - 1);
        QRandomGenerator rng(42);
        for (int i = 0; i < 20'000; ++i)
            values << (rng.generateDouble() - 0.5) * std::pow(10.0, rng.bounded(0, 16));
        for (const double v : values)
            QCOMPARE(ResultJson::formatMoney(v), localeMoney(v));
    }

    void textMatchesTheQStringSerializer()
    {
        const QList<QString> samples{QString(), QStringLiteral("plain ascii"), QStringLiteral("2.50× – 3.00…"),
                                     QStringLiteral("café"), QString(QChar(0x7f)), QString(QChar(0x80)),
                                     QString(QChar(0xd83d)) /* lone surrogate */,
                                     QStringLiteral("emoji \U0001F600 and ascii"), QString(1000, QLatin1Char('x'))};
        for (const QString &s : samples) {
            const json expected = s;   // common/JsonQt.h
            const json actual = ResultJson::text(s);
            QCOMPARE(actual.dump(), expected.dump());
            QVERIFY(actual.is_string());
        }
    }

    void findingShape()
    {
        const json f = ResultJson::finding("warning", "low_margin", QStringLiteral("The margin of 5.0 % is low – check."));
        QCOMPARE(QString::fromStdString(f.dump()),
                 QStringLiteral("{\"code\":\"low_margin\",\"message\":\"The margin of 5.0 % is low – check.\",\"severity\":\"warning\"}"));
    }

    void stringIs()
    {
        const json o{{"severity", "critical"}, {"n", 3}};
        QVERIFY(ResultJson::stringIs(o, "severity", "critical"));
        QVERIFY(!ResultJson::stringIs(o, "severity", "critica"));
        QVERIFY(!ResultJson::stringIs(o, "n", "3"));
        QVERIFY(!ResultJson::stringIs(o, "missing", ""));
        QVERIFY(!ResultJson::stringIs(json::array(), "severity", "critical"));
    }
};

QTEST_GUILESS_MAIN(TestResultJson)
#include "tst_resultjson.moc"
