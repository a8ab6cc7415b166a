#include "analysis/FinancialMath.h"

#include <cmath>
#include <limits>

namespace dealscope {

namespace {
std::optional<double> finiteOrNull(double v)
{
    if (!std::isfinite(v))
        return std::nullopt;
    return v;
}
} // namespace

std::optional<double> FinancialMath::sdeMultiple(std::optional<qint64> askingPrice, std::optional<qint64> cashFlow)
{
    if (!askingPrice || !cashFlow || *cashFlow <= 0)
        return std::nullopt;
    return finiteOrNull(double(*askingPrice) / double(*cashFlow));
}

std::optional<double> FinancialMath::revenueMultiple(
    std::optional<qint64> askingPrice, std::optional<qint64> grossRevenue)
{
    if (!askingPrice || !grossRevenue || *grossRevenue <= 0)
        return std::nullopt;
    return finiteOrNull(double(*askingPrice) / double(*grossRevenue));
}

std::optional<double> FinancialMath::cashFlowMargin(std::optional<qint64> cashFlow, std::optional<qint64> grossRevenue)
{
    if (!cashFlow || !grossRevenue || *grossRevenue <= 0)
        return std::nullopt;
    return finiteOrNull(double(*cashFlow) / double(*grossRevenue));
}

std::optional<double> FinancialMath::loanAmount(std::optional<qint64> askingPrice, double downPaymentPct)
{
    if (!askingPrice || !std::isfinite(downPaymentPct))
        return std::nullopt;
    return finiteOrNull(double(*askingPrice) * (1.0 - downPaymentPct));
}

std::optional<double> FinancialMath::annualDebtService(std::optional<double> loan, double interestRate, int termYears)
{
    if (!loan || !std::isfinite(*loan) || termYears < 1 || !std::isfinite(interestRate) || interestRate < 0)
        return std::nullopt;
    const double n = double(termYears) * 12.0;
    const double i = interestRate / 12.0;
    if (i == 0.0)
        return finiteOrNull(12.0 * *loan / n);
    // 1 − (1 + i)^−n computed as −expm1(−n·log1p(i)): the same value, without the cancellation
    // that the literal form suffers for small rates.
    const double denom = -std::expm1(-n * std::log1p(i));
    if (!(denom > 0))
        return std::nullopt;
    return finiteOrNull(12.0 * *loan * i / denom);
}

std::optional<double> FinancialMath::dscr(
    std::optional<qint64> cashFlow, qint64 ownerSalary, std::optional<double> annualDebtService)
{
    if (!cashFlow || !annualDebtService || !(*annualDebtService > 0))
        return std::nullopt;
    return finiteOrNull((double(*cashFlow) - double(ownerSalary)) / *annualDebtService);
}

std::optional<double> FinancialMath::maxPriceAtTargetDscr(std::optional<qint64> cashFlow, qint64 ownerSalary,
    double downPaymentPct, double interestRate, int termYears, double targetDscr)
{
    if (!cashFlow)
        return std::nullopt;
    // In double: a hostile cash flow near the qint64 limit minus a salary must not overflow.
    const double available = double(*cashFlow) - double(ownerSalary);
    if (!(available > 0) || !(targetDscr > 0) || !(downPaymentPct < 1))
        return std::nullopt;
    const auto perUnit = annualDebtService(1.0, interestRate, termYears);
    if (!perUnit || !(*perUnit > 0))
        return std::nullopt;
    return finiteOrNull(available / (targetDscr * (1.0 - downPaymentPct) * *perUnit));
}

std::optional<double> FinancialMath::paybackYears(
    std::optional<qint64> askingPrice, std::optional<qint64> cashFlow, qint64 ownerSalary)
{
    if (!askingPrice || !cashFlow)
        return std::nullopt;
    const double available = double(*cashFlow) - double(ownerSalary);
    if (!(available > 0))
        return std::nullopt;
    return finiteOrNull(double(*askingPrice) / available);
}

std::optional<int> FinancialMath::businessAgeYears(std::optional<int> yearEstablished, int currentYear)
{
    if (!yearEstablished || *yearEstablished < 1600 || *yearEstablished > currentYear)
        return std::nullopt;
    return currentYear - *yearEstablished;
}

qint64 FinancialMath::roundMoney(double value)
{
    if (!std::isfinite(value))
        return 0;
    // Clamp before converting: llround of a value beyond qint64 is undefined behaviour.
    constexpr double kLimit = 9.0e18;
    if (value > kLimit)
        return qint64(kLimit);
    if (value < -kLimit)
        return -qint64(kLimit);
    return std::llround(value); // half away from zero
}

double FinancialMath::roundRatio(double value, int decimals)
{
    if (!std::isfinite(value))
        return 0;
    // Exact powers of ten from a table: std::pow was a visible share of a job's CPU (every ratio
    // of a result is rounded) and gives the same values for these.
    static constexpr double kPow10[]
        = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
    const double scale = decimals >= 0 && decimals < 16 ? kPow10[decimals] : std::pow(10.0, decimals);
    const double scaled = value * scale;
    if (!std::isfinite(scaled) || std::fabs(scaled) > 9.0e15)
        return value; // already beyond the precision rounding could change
    return std::round(scaled) / scale;
}

} // namespace dealscope
