#include "analysis/FinancialMath.h"

#include <QTest>

#include <cmath>
#include <limits>

using dealscope::FinancialMath;

// Reference deal used throughout: asking 500,000, cash flow (SDE) 200,000, revenue 1,000,000,
// SPEC defaults: 10 % down, 10.5 % a year, 10 years, no owner salary, target DSCR 1.25.
class TestFinancialMath final : public QObject
{
    Q_OBJECT

private:
    static void fuzzyIs(std::optional<double> actual, double expected, double tolerance)
    {
        QVERIFY2(actual.has_value(), "expected a value, got null");
        QVERIFY2(std::fabs(*actual - expected) <= tolerance,
            qPrintable(QStringLiteral("%1 != %2").arg(*actual, 0, 'g', 12).arg(expected, 0, 'g', 12)));
    }

private slots:
    void sdeMultiple()
    {
        // 500,000 / 200,000 = 2.5
        fuzzyIs(FinancialMath::sdeMultiple(500'000, 200'000), 2.5, 1e-12);
        // 1,200,624 / 312,000 = 3.848153846…
        fuzzyIs(FinancialMath::sdeMultiple(1'200'624, 312'000), 3.8481538461538, 1e-10);
        QVERIFY(!FinancialMath::sdeMultiple(500'000, 0));
        QVERIFY(!FinancialMath::sdeMultiple(500'000, -10'000));
        QVERIFY(!FinancialMath::sdeMultiple(std::nullopt, 200'000));
        QVERIFY(!FinancialMath::sdeMultiple(500'000, std::nullopt));
    }

    void revenueMultipleAndMargin()
    {
        // 500,000 / 1,000,000 = 0.5 ; 200,000 / 1,000,000 = 0.2
        fuzzyIs(FinancialMath::revenueMultiple(500'000, 1'000'000), 0.5, 1e-12);
        fuzzyIs(FinancialMath::cashFlowMargin(200'000, 1'000'000), 0.2, 1e-12);
        // A loss-making business: -50,000 / 400,000 = -0.125 (a real, negative margin).
        fuzzyIs(FinancialMath::cashFlowMargin(-50'000, 400'000), -0.125, 1e-12);
        QVERIFY(!FinancialMath::revenueMultiple(500'000, 0));
        QVERIFY(!FinancialMath::cashFlowMargin(200'000, 0));
        QVERIFY(!FinancialMath::cashFlowMargin(200'000, -1));
        QVERIFY(!FinancialMath::cashFlowMargin(std::nullopt, 1'000'000));
    }

    void loanAmount()
    {
        // 500,000 × (1 − 0.10) = 450,000 ; 500,000 × (1 − 0.25) = 375,000
        fuzzyIs(FinancialMath::loanAmount(500'000, 0.10), 450'000, 1e-6);
        fuzzyIs(FinancialMath::loanAmount(500'000, 0.25), 375'000, 1e-6);
        fuzzyIs(FinancialMath::loanAmount(500'000, 0.0), 500'000, 1e-6);
        QVERIFY(!FinancialMath::loanAmount(std::nullopt, 0.1));
    }

    void annualDebtService()
    {
        // L = 450,000, i = 0.105 / 12 = 0.00875, n = 120.
        // ln(1.00875) = 0.00875 − 0.00875²/2 + 0.00875³/3 − … = 0.0087119404
        // (1.00875)^120 = e^(120 × 0.0087119404) = e^1.04543285 = 2.8446296
        // 1 − (1.00875)^−120 = 1 − 0.3515396 = 0.6484604
        // monthly = 450,000 × 0.00875 / 0.6484604 = 3,937.5 / 0.6484604 = 6,072.07
        // annual  = 12 × 6,072.07 = 72,864.9
        fuzzyIs(FinancialMath::annualDebtService(450'000.0, 0.105, 10), 72'864.898, 0.01);
        // L = 100,000, i = 0.06 / 12 = 0.005, n = 60 (5 years): the textbook payment 1,933.28 / month
        // 1.005^60 = 1.3488502, 1 − 1/1.3488502 = 0.2586278, 500 / 0.2586278 = 1,933.28 → 23,199.36 a year
        fuzzyIs(FinancialMath::annualDebtService(100'000.0, 0.06, 5), 23'199.36, 0.01);
        // Zero interest: the formula is 0/0, its limit is straight repayment 12 × L / n = 450,000 / 10 = 45,000.
        fuzzyIs(FinancialMath::annualDebtService(450'000.0, 0.0, 10), 45'000.0, 1e-9);
        // A tiny rate stays continuous with the zero-rate limit (no cancellation blow-up).
        fuzzyIs(FinancialMath::annualDebtService(450'000.0, 1e-12, 10), 45'000.0, 1e-3);
        // 100 % a year over 1 year: i = 1/12, n = 12: ln(13/12) = 0.0800427, × 12 = 0.960512,
        // (13/12)^12 = e^0.960512 = 2.613035, 1 − 1/2.613035 = 0.617304;
        // 12 × 1,000 × 0.083333 / 0.617304 = 1,000 / 0.617304 = 1,619.95
        fuzzyIs(FinancialMath::annualDebtService(1'000.0, 1.0, 1), 1'619.95, 0.01);
        QVERIFY(!FinancialMath::annualDebtService(std::nullopt, 0.105, 10));
        QVERIFY(!FinancialMath::annualDebtService(450'000.0, 0.105, 0));
        QVERIFY(!FinancialMath::annualDebtService(450'000.0, -0.01, 10));
        QVERIFY(!FinancialMath::annualDebtService(std::numeric_limits<double>::infinity(), 0.105, 10));
    }

    void dscr()
    {
        // 200,000 / 72,864.898 = 2.74481
        const auto ads = FinancialMath::annualDebtService(450'000.0, 0.105, 10);
        fuzzyIs(FinancialMath::dscr(200'000, 0, ads), 2.744806, 1e-5);
        // With a 60,000 salary: 140,000 / 72,864.898 = 1.92136
        fuzzyIs(FinancialMath::dscr(200'000, 60'000, ads), 1.921364, 1e-5);
        // Salary above cash flow: −20,000 / 72,864.898 = −0.27448 (a real, failing DSCR)
        fuzzyIs(FinancialMath::dscr(200'000, 220'000, ads), -0.274481, 1e-5);
        // No loan → no debt service → the ratio has no denominator.
        QVERIFY(!FinancialMath::dscr(200'000, 0, 0.0));
        QVERIFY(!FinancialMath::dscr(200'000, 0, std::nullopt));
        QVERIFY(!FinancialMath::dscr(std::nullopt, 0, ads));
    }

    void maxPriceAtTargetDscr()
    {
        // k = ADS per unit of loan = 72,864.898 / 450,000 = 0.161922
        // P = (CF − S) / (t × (1 − d) × k) = 200,000 / (1.25 × 0.9 × 0.161922) = 200,000 / 0.182162 = 1,097,922.3
        const auto p = FinancialMath::maxPriceAtTargetDscr(200'000, 0, 0.10, 0.105, 10, 1.25);
        fuzzyIs(p, 1'097'922.35, 0.05);
        // Round trip: at that price the DSCR is exactly the target.
        const auto ads
            = FinancialMath::annualDebtService(FinancialMath::loanAmount(qint64(std::llround(*p)), 0.10), 0.105, 10);
        fuzzyIs(FinancialMath::dscr(200'000, 0, ads), 1.25, 1e-6);
        // With salary 60,000: 140,000 / 0.182162 = 768,545.6
        fuzzyIs(FinancialMath::maxPriceAtTargetDscr(200'000, 60'000, 0.10, 0.105, 10, 1.25), 768'545.64, 0.05);
        // Zero interest, 10 years, 20 % down, target 2: k = 0.1 → 100,000 / (2 × 0.8 × 0.1) = 625,000
        fuzzyIs(FinancialMath::maxPriceAtTargetDscr(100'000, 0, 0.20, 0.0, 10, 2.0), 625'000.0, 1e-6);
        // Cash flow after salary ≤ 0 → null.
        QVERIFY(!FinancialMath::maxPriceAtTargetDscr(60'000, 60'000, 0.10, 0.105, 10, 1.25));
        QVERIFY(!FinancialMath::maxPriceAtTargetDscr(-5, 0, 0.10, 0.105, 10, 1.25));
        QVERIFY(!FinancialMath::maxPriceAtTargetDscr(std::nullopt, 0, 0.10, 0.105, 10, 1.25));
    }

    void paybackYears()
    {
        // 500,000 / 200,000 = 2.5 ; 500,000 / (200,000 − 75,000) = 4.0
        fuzzyIs(FinancialMath::paybackYears(500'000, 200'000, 0), 2.5, 1e-12);
        fuzzyIs(FinancialMath::paybackYears(500'000, 200'000, 75'000), 4.0, 1e-12);
        QVERIFY(!FinancialMath::paybackYears(500'000, 200'000, 200'000));
        QVERIFY(!FinancialMath::paybackYears(500'000, -1, 0));
        QVERIFY(!FinancialMath::paybackYears(std::nullopt, 200'000, 0));
        // Extreme values stay finite and do not overflow: (−9.2e18 − 1e12) is computed in double.
        QVERIFY(!FinancialMath::paybackYears(1, std::numeric_limits<qint64>::min(), 1'000'000'000'000LL));
    }

    void businessAge()
    {
        // 2026 − 2001 = 25
        QCOMPARE(FinancialMath::businessAgeYears(2001, 2026), std::optional<int>(25));
        QCOMPARE(FinancialMath::businessAgeYears(2026, 2026), std::optional<int>(0));
        QVERIFY(!FinancialMath::businessAgeYears(2030, 2026));
        QVERIFY(!FinancialMath::businessAgeYears(12, 2026));
        QVERIFY(!FinancialMath::businessAgeYears(std::nullopt, 2026));
    }

    void rounding()
    {
        QCOMPARE(FinancialMath::roundMoney(72'864.5), qint64(72'865));
        QCOMPARE(FinancialMath::roundMoney(-72'864.5), qint64(-72'865)); // half away from zero
        QCOMPARE(FinancialMath::roundMoney(72'864.49), qint64(72'864));
        QCOMPARE(FinancialMath::roundMoney(1e30), qint64(9'000'000'000'000'000'000LL));
        QCOMPARE(FinancialMath::roundRatio(2.744805863), 2.7448);
        QCOMPARE(FinancialMath::roundRatio(0.12345), 0.1235);
        QCOMPARE(FinancialMath::roundRatio(-0.33335, 2), -0.33);
        QCOMPARE(FinancialMath::roundRatio(1e300), 1e300);
    }
};

QTEST_GUILESS_MAIN(TestFinancialMath)
#include "tst_financialmath.moc"
