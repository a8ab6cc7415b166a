#pragma once

#include <QList>
#include <QString>

#include <nlohmann/json.hpp>

#include <optional>

namespace dealscope {

// One analysed listing of a market scan, with the figures its ranking shows (issue 14 §3).
struct RankedListing final
{
    QString jobId;
    QString listingId;
    QString title;
    QString industry;
    QString state;
    QString analysisType;
    std::optional<double> score;
    std::optional<double> askingPremium; // vs the sector: see ResultFigures::askingPremium
    std::optional<double> dscr;
    std::optional<double> maxPriceAtTargetDscr;
    std::optional<double> askingPrice;
    QString error; // why there is no result (failed, canceled); empty when there is one

    bool hasResult() const { return error.isEmpty(); }
};

// The ranking of a market scan, shared by the desktop's ranked table and `analyze --rank`.
namespace MarketRanking {
// From a finished job's result and the listing it analysed (its JSON snapshot).
RankedListing fromResult(
    const QString &jobId, const QString &analysisType, const nlohmann::json &result, const nlohmann::json &listing);
// Best first: by score (higher first), then by asking premium (lower first); listings without a
// score last, failed ones after them; ties keep their order.
void sort(QList<RankedListing> &ranking);
// The ranking as an aligned text table (rank, listing, title, score, premium, DSCR, max price).
QString table(const QList<RankedListing> &ranking);
} // namespace MarketRanking

} // namespace dealscope
