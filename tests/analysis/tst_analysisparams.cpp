#include "analysis/AnalysisParams.h"
#include "analysis/AnalysisType.h"

#include <QTest>

using dealscope::AnalysisParams;
using dealscope::ParamsError;
using json = nlohmann::json;

class TestAnalysisParams final : public QObject
{
    Q_OBJECT

private slots:
    void defaults()
    {
        for (const json &j : { json(), json::object() }) {
            const auto r = dealscope::parseAnalysisParams(j);
            QVERIFY(std::holds_alternative<AnalysisParams>(r));
            const auto &p = std::get<AnalysisParams>(r);
            QCOMPARE(p.downPaymentPct, 0.10);
            QCOMPARE(p.interestRate, 0.105);
            QCOMPARE(p.termYears, 10);
            QCOMPARE(p.ownerSalary, qint64(0));
            QCOMPARE(p.targetDscr, 1.25);
            QVERIFY(p.provider.isEmpty());
        }
    }

    void validValues()
    {
        const json j = json::parse(R"({"downPaymentPct":0,"interestRate":1,"termYears":40.0,"ownerSalary":60000,
                                       "targetDscr":10,"provider":" builtin "})");
        const auto r = dealscope::parseAnalysisParams(j);
        QVERIFY(std::holds_alternative<AnalysisParams>(r));
        const auto &p = std::get<AnalysisParams>(r);
        QCOMPARE(p.downPaymentPct, 0.0);
        QCOMPARE(p.interestRate, 1.0);
        QCOMPARE(p.termYears, 40);
        QCOMPARE(p.ownerSalary, qint64(60000));
        QCOMPARE(p.targetDscr, 10.0);
        QCOMPARE(p.provider, QStringLiteral("builtin"));
        // toJson round-trips.
        const auto again = dealscope::parseAnalysisParams(p.toJson());
        QVERIFY(std::holds_alternative<AnalysisParams>(again));
        QCOMPARE(std::get<AnalysisParams>(again), p);
    }

    void invalid_data()
    {
        QTest::addColumn<QString>("params");
        QTest::addColumn<QString>("parameter");
        QTest::addColumn<QString>("messagePart");
        auto row = [](const char *name, const char *params, const char *parameter, const char *part) {
            QTest::newRow(name) << QString::fromUtf8(params) << QString::fromUtf8(parameter) << QString::fromUtf8(part);
        };
        row("down 2", R"({"downPaymentPct":2})", "downPaymentPct", "got 2");
        row("down 1", R"({"downPaymentPct":1})", "downPaymentPct", "downPaymentPct must be");
        row("down negative", R"({"downPaymentPct":-0.1})", "downPaymentPct", "got -0.1");
        row("down string", R"({"downPaymentPct":"0.2"})", "downPaymentPct", "got \"0.2\"");
        row("down bool", R"({"downPaymentPct":true})", "downPaymentPct", "got true");
        row("down null", R"({"downPaymentPct":null})", "downPaymentPct", "got null");
        row("term 0", R"({"termYears":0})", "termYears", "got 0");
        row("term 41", R"({"termYears":41})", "termYears", "between 1 and 40");
        row("term fraction", R"({"termYears":10.5})", "termYears", "whole number");
        row("term huge", R"({"termYears":18446744073709551615})", "termYears", "termYears must be");
        row("term array", R"({"termYears":[10]})", "termYears", "got [10]");
        row("rate string", R"({"interestRate":"high"})", "interestRate", "got \"high\"");
        row("rate 1.5", R"({"interestRate":1.5})", "interestRate", "between 0 and 1");
        row("rate negative", R"({"interestRate":-0.01})", "interestRate", "interestRate must be");
        row("salary negative", R"({"ownerSalary":-1})", "ownerSalary", "non-negative");
        row("salary fraction", R"({"ownerSalary":1000.5})", "ownerSalary", "whole");
        row("salary huge", R"({"ownerSalary":1e30})", "ownerSalary", "ownerSalary must be");
        row("salary object", R"({"ownerSalary":{"a":1}})", "ownerSalary", "ownerSalary must be");
        row("dscr 0", R"({"targetDscr":0})", "targetDscr", "greater than 0");
        row("dscr 11", R"({"targetDscr":11})", "targetDscr", "at most 10");
        row("provider number", R"({"provider":3})", "provider", "must be a string");
        row("provider null", R"({"provider":null})", "provider", "must be a string");
        row("unknown key", R"({"downpaymentpct":0.2})", "downpaymentpct", "unknown parameter downpaymentpct");
        row("empty key", R"({"":1})", "", "unknown parameter");
        row("array", R"([1,2])", "params", "must be an object, got array");
        row("string", R"("downPaymentPct=0.2")", "params", "must be an object, got string");
        row("number", R"(7)", "params", "must be an object, got number");
    }

    void invalid()
    {
        QFETCH(QString, params);
        QFETCH(QString, parameter);
        QFETCH(QString, messagePart);
        const auto r = dealscope::parseAnalysisParams(json::parse(params.toStdString()));
        QVERIFY(std::holds_alternative<ParamsError>(r));
        const auto &e = std::get<ParamsError>(r);
        QCOMPARE(e.parameter, parameter);
        QVERIFY2(e.message.contains(messagePart), qPrintable(e.message));
    }

    void hostileKeyIsTruncatedInMessage()
    {
        json j = json::object();
        j[std::string(10000, 'k')] = 1;
        const auto r = dealscope::parseAnalysisParams(j);
        QVERIFY(std::holds_alternative<ParamsError>(r));
        QVERIFY(std::get<ParamsError>(r).message.size() < 300);
    }

    void hostileValueIsDescribedShortly()
    {
        // A value is never serialised whole to describe it: 70,000 nested arrays overflowed the
        // stack in json::dump(), and a 1 MB string was copied into the message.
        const std::string deep = std::string(70000, '[') + std::string(70000, ']');
        json nested = json::object();
        nested["termYears"] = json::parse(deep);
        auto r = dealscope::parseAnalysisParams(nested);
        QVERIFY(std::holds_alternative<ParamsError>(r));
        QVERIFY2(std::get<ParamsError>(r).message.size() < 200, qPrintable(std::get<ParamsError>(r).message));
        QVERIFY(std::get<ParamsError>(r).message.contains(QStringLiteral("got [[[")));

        json wide = json::object();
        wide["ownerSalary"] = json::array();
        for (int i = 0; i < 100000; ++i)
            wide["ownerSalary"].push_back(i);
        r = dealscope::parseAnalysisParams(wide);
        QVERIFY(std::get<ParamsError>(r).message.size() < 200);

        json text = json::object();
        text["interestRate"] = std::string(1'000'000, 'x');
        r = dealscope::parseAnalysisParams(text);
        QVERIFY(std::get<ParamsError>(r).message.size() < 200);
        QVERIFY(std::get<ParamsError>(r).message.contains(QStringLiteral("got \"xxx")));
    }

    void analysisTypes()
    {
        QCOMPARE(dealscope::analysisTypeNames(),
            (QStringList { QStringLiteral("business_analysis"), QStringLiteral("valuation"),
                QStringLiteral("risk_assessment"), QStringLiteral("market_intelligence") }));
        for (const QString &n : dealscope::analysisTypeNames()) {
            const auto t = dealscope::parseAnalysisType(n);
            QVERIFY(t);
            QCOMPARE(dealscope::analysisTypeName(*t), n);
        }
        QVERIFY(!dealscope::parseAnalysisType(u"Valuation"));
        QVERIFY(!dealscope::parseAnalysisType(u""));
        QVERIFY(!dealscope::parseAnalysisType(u"valuation "));
    }
};

QTEST_GUILESS_MAIN(TestAnalysisParams)
#include "tst_analysisparams.moc"
