#pragma once

#include <QString>

#include <nlohmann/json.hpp>

#include <optional>
#include <string_view>

namespace dealscope {

// Conversions between the unrounded figures kept in the pipeline state and the result JSON.
// Result conventions (docs/ANALYSIS.md): money is an integer rounded half away from zero,
// ratios are doubles rounded to 4 decimals, unknown is null — never NaN or infinity.
class ResultJson final
{
public:
    ResultJson() = delete;

    static nlohmann::json number(std::optional<double> v); // unrounded, null when unknown/non-finite
    static nlohmann::json money(std::optional<double> v); // integer or null
    static nlohmann::json ratio(std::optional<double> v, int decimals = 4);
    static nlohmann::json integer(std::optional<qint64> v);

    // The member `key` of `object` by reference, or a shared null when absent (no copy, unlike json::value).
    // Keys are string_views: json's transparent comparator then compares without the strlen()
    // per comparison that a const char * key costs.
    static const nlohmann::json &member(const nlohmann::json &object, std::string_view key);
    // object[key] for a member that usually exists: json::operator[] allocates a map node before
    // it looks the key up (std::map::emplace), on every read.
    static nlohmann::json &slot(nlohmann::json &object, std::string_view key);

    // Reads a number from a state object; nullopt when absent, null or not a finite number.
    static std::optional<double> num(const nlohmann::json &object, std::string_view key);
    static std::optional<double> num(const nlohmann::json &value); // the same for a value at hand
    static std::optional<qint64> whole(const nlohmann::json &object, std::string_view key);

    static nlohmann::json finding(const char *severity, const char *code, const QString &message);

    // A QString as a JSON string, the same as json(s) (common/JsonQt.h); takes a QStringBuilder
    // expression, which the json constructor does not.
    static nlohmann::json text(const QString &s);
    // The string `key` of `object` compared without building a json temporary; false when absent.
    static bool stringIs(const nlohmann::json &object, std::string_view key, std::string_view value);

    // Human-readable figures for messages and summaries (locale-independent, so results are stable).
    static QString formatMoney(double v); // "$1,200,624", "-$50,000"
    static QString formatMultiple(double v); // "2.50×"
    static QString formatPercent(double fraction, int decimals = 1); // 0.244 → "24.4 %"
    static QString formatRatio(double v); // "1.25"
    static QString formatOrdinal(double v); // 87.4 → "87th", 1 → "1st", 22 → "22nd", 13 → "13th"
    // QString::number(v, 'f', decimals) without QLocale: "2.50", "-0.30", "13".
    static QString fixed(double v, int decimals);
};

} // namespace dealscope
