#pragma once

#include "analysis/PipelineStep.h"

namespace dealscope {

// The 0–100 score of a result and its explanation, from the figures already in the state:
//   valuation   30  SDE multiple against the benchmark (≤ 0.8× 30, ≤ 1.0× 25, ≤ 1.25× 15, ≤ 1.5× 8, else 0)
//   financing   30  DSCR against the target (≥ target + 0.5 30, ≥ target 22, ≥ 1.0 10, else 0)
//   margin      20  cash-flow margin (≥ 25 % 20, ≥ 15 % 14, ≥ 10 % 8, else 0)
//   track record 10 business age (≥ 10 y 10, ≥ 5 y 7, ≥ 3 y 4, else 0)
//   disclosure  10  price 3, cash flow 3, revenue 2, year established 2
// An unknown figure scores 0 in its part, so missing data lowers the score instead of hiding it.
class DealScore final
{
public:
    DealScore() = delete;
    static PipelineStep step(); // "score": writes state "score" and "scoreExplanation"
};

} // namespace dealscope
