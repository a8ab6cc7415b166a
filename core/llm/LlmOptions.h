#pragma once

#include "llm/LlmConfig.h"

#include <QProcessEnvironment>
#include <QString>

#include <memory>
#include <optional>

class QCommandLineParser;

namespace dealscope {

class AnalysisEngine;
class NarrativeProvider;

// The LLM options shared by dealscope-cli and dealscope-server (SPEC §7, issue 5):
//   --provider builtin|openai|azure  --base-url URL  --model NAME  --api-key-file FILE
//   --llm-organization ID  --llm-project ID  --azure-api-version V  --llm-price-table FILE
//   --llm-no-stream  --llm-timeout S  --llm-idle-timeout S
// The key comes from --api-key-file, else OPENAI_API_KEY (Azure: AZURE_OPENAI_API_KEY, then
// OPENAI_API_KEY). It is never taken from the command line, where `ps` would show it.
//
// Usage in a main():
//   dealscope::addLlmOptions(parser);
//   parser.process(app);
//   if (auto error = dealscope::applyLlmOptions(parser, *engine)) { print *error; return 2; }
void addLlmOptions(QCommandLineParser &parser);

struct LlmSetup final
{
    std::shared_ptr<const NarrativeProvider> provider; // null for --provider builtin (the default)
    QString error; // set when the options are unusable; never holds the key
    QString description; // "openai gpt-4o-mini at https://api.openai.com/v1" for logs
};

// Builds the provider from the parsed options and the environment.
LlmSetup llmSetupFromOptions(const QCommandLineParser &parser,
    const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment());

// llmSetupFromOptions + engine.registerProvider + engine.setDefaultProvider. Returns the error.
std::optional<QString> applyLlmOptions(const QCommandLineParser &parser, AnalysisEngine &engine,
    const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment());

namespace llm {
// Reads a key file: the first non-empty line, trimmed. nullopt + error when unreadable, empty or
// larger than 64 KiB (the error names the file, never its content).
std::optional<QString> readApiKeyFile(const QString &path, QString *error);
} // namespace llm

} // namespace dealscope
