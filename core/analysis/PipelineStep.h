#pragma once

#include "analysis/AnalysisEngine.h"

#include <functional>

namespace dealscope {

class AnalysisContext;

// One named, weighted step. `run` reads and writes only ctx.state() (plus the listing and the
// benchmark tables), so that a pipeline can resume after any finished step.
struct PipelineStep final
{
    StepInfo info;
    std::function<void(AnalysisContext &ctx)> run;
};

} // namespace dealscope
