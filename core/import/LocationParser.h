#pragma once

#include <QString>
#include <QStringView>

namespace dealscope {

// Splits free-text listing locations into city and US state / Canadian province code:
// "Boston, MA" → Boston / MA; "Seminole County, FL" → (no city) / FL; "California (Relocatable)"
// → CA; "Miami, Florida 33101" → Miami / FL. Unrecognized text yields empty parts.
class LocationParser final
{
public:
    struct Parts final
    {
        QString city;
        QString state;
    };
    static Parts parse(QStringView location);
    // "FL", "fl", "Florida" → "FL"; empty when not a state or province.
    static QString stateCode(QStringView text);
};

} // namespace dealscope
