#pragma once

#include <QString>

#include <nlohmann/json.hpp>

#include <optional>

namespace dealscope::llm {

// Finds the JSON object in a model reply that was not forced into JSON mode: the whole text, a
// ```json fenced block, or the first balanced {...} that parses. Servers without response_format
// support (older llama.cpp/Ollama builds) answer like that.
std::optional<nlohmann::json> extractJsonObject(const QString &text);

} // namespace dealscope::llm
