#include "export/ChartData.h"

#include "export/ResultFigures.h"
#include "market/ListingCatalog.h"

#include <cmath>

namespace dealscope::ChartData {

std::optional<Spread> spreadOf(const QList<double> &sorted)
{
    if (sorted.isEmpty())
        return std::nullopt;
    const auto at = [&](double p) {
        const double pos = p * double(sorted.size() - 1);
        const auto lo = qsizetype(std::floor(pos));
        const auto hi = qsizetype(std::ceil(pos));
        return sorted.at(lo) + (sorted.at(hi) - sorted.at(lo)) * (pos - double(lo));
    };
    Spread s;
    s.min = sorted.first();
    s.q1 = at(0.25);
    s.median = at(0.5);
    s.q3 = at(0.75);
    s.max = sorted.last();
    s.count = int(sorted.size());
    return s;
}

SectorSpread sectorSpread(const ListingCatalog &catalog, const QString &sector)
{
    SectorSpread out;
    out.sector = sector;
    if (const ListingCatalog::SectorSample *sample = catalog.sample(sector)) {
        out.sde = spreadOf(sample->sdeMultiples);
        out.revenue = spreadOf(sample->revenueMultiples);
    }
    return out;
}

Sensitivity sensitivityOf(const nlohmann::json &result)
{
    Sensitivity s;
    if (!result.is_object() || !result.contains("sensitivity") || !result["sensitivity"].is_object())
        return s;
    const nlohmann::json &grid = result["sensitivity"];
    const auto numbers = [](const nlohmann::json &array, QList<double> &out) {
        if (!array.is_array())
            return false;
        for (const auto &v : array) {
            if (!v.is_number() || !std::isfinite(v.get<double>()))
                return false;
            out << v.get<double>();
        }
        return !out.isEmpty();
    };
    if (!numbers(grid.value("interestRates", nlohmann::json()), s.rates)
        || !numbers(grid.value("downPaymentPcts", nlohmann::json()), s.downPayments)) {
        return {};
    }
    const nlohmann::json dscr = grid.value("dscr", nlohmann::json());
    if (!dscr.is_array() || dscr.size() != size_t(s.rates.size()))
        return {};
    for (const auto &row : dscr) {
        QList<std::optional<double>> cells;
        for (qsizetype i = 0; i < s.downPayments.size(); ++i) {
            const bool known = row.is_array() && size_t(i) < row.size() && row[size_t(i)].is_number();
            cells << (known ? std::optional<double>(row[size_t(i)].get<double>()) : std::nullopt);
        }
        s.dscr << cells;
    }
    return s;
}

double targetDscrOf(const nlohmann::json &result)
{
    if (result.is_object() && result.contains("params")) {
        if (const auto t = ResultFigures::number(result["params"], "targetDscr"); t && *t > 0)
            return *t;
    }
    return 1.25;
}

} // namespace dealscope::ChartData
