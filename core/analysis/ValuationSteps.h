#pragma once

#include "analysis/PipelineStep.h"

namespace dealscope {

// valuation: benchmark methods, blended range, asking premium and the DSCR sensitivity grid.
//   sdeMethodValue     = benchmark SDE multiple × cash flow (cash flow > 0)
//   revenueMethodValue = benchmark revenue multiple × gross revenue
//   blendedRange.mid   = 0.7 × SDE value + 0.3 × revenue value (SDE is the primary method for
//                        owner-operated businesses); the one available value when only one is
//   blendedRange.low/high = 0.9 × the lower / 1.1 × the higher method value
//   askingPremium      = (askingPrice − mid) / mid, a fraction (0.25 = 25 % above)
class ValuationSteps final
{
public:
    ValuationSteps() = delete;
    static PipelineStep methods(); // "valuation_methods"
    static PipelineStep sensitivity(); // "sensitivity"

    static constexpr double kSdeWeight = 0.7;
};

} // namespace dealscope
