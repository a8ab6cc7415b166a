#include "llm/NarrativeSchema.h"

#include "common/JsonQt.h"

#include <QSet>

namespace dealscope::llm {

using nlohmann::json;

namespace {

json stringSchema(int minLength, int maxLength)
{
    return { { "type", "string" }, { "minLength", minLength }, { "maxLength", maxLength } };
}

json stringList(int maxItems, int maxLength)
{
    return { { "type", "array" }, { "maxItems", maxItems }, { "items", stringSchema(1, maxLength) } };
}

json objectSchema(json properties)
{
    json required = json::array();
    for (auto it = properties.begin(); it != properties.end(); ++it)
        required.push_back(it.key());
    return { { "type", "object" }, { "properties", std::move(properties) }, { "required", std::move(required) },
        { "additionalProperties", false } };
}

json typeSpecific(AnalysisType type)
{
    switch (type) {
    case AnalysisType::BusinessAnalysis:
        return { { "keyQuestions", stringList(8, 400) } };
    case AnalysisType::Valuation:
        return { { "valuationNarrative", stringSchema(20, 3000) } };
    case AnalysisType::RiskAssessment:
        return { { "mitigations", stringList(8, 400) } };
    case AnalysisType::MarketIntelligence:
        return { { "marketPosition", stringSchema(20, 3000) } };
    }
    return json::object();
}

QString typeName(const json &value)
{
    if (value.is_null())
        return QStringLiteral("null");
    if (value.is_boolean())
        return QStringLiteral("boolean");
    if (value.is_number())
        return QStringLiteral("number");
    if (value.is_string())
        return QStringLiteral("string");
    if (value.is_array())
        return QStringLiteral("array");
    return QStringLiteral("object");
}

bool hasType(const json &value, const std::string &type)
{
    if (type == "object")
        return value.is_object();
    if (type == "array")
        return value.is_array();
    if (type == "string")
        return value.is_string();
    if (type == "boolean")
        return value.is_boolean();
    if (type == "number")
        return value.is_number();
    if (type == "integer")
        return value.is_number_integer() || value.is_number_unsigned();
    if (type == "null")
        return value.is_null();
    return false;
}

void stripLimits(json &schema)
{
    if (!schema.is_object())
        return;
    for (const char *key : { "minLength", "maxLength", "minItems", "maxItems" })
        schema.erase(key);
    if (schema.contains("properties")) {
        for (auto &[k, v] : schema["properties"].items())
            stripLimits(v);
    }
    if (schema.contains("items"))
        stripLimits(schema["items"]);
}

} // namespace

void validateJsonSchema(
    const json &value, const json &schema, const QString &path, QStringList &problems, int maxProblems)
{
    if (problems.size() >= maxProblems || !schema.is_object())
        return;
    const QString where = path.isEmpty() ? QStringLiteral("(reply)") : path;
    if (schema.contains("type")) {
        const std::string type = schema["type"].get<std::string>();
        if (!hasType(value, type)) {
            problems << where + QStringLiteral(": expected ") + QString::fromStdString(type) + QStringLiteral(", got ")
                    + typeName(value);
            return;
        }
    }
    if (schema.contains("enum")) {
        bool found = false;
        for (const auto &allowed : schema["enum"])
            found = found || allowed == value;
        if (!found) {
            QStringList allowed;
            for (const auto &a : schema["enum"])
                allowed << QString::fromStdString(a.dump());
            problems << where + QStringLiteral(": must be one of ") + allowed.join(QStringLiteral(", "));
            return;
        }
    }
    if (value.is_string()) {
        const auto length = QString::fromStdString(value.get<std::string>()).trimmed().size();
        if (schema.contains("minLength") && length < schema["minLength"].get<int>())
            problems << where
                    + QStringLiteral(": too short (at least %1 characters)").arg(schema["minLength"].get<int>());
        if (schema.contains("maxLength") && length > schema["maxLength"].get<int>())
            problems << where
                    + QStringLiteral(": too long (at most %1 characters)").arg(schema["maxLength"].get<int>());
    }
    if (value.is_array()) {
        const auto count = static_cast<qsizetype>(value.size());
        if (schema.contains("minItems") && count < schema["minItems"].get<int>())
            problems << where + QStringLiteral(": needs at least %1 items").arg(schema["minItems"].get<int>());
        if (schema.contains("maxItems") && count > schema["maxItems"].get<int>())
            problems << where + QStringLiteral(": at most %1 items").arg(schema["maxItems"].get<int>());
        if (schema.contains("items")) {
            for (size_t i = 0; i < value.size() && problems.size() < maxProblems; ++i)
                validateJsonSchema(
                    value[i], schema["items"], path + QStringLiteral("[%1]").arg(i), problems, maxProblems);
        }
    }
    if (value.is_object()) {
        const json properties = schema.value("properties", json::object());
        if (schema.contains("required")) {
            for (const auto &name : schema["required"]) {
                if (!value.contains(name.get<std::string>()))
                    problems << (path.isEmpty() ? QString() : path + QLatin1Char('.')) + qstr(name)
                            + QStringLiteral(": missing");
            }
        }
        for (auto it = value.begin(); it != value.end() && problems.size() < maxProblems; ++it) {
            const QString childPath
                = (path.isEmpty() ? QString() : path + QLatin1Char('.')) + QString::fromStdString(it.key());
            if (properties.contains(it.key()))
                validateJsonSchema(it.value(), properties[it.key()], childPath, problems, maxProblems);
            else if (schema.value("additionalProperties", true) == false)
                problems << childPath + QStringLiteral(": unexpected field");
        }
    }
    while (problems.size() > maxProblems)
        problems.removeLast();
}

NarrativeSchema NarrativeSchema::forType(AnalysisType type)
{
    json findingMessage = objectSchema({ { "code", stringSchema(1, 100) }, { "message", stringSchema(1, 600) } });
    json observation
        = objectSchema({ { "severity", { { "type", "string" }, { "enum", { "info", "warning", "critical" } } } },
            { "message", stringSchema(1, 600) } });
    json properties = {
        { "summary", stringSchema(20, 2500) },
        { "scoreExplanation", stringSchema(10, 1500) },
        { "findingMessages", { { "type", "array" }, { "maxItems", 40 }, { "items", findingMessage } } },
        { "observations", { { "type", "array" }, { "maxItems", 8 }, { "items", observation } } },
    };
    const json specific = typeSpecific(type);
    for (auto &[key, value] : specific.items())
        properties[key] = value;
    NarrativeSchema schema;
    schema.m_type = type;
    schema.m_schema = objectSchema(std::move(properties));
    return schema;
}

QString NarrativeSchema::name() const
{
    return analysisTypeName(m_type) + QStringLiteral("_narrative");
}

json NarrativeSchema::wireSchema() const
{
    json wire = m_schema;
    stripLimits(wire);
    return wire;
}

QStringList NarrativeSchema::typeSpecificFields() const
{
    QStringList fields;
    const json specific = typeSpecific(m_type);
    for (auto &[key, value] : specific.items())
        fields << QString::fromStdString(key);
    return fields;
}

QStringList NarrativeSchema::validate(const json &reply, const json &builtinResult) const
{
    QStringList problems;
    validateJsonSchema(reply, m_schema, {}, problems);
    if (!problems.isEmpty())
        return problems;
    QSet<std::string> codes;
    if (builtinResult.contains("findings") && builtinResult["findings"].is_array()) {
        for (const auto &finding : builtinResult["findings"]) {
            if (finding.is_object() && finding.contains("code") && finding["code"].is_string())
                codes.insert(finding["code"].get<std::string>());
        }
    }
    QSet<std::string> seen;
    const json &messages = reply["findingMessages"];
    for (size_t i = 0; i < messages.size() && problems.size() < 20; ++i) {
        const std::string code = messages[i]["code"].get<std::string>();
        if (!codes.contains(code))
            problems << QStringLiteral("findingMessages[%1].code: \"%2\" is not a finding of the built-in result")
                            .arg(i)
                            .arg(QString::fromStdString(code).left(100));
        else if (seen.contains(code))
            problems << QStringLiteral("findingMessages[%1].code: \"%2\" appears twice")
                            .arg(i)
                            .arg(QString::fromStdString(code));
        seen.insert(code);
    }
    return problems;
}

} // namespace dealscope::llm
