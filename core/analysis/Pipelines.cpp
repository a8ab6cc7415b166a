#include "analysis/Pipelines.h"

#include "analysis/CommonSteps.h"
#include "analysis/DealScore.h"
#include "analysis/MarketSteps.h"
#include "analysis/OverviewSteps.h"
#include "analysis/RiskSteps.h"
#include "analysis/ValuationSteps.h"

namespace dealscope {

namespace {

QList<PipelineStep> build(AnalysisType type)
{
    QList<PipelineStep> steps { CommonSteps::loadInputs(), CommonSteps::multiples(), CommonSteps::debtService(),
        CommonSteps::benchmarks() };
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

} // namespace

QList<PipelineStep> Pipelines::forType(AnalysisType type)
{
    // Built once: every run asked for its list, and building it (labels, std::functions) was a
    // visible share of a fast job's CPU. The steps are immutable, so the lists are shared between
    // threads; a caller's copy is an implicitly shared QList (no deep copy unless it appends).
    static const QList<PipelineStep> lists[] = { build(AnalysisType::BusinessAnalysis), build(AnalysisType::Valuation),
        build(AnalysisType::RiskAssessment), build(AnalysisType::MarketIntelligence) };
    switch (type) {
    case AnalysisType::BusinessAnalysis:
        return lists[0];
    case AnalysisType::Valuation:
        return lists[1];
    case AnalysisType::RiskAssessment:
        return lists[2];
    case AnalysisType::MarketIntelligence:
        return lists[3];
    }
    return build(type);
}

} // namespace dealscope
