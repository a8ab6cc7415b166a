#include "analysis/Pipelines.h"

#include "analysis/CommonSteps.h"
#include "analysis/DealScore.h"
#include "analysis/MarketSteps.h"
#include "analysis/OverviewSteps.h"
#include "analysis/RiskSteps.h"
#include "analysis/ValuationSteps.h"

namespace dealscope {

QList<PipelineStep> Pipelines::forType(AnalysisType type)
{
    QList<PipelineStep> steps{CommonSteps::loadInputs(), CommonSteps::multiples(), CommonSteps::debtService(),
                              CommonSteps::benchmarks()};
    switch (type) {
    case AnalysisType::BusinessAnalysis:
        steps << CommonSteps::findings() << OverviewSteps::overview();
        break;
    case AnalysisType::Valuation:
        steps << ValuationSteps::methods() << ValuationSteps::sensitivity() << CommonSteps::findings();
        break;
    case AnalysisType::RiskAssessment:
        steps << CommonSteps::findings() << RiskSteps::redFlags();
        break;
    case AnalysisType::MarketIntelligence:
        steps << MarketSteps::sector() << MarketSteps::percentiles() << CommonSteps::findings();
        break;
    }
    steps << DealScore::step() << CommonSteps::summary();
    return steps;
}

} // namespace dealscope
