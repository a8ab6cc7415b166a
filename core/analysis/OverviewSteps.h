#pragma once

#include "analysis/PipelineStep.h"

namespace dealscope {

// business_analysis: the overall view — financing (loan, down payment, debt service, DSCR against
// the target, maximum price) and strengths/concerns drawn from the metrics and findings.
class OverviewSteps final
{
public:
    OverviewSteps() = delete;
    static PipelineStep overview(); // "overview", runs after "findings"
};

} // namespace dealscope
