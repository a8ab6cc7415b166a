#pragma once

#include "analysis/NarrativeProvider.h"
#include "llm/LlmConfig.h"

#include <atomic>

namespace dealscope::llm {

// The narrative step through an OpenAI-compatible Chat Completions endpoint (OpenAI, Azure OpenAI,
// Ollama, llama.cpp server, vLLM) — SPEC §7. Every number stays the engine's: the model only
// rewrites summary, scoreExplanation and finding messages, and adds observations and a
// type-specific narrative, all validated against NarrativeSchema.
class OpenAiNarrativeProvider final : public NarrativeProvider
{
public:
    enum class ResponseFormat { JsonSchema = 0, JsonObject = 1, PlainText = 2 };

    explicit OpenAiNarrativeProvider(LlmConfig config, QString promptDirectory = QStringLiteral(":/prompts"));

    QString name() const override { return m_config.providerName(); }
    void writeNarrative(AnalysisContext &ctx) const override;

    const LlmConfig &config() const { return m_config; }
    // The richest response_format this server accepted so far (a capability cache shared by all
    // calls; per-call state lives on the stack of writeNarrative).
    ResponseFormat responseFormat() const { return static_cast<ResponseFormat>(m_formatLevel.load()); }

private:
    LlmConfig m_config;
    QString m_promptDirectory;
    mutable std::atomic<int> m_formatLevel { 0 };
};

} // namespace dealscope::llm
