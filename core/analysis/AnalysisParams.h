#pragma once

#include <QString>

#include <nlohmann/json.hpp>

#include <optional>
#include <variant>

namespace dealscope {

// SPEC §4 defaults, all overridable through job params.
struct AnalysisParams final
{
    double downPaymentPct = 0.10; // 0 ≤ x < 1
    double interestRate = 0.105; // annual, 0 ≤ x ≤ 1
    int termYears = 10; // 1 … 40, integer
    qint64 ownerSalary = 0; // ≥ 0, whole currency units
    double targetDscr = 1.25; // > 0 … 10
    QString provider; // empty = the engine's default provider (SPEC §7 per-job override)

    nlohmann::json toJson() const;
    bool operator==(const AnalysisParams &) const = default;
};

struct ParamsError final
{
    QString parameter; // "downPaymentPct"
    QString message; // "downPaymentPct must be a number between 0 and 1 (exclusive), got 2"
};

// Validates a params object: unknown keys, wrong types and out-of-range values are errors naming
// the parameter. A non-object (other than null) is an error too.
std::variant<AnalysisParams, ParamsError> parseAnalysisParams(const nlohmann::json &params);

} // namespace dealscope
