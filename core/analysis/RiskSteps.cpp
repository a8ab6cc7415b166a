#include "analysis/RiskSteps.h"

#include "analysis/AnalysisContext.h"
#include "analysis/ResultJson.h"

namespace dealscope {

using json = nlohmann::json;

PipelineStep RiskSteps::redFlags()
{
    return { { QStringLiteral("red_flags"), QStringLiteral("Assessing red flags…"), 2.0 }, [](AnalysisContext &ctx) {
                json &s = ctx.state();
                json flags = json::array();
                int critical = 0;
                int warnings = 0;
                for (const json &f : ResultJson::slot(s, "findings")) {
                    if (ResultJson::stringIs(f, "severity", "critical"))
                        ++critical;
                    else if (ResultJson::stringIs(f, "severity", "warning"))
                        ++warnings;
                    else
                        continue;
                    flags.push_back(f);
                }
                const char *level = critical >= 2      ? "critical"
                    : (critical == 1 || warnings >= 3) ? "high"
                    : warnings >= 1                    ? "medium"
                                                       : "low";
                ResultJson::slot(s, "typeResult")["redFlags"] = std::move(flags);
                ResultJson::slot(s, "typeResult")["riskLevel"] = level;
            } };
}

} // namespace dealscope
