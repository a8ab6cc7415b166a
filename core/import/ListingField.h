#pragma once

#include <QString>
#include <QStringView>

#include <optional>

namespace dealscope {

// The listing fields an import column can fill (SPEC §2).
enum class ListingField {
    Id,
    Title,
    Industry,
    IndustryInferred,
    Location,
    City,
    State,
    AskingPrice,
    GrossRevenue,
    CashFlow,
    Ebitda,
    Inventory,
    InventoryIncluded,
    Ffe,
    YearEstablished,
    Employees,
    Description,
    Url,
    Source,
};

// Header alias table: matches case- and punctuation-insensitively ("Asking Price", "asking_price",
// "price" → AskingPrice; "FF&E" and "Furniture, Fixtures, & Equipment (FF&E)" → Ffe).
class HeaderAliases final
{
public:
    static std::optional<ListingField> fieldFor(QStringView header);
    // The canonical (JSON) name of a field: "askingPrice".
    static QString canonicalName(ListingField field);
    // Lower-case letters and digits only.
    static QString normalize(QStringView header);
};

} // namespace dealscope
