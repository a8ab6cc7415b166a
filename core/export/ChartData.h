#pragma once

#include <QList>
#include <QString>

#include <nlohmann/json.hpp>

#include <optional>

namespace dealscope {

class ListingCatalog;

// The numbers the desktop's charts draw (issue 14 §5), computed in core so they are tested
// without widgets.
namespace ChartData {

// Five-number summary of a sorted sample (quartiles by linear interpolation).
struct Spread
{
    double min = 0, q1 = 0, median = 0, q3 = 0, max = 0;
    int count = 0;
};
std::optional<Spread> spreadOf(const QList<double> &sorted);

// A sector's SDE and revenue multiples among the loaded listings.
struct SectorSpread
{
    QString sector;
    std::optional<Spread> sde;
    std::optional<Spread> revenue;
};
SectorSpread sectorSpread(const ListingCatalog &catalog, const QString &sector);

// The financing sensitivity of a valuation: DSCR by interest rate (rows) and down payment
// (columns); empty when the result has none or it is malformed.
struct Sensitivity
{
    QList<double> rates;
    QList<double> downPayments;
    QList<QList<std::optional<double>>> dscr; // [rate][down payment]
    bool isEmpty() const { return rates.isEmpty() || downPayments.isEmpty(); }
};
Sensitivity sensitivityOf(const nlohmann::json &result);
// The DSCR the analysis aimed for (params.targetDscr, 1.25 when not given).
double targetDscrOf(const nlohmann::json &result);

} // namespace ChartData

} // namespace dealscope
