#include "analysis/DealScore.h"

#include "analysis/AnalysisContext.h"
#include "analysis/ResultJson.h"
#include "common/JsonQt.h"

#include <algorithm>

namespace dealscope {

using json = nlohmann::json;

PipelineStep DealScore::step()
{
    return { { QStringLiteral("score"), QStringLiteral("Scoring…"), 1.0 }, [](AnalysisContext &ctx) {
                json &s = ctx.state();
                const json &m = ResultJson::slot(s, "metrics");
                const json &b = ResultJson::slot(s, "benchmark");
                const double target = ctx.params().targetDscr;
                // Concatenated into one string, not QString::arg()-ed and joined: this runs for
                // every job and arg() parses its pattern on every call.
                QString why;
                auto reason = [&why](const QString &text) {
                    if (!why.isEmpty())
                        why += QStringLiteral("; ");
                    why += text;
                };
                int total = 0;

                int valuation = 0;
                const auto sde = ResultJson::num(m, "sdeMultiple");
                const auto benchSde = ResultJson::num(b, "sdeMultiple");
                if (sde && benchSde && *benchSde > 0) {
                    const double r = *sde / *benchSde;
                    valuation = r <= 0.8 ? 30 : r <= 1.0 ? 25 : r <= 1.25 ? 15 : r <= 1.5 ? 8 : 0;
                    reason(QStringLiteral("valuation ") + QString::number(valuation)
                        + QStringLiteral("/30 (SDE multiple ") + ResultJson::formatMultiple(*sde)
                        + QStringLiteral(" vs benchmark ") + ResultJson::formatMultiple(*benchSde) + QLatin1Char(')'));
                } else {
                    reason(QStringLiteral("valuation 0/30 (SDE multiple or benchmark unknown)"));
                }
                total += valuation;

                int financing = 0;
                if (const auto dscr = ResultJson::num(m, "dscr")) {
                    financing = *dscr >= target + 0.5 ? 30 : *dscr >= target ? 22 : *dscr >= 1.0 ? 10 : 0;
                    reason(QStringLiteral("financing ") + QString::number(financing) + QStringLiteral("/30 (DSCR ")
                        + ResultJson::formatRatio(*dscr) + QStringLiteral(", target ") + ResultJson::formatRatio(target)
                        + QLatin1Char(')'));
                } else {
                    reason(QStringLiteral("financing 0/30 (DSCR unknown)"));
                }
                total += financing;

                int margin = 0;
                if (const auto mg = ResultJson::num(m, "cashFlowMargin")) {
                    // A margin above 100 % means inconsistent figures, not an excellent business.
                    margin = *mg > 1.0 ? 0 : *mg >= 0.25 ? 20 : *mg >= 0.15 ? 14 : *mg >= 0.10 ? 8 : 0;
                    reason(QStringLiteral("margin ") + QString::number(margin) + QStringLiteral("/20 (")
                        + ResultJson::formatPercent(*mg) + QLatin1Char(')'));
                } else {
                    reason(QStringLiteral("margin 0/20 (unknown)"));
                }
                total += margin;

                int track = 0;
                if (const auto age = ResultJson::num(m, "businessAgeYears")) {
                    track = *age >= 10 ? 10 : *age >= 5 ? 7 : *age >= 3 ? 4 : 0;
                    reason(QStringLiteral("track record ") + QString::number(track) + QStringLiteral("/10 (")
                        + QString::number(qint64(*age)) + QStringLiteral(" years)"));
                } else {
                    reason(QStringLiteral("track record 0/10 (age unknown)"));
                }
                total += track;

                int disclosure = 0;
                disclosure += ResultJson::num(m, "askingPrice") ? 3 : 0;
                disclosure += ResultJson::num(m, "cashFlow") ? 3 : 0;
                disclosure += ResultJson::num(m, "grossRevenue") ? 2 : 0;
                disclosure += ResultJson::slot(s, "inputs")["yearEstablished"].is_number() ? 2 : 0;
                reason(QStringLiteral("disclosure ") + QString::number(disclosure) + QStringLiteral("/10"));
                total += disclosure;

                s["score"] = std::clamp(total, 0, 100);
                const QString explanation = QStringLiteral("Score ") + QString::number(total) + QStringLiteral("/100: ")
                    + why + QLatin1Char('.');
                s["scoreExplanation"] = ResultJson::text(explanation);
            } };
}

} // namespace dealscope
