#pragma once

#include "analysis/AnalysisType.h"
#include "analysis/PipelineStep.h"

#include <QList>

namespace dealscope {

// The step list of each analysis type (without the optional "narrative" step the engine appends).
// The order is part of the checkpoint format: a checkpoint stores the index of the next step, so
// steps are only ever appended to a pipeline's end in later versions, never reordered.
class Pipelines final
{
public:
    Pipelines() = delete;
    static QList<PipelineStep> forType(AnalysisType type);
};

} // namespace dealscope
