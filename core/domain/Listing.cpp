#include "domain/Listing.h"

#include "common/JsonQt.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <stdexcept>
#include <string>

namespace dealscope {

namespace {

template <typename T> nlohmann::json optionalToJson(const std::optional<T> &value)
{
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

[[noreturn]] void fail(const char *field, const char *what)
{
    throw std::invalid_argument(std::string("listing field '") + field + "': " + what);
}

QString readString(const nlohmann::json &json, const char *field, bool required)
{
    const auto it = json.find(field);
    if (it == json.end() || it->is_null()) {
        if (required)
            fail(field, "is required");
        return {};
    }
    if (!it->is_string())
        fail(field, "must be a string");
    return QString::fromStdString(it->get_ref<const std::string &>());
}

std::optional<qint64> readMoney(const nlohmann::json &json, const char *field)
{
    const auto it = json.find(field);
    if (it == json.end() || it->is_null())
        return std::nullopt;
    // is_number_integer() is also true for unsigned values, which get<qint64>() would wrap.
    if (it->is_number_unsigned()) {
        const auto v = it->get<std::uint64_t>();
        if (v > static_cast<std::uint64_t>(std::numeric_limits<qint64>::max()))
            fail(field, "is out of range");
        return static_cast<qint64>(v);
    }
    if (it->is_number_integer())
        return it->get<qint64>();
    // A whole number written as 5000.0 by some other tool is still a whole amount.
    if (it->is_number_float()) {
        const double d = it->get<double>();
        // In range before the cast: converting a double beyond qint64 is undefined.
        if (!(d > -9.0e18 && d < 9.0e18))
            fail(field, "is out of range");
        if (d == static_cast<double>(static_cast<qint64>(d)))
            return static_cast<qint64>(d);
        fail(field, "must be a whole number");
    }
    fail(field, "must be a number or null");
}

std::optional<int> readInt(const nlohmann::json &json, const char *field)
{
    const auto v = readMoney(json, field);
    if (!v)
        return std::nullopt;
    if (*v < std::numeric_limits<int>::min() || *v > std::numeric_limits<int>::max())
        fail(field, "is out of range");
    return static_cast<int>(*v);
}

} // namespace

nlohmann::json listingToJson(const Listing &l)
{
    nlohmann::json j = nlohmann::json::object();
    j["id"] = l.id;
    j["title"] = l.title;
    j["industry"] = l.industry.isEmpty() ? nlohmann::json(nullptr) : nlohmann::json(l.industry);
    j["industryInferred"] = l.industryInferred;
    j["location"] = l.location.isEmpty() ? nlohmann::json(nullptr) : nlohmann::json(l.location);
    j["city"] = l.city.isEmpty() ? nlohmann::json(nullptr) : nlohmann::json(l.city);
    j["state"] = l.state.isEmpty() ? nlohmann::json(nullptr) : nlohmann::json(l.state);
    j["askingPrice"] = optionalToJson(l.askingPrice);
    j["grossRevenue"] = optionalToJson(l.grossRevenue);
    j["cashFlow"] = optionalToJson(l.cashFlow);
    j["ebitda"] = optionalToJson(l.ebitda);
    j["inventory"] = optionalToJson(l.inventory);
    j["inventoryIncluded"] = optionalToJson(l.inventoryIncluded);
    j["ffe"] = optionalToJson(l.ffe);
    j["yearEstablished"] = optionalToJson(l.yearEstablished);
    j["employees"] = optionalToJson(l.employees);
    j["description"] = l.description.isEmpty() ? nlohmann::json(nullptr) : nlohmann::json(l.description);
    j["url"] = l.url.isEmpty() ? nlohmann::json(nullptr) : nlohmann::json(l.url);
    j["source"] = l.source.isEmpty() ? nlohmann::json(nullptr) : nlohmann::json(l.source);
    return j;
}

Listing listingFromJson(const nlohmann::json &json)
{
    if (!json.is_object())
        throw std::invalid_argument("listing must be a JSON object");
    Listing l;
    l.id = readString(json, "id", true);
    if (l.id.isEmpty())
        fail("id", "must not be empty");
    l.title = readString(json, "title", true);
    l.industry = readString(json, "industry", false);
    if (const auto it = json.find("industryInferred"); it != json.end() && !it->is_null()) {
        if (!it->is_boolean())
            fail("industryInferred", "must be a boolean");
        l.industryInferred = it->get<bool>();
    }
    l.location = readString(json, "location", false);
    l.city = readString(json, "city", false);
    l.state = readString(json, "state", false);
    l.askingPrice = readMoney(json, "askingPrice");
    l.grossRevenue = readMoney(json, "grossRevenue");
    l.cashFlow = readMoney(json, "cashFlow");
    l.ebitda = readMoney(json, "ebitda");
    l.inventory = readMoney(json, "inventory");
    if (const auto it = json.find("inventoryIncluded"); it != json.end() && !it->is_null()) {
        if (!it->is_boolean())
            fail("inventoryIncluded", "must be a boolean or null");
        l.inventoryIncluded = it->get<bool>();
    }
    l.ffe = readMoney(json, "ffe");
    l.yearEstablished = readInt(json, "yearEstablished");
    l.employees = readInt(json, "employees");
    l.description = readString(json, "description", false);
    l.url = readString(json, "url", false);
    l.source = readString(json, "source", false);
    return l;
}

} // namespace dealscope
