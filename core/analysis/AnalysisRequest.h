#pragma once

#include "domain/Listing.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <optional>

namespace dealscope {

// What one analysis run needs: the engine knows nothing about jobs, stores or backends; those
// turn their job into a request (jobs/Job.h: analysisRequestOf()).
struct AnalysisRequest final
{
    QString listingId;
    QString analysisType; // business_analysis | valuation | risk_assessment | market_intelligence
    nlohmann::json params = nlohmann::json::object();
    // The listing to analyse as the client sent it; without one, the engine's catalog has it.
    std::optional<Listing> listing;
    QString label; // names the run in log lines (the job id); may be empty
};

} // namespace dealscope
