#include "analysis/RiskSteps.h"

#include "analysis/AnalysisContext.h"

namespace dealscope {

using json = nlohmann::json;

PipelineStep RiskSteps::redFlags()
{
    return {{QStringLiteral("red_flags"), QStringLiteral("Assessing red flags…"), 2.0}, [](AnalysisContext &ctx) {
                json &s = ctx.state();
                json flags = json::array();
                int critical = 0;
                int warnings = 0;
                for (const json &f : s["findings"]) {
                    const std::string sev = f.value("severity", std::string());
                    if (sev == "critical")
                        ++critical;
                    else if (sev == "warning")
                        ++warnings;
                    else
                        continue;
                    flags.push_back(f);
                }
                const char *level = critical >= 2                    ? "critical"
                                    : (critical == 1 || warnings >= 3) ? "high"
                                    : warnings >= 1                    ? "medium"
                                                                       : "low";
                s["typeResult"]["redFlags"] = std::move(flags);
                s["typeResult"]["riskLevel"] = level;
            }};
}

} // namespace dealscope
