#pragma once

#include <QList>
#include <QString>

#include <nlohmann/json_fwd.hpp>

#include <optional>

namespace dealscope {

// One business for sale (SPEC §2). Money is whole currency units; unknown is nullopt, never 0.
struct Listing final
{
    QString id;
    QString title;
    QString industry;
    bool industryInferred = false;
    QString location;
    QString city;
    QString state;
    std::optional<qint64> askingPrice;
    std::optional<qint64> grossRevenue;
    std::optional<qint64> cashFlow;
    std::optional<qint64> ebitda;
    std::optional<qint64> inventory;
    std::optional<bool> inventoryIncluded;
    std::optional<qint64> ffe;
    std::optional<int> yearEstablished;
    std::optional<int> employees;
    QString description;
    QString url;
    QString source;

    bool operator==(const Listing &) const = default;
};

// Wire format: camelCase keys as above, nulls for unknown values, `location` as a string.
nlohmann::json listingToJson(const Listing &listing);
// Throws std::invalid_argument with a message naming the field when `json` is not a listing.
Listing listingFromJson(const nlohmann::json &json);

} // namespace dealscope
