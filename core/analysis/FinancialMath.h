#pragma once

#include <QtGlobal>

#include <optional>

namespace dealscope {

// The formulas of SPEC §4, exactly as written there. Every function returns nullopt instead of a
// NaN, an infinity or a division by zero: a figure whose inputs are unknown or whose denominator
// is ≤ 0 is unknown. Inputs are whole currency units; outputs are unrounded (callers round for JSON).
class FinancialMath final
{
public:
    FinancialMath() = delete;

    // askingPrice / cashFlow, only when both are known and cashFlow > 0.
    static std::optional<double> sdeMultiple(std::optional<qint64> askingPrice, std::optional<qint64> cashFlow);
    // askingPrice / grossRevenue, only when both are known and revenue > 0.
    static std::optional<double> revenueMultiple(std::optional<qint64> askingPrice, std::optional<qint64> grossRevenue);
    // cashFlow / grossRevenue, revenue > 0 (a negative cash flow gives a negative margin).
    static std::optional<double> cashFlowMargin(std::optional<qint64> cashFlow, std::optional<qint64> grossRevenue);
    // askingPrice × (1 − downPaymentPct).
    static std::optional<double> loanAmount(std::optional<qint64> askingPrice, double downPaymentPct);
    // 12 × L × i / (1 − (1 + i)^−n), i = interestRate / 12, n = termYears × 12. At i = 0 the formula is
    // 0/0; its limit L × 12 / n (straight repayment) is used. nullopt for unknown L or termYears < 1.
    static std::optional<double> annualDebtService(std::optional<double> loan, double interestRate, int termYears);
    // (cashFlow − ownerSalary) / annualDebtService, only when ADS > 0.
    static std::optional<double> dscr(
        std::optional<qint64> cashFlow, qint64 ownerSalary, std::optional<double> annualDebtService);
    // The asking price P at which dscr = targetDscr. ADS is linear in the loan, so with
    // k = annualDebtService(1, rate, term): (CF − S) / (P (1 − d) k) = t  ⇒  P = (CF − S) / (t (1 − d) k).
    // nullopt when cash flow after salary ≤ 0 or unknown.
    static std::optional<double> maxPriceAtTargetDscr(std::optional<qint64> cashFlow, qint64 ownerSalary,
        double downPaymentPct, double interestRate, int termYears, double targetDscr);
    // askingPrice / (cashFlow − ownerSalary), only when cash flow after salary > 0.
    static std::optional<double> paybackYears(
        std::optional<qint64> askingPrice, std::optional<qint64> cashFlow, qint64 ownerSalary);
    // currentYear − yearEstablished; nullopt when unknown, in the future, or implausibly old (< 1600).
    static std::optional<int> businessAgeYears(std::optional<int> yearEstablished, int currentYear);

    // Rounding used for the result JSON: money half away from zero to whole units, ratios to 4 decimals.
    static qint64 roundMoney(double value);
    static double roundRatio(double value, int decimals = 4);
};

} // namespace dealscope
