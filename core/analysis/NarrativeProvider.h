#pragma once

#include <QString>

namespace dealscope {

class AnalysisContext;

// Writes the narrative parts of a result (summary, finding messages, score explanation) after the
// built-in engine computed every number (SPEC §7). The built-in engine needs no provider; an LLM
// provider (core/llm) implements this. Called concurrently from worker threads: implementations
// keep no per-call state in members.
class NarrativeProvider
{
public:
    virtual ~NarrativeProvider() = default;
    virtual QString name() const = 0; // "openai", "azure", … (the key of params.provider)
    // Reads ctx.state()["result"] (the built-in result), rewrites its narrative fields, sets
    // "engine" to the model name and adds "usage"/"promptVersion". Throws AnalysisError
    // (Transient for 429/5xx/network, Permanent for 4xx/invalid replies, Canceled on cancel).
    virtual void writeNarrative(AnalysisContext &ctx) const = 0;
};

} // namespace dealscope
