#pragma once

#include "analysis/PipelineStep.h"

namespace dealscope {

// market_intelligence: the listing's sector (declared through its industry, or inferred), the
// sector's benchmark figures, and the listing's percentile rank (ListingCatalog::percentileRank)
// among the loaded listings of the same sector for asking price, SDE multiple and cash-flow margin.
class MarketSteps final
{
public:
    MarketSteps() = delete;
    static PipelineStep sector(); // "sector"
    static PipelineStep percentiles(); // "percentiles"
};

} // namespace dealscope
