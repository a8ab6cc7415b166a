#pragma once

#include "analysis/PipelineStep.h"

namespace dealscope {

// The steps every analysis type shares (SPEC §4): inputs, multiples, financing, benchmarks,
// findings and the final result. State keys they own: "asOfYear", "inputs", "params", "metrics",
// "missingInputs", "findings", "benchmark", "typeResult" (filled by type steps), "result".
class CommonSteps final
{
public:
    CommonSteps() = delete;

    static PipelineStep loadInputs(); // "load_inputs"
    static PipelineStep multiples(); // "sde_multiple"
    static PipelineStep debtService(); // "debt_service"
    static PipelineStep benchmarks(); // "benchmarks"
    static PipelineStep findings(); // "findings"
    static PipelineStep summary(); // "summary": assembles state["result"]
};

} // namespace dealscope
