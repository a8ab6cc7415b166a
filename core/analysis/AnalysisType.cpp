#include "analysis/AnalysisType.h"

#include <array>

namespace dealscope {

namespace {
struct NamedType
{
    AnalysisType type;
    const char *name;
};
constexpr std::array<NamedType, 4> kTypes { {
    { AnalysisType::BusinessAnalysis, "business_analysis" },
    { AnalysisType::Valuation, "valuation" },
    { AnalysisType::RiskAssessment, "risk_assessment" },
    { AnalysisType::MarketIntelligence, "market_intelligence" },
} };
} // namespace

QString analysisTypeName(AnalysisType type)
{
    for (const auto &t : kTypes)
        if (t.type == type)
            return QString::fromLatin1(t.name);
    return {};
}

std::optional<AnalysisType> parseAnalysisType(QStringView name)
{
    // Exact match only: the name is a wire value, and accepting variants would make dedup keys differ.
    for (const auto &t : kTypes)
        if (name == QLatin1String(t.name))
            return t.type;
    return std::nullopt;
}

QStringList analysisTypeNames()
{
    QStringList names;
    for (const auto &t : kTypes)
        names << QString::fromLatin1(t.name);
    return names;
}

} // namespace dealscope
