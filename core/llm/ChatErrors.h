#pragma once

#include "analysis/AnalysisError.h"
#include "llm/ChatOutcome.h"
#include "llm/LlmConfig.h"

#include <QString>

namespace dealscope::llm {

// Whether a failed request is worth retrying (SPEC §3: 429/5xx/network transient, 4xx permanent).
AnalysisError::Kind failureKind(const ChatOutcome &outcome);
// A message for the job's `error` that names the cause, with the key redacted.
QString describeFailure(const ChatOutcome &outcome, const LlmConfig &config);
// Throws the AnalysisError for a failed outcome (not for Ok or Canceled).
[[noreturn]] void throwFailure(const ChatOutcome &outcome, const LlmConfig &config);

} // namespace dealscope::llm
