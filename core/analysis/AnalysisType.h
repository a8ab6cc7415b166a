#pragma once

#include <QString>
#include <QStringList>
#include <QStringView>

#include <optional>

namespace dealscope {

enum class AnalysisType { BusinessAnalysis, Valuation, RiskAssessment, MarketIntelligence };

QString analysisTypeName(AnalysisType type); // "business_analysis", "valuation", …
std::optional<AnalysisType> parseAnalysisType(QStringView name);
QStringList analysisTypeNames(); // all four, in SPEC order

} // namespace dealscope
