#pragma once

#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <optional>

namespace dealscope {

struct StoredResult;

// The figures exports, rankings and comparisons read from an analysis result, in one place: a
// figure that is missing, null or not a finite number is nullopt, never 0.
namespace ResultFigures {

// Every metric of SPEC §4, then the inputs a result carries, in the order exports show them.
const QStringList &metricKeys();

std::optional<double> number(const nlohmann::json &object, const char *key);
std::optional<double> metric(const nlohmann::json &result, const QString &key);
std::optional<double> score(const nlohmann::json &result);
// How far the asking price is above (positive) or below the sector's value: the valuation's
// askingPremium when there is one, else the SDE multiple against the sector benchmark's, − 1.
std::optional<double> askingPremium(const nlohmann::json &result);
struct Range
{
    std::optional<double> low, mid, high;
};
Range valuationRange(const nlohmann::json &result); // blendedRange
QString text(const nlohmann::json &object, const char *key);
// The result of a stored job (its "result" object), or an empty object.
const nlohmann::json &resultOf(const StoredResult &stored);
// The listing's title: the snapshot's, else the library row's, else the id.
QString titleOf(const StoredResult &stored);

} // namespace ResultFigures

} // namespace dealscope
