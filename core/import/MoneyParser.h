#pragma once

#include <QString>
#include <QStringView>

#include <optional>

namespace dealscope {

// Parses money cells as they appear in scraped listings (SPEC §2). Whole currency units.
class MoneyParser final
{
public:
    enum class Status {
        Value, // a non-negative amount
        Missing, // empty, N/A, Not Disclosed, -, … (null, nothing to report)
        Included, // "Included in asking price" (null amount, inventoryIncluded = true)
        NotIncluded, // "Not included in asking price" (null amount, inventoryIncluded = false)
        Invalid, // negative, garbage or out of range (null + a diagnostic)
    };

    struct Result final
    {
        Status status = Status::Missing;
        std::optional<qint64> value;
        QString problem; // set when status == Invalid
    };

    // `$1,200,624` → 1200624; `1.2M`, `450K`, `2.5 million` → scaled; `$5,000*` → 5000;
    // `$1,200.50` → 1201 (half away from zero). Amounts above 10^15 are Invalid.
    static Result parse(QStringView text);
    // True for the cells that mean "unknown": empty, N/A, Not Disclosed, -, …
    static bool isMissingToken(QStringView text);
    // Convenience: the value, or nullopt for everything else.
    static std::optional<qint64> value(QStringView text) { return parse(text).value; }
};

} // namespace dealscope
