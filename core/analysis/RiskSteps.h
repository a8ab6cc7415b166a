#pragma once

#include "analysis/PipelineStep.h"

namespace dealscope {

// risk_assessment: the red flags are the warning and critical findings (missing financials,
// multiple > 1.5× the benchmark, DSCR below target, margin below 10 %, business younger than
// 3 years, cash flow not covering the owner's salary, inconsistent figures, …), and the level:
//   critical  two or more critical flags
//   high      one critical flag, or three or more warnings
//   medium    one or two warnings
//   low       no red flag
class RiskSteps final
{
public:
    RiskSteps() = delete;
    static PipelineStep redFlags(); // "red_flags", runs after "findings"
};

} // namespace dealscope
