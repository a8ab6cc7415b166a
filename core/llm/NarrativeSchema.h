#pragma once

#include "analysis/AnalysisType.h"

#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

namespace dealscope::llm {

// The JSON schema of the narrative fields a model writes for one analysis type (SPEC §7). Numbers
// are not part of it: the model explains the engine's figures, it never supplies them.
class NarrativeSchema final
{
public:
    static NarrativeSchema forType(AnalysisType type);

    AnalysisType type() const { return m_type; }
    QString name() const; // "valuation_narrative" (response_format name)
    // Full schema including the local limits (minLength, maxLength, maxItems).
    const nlohmann::json &schema() const { return m_schema; }
    // What goes into response_format.json_schema.schema: strict-mode compatible, limits removed
    // because OpenAI's structured outputs reject some of them.
    nlohmann::json wireSchema() const;
    // The names of the type-specific fields (stored under result.narrative).
    QStringList typeSpecificFields() const;

    // Checks `reply` against the schema and against the built-in result (every
    // findingMessages[].code must name a finding the engine produced). Returns readable problems,
    // empty when valid, at most 20.
    QStringList validate(const nlohmann::json &reply, const nlohmann::json &builtinResult) const;

private:
    AnalysisType m_type = AnalysisType::BusinessAnalysis;
    nlohmann::json m_schema;
};

// Validates `value` against the subset of JSON Schema used here (type object/array/string/
// boolean/number/integer, properties, required, additionalProperties:false, items, enum,
// minLength, maxLength, minItems, maxItems). Appends problems as "path: message".
void validateJsonSchema(const nlohmann::json &value, const nlohmann::json &schema, const QString &path,
    QStringList &problems, int maxProblems = 20);

} // namespace dealscope::llm
