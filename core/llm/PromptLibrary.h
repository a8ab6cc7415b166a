#pragma once

#include "analysis/AnalysisType.h"

#include <QHash>
#include <QString>

#include <optional>

namespace dealscope::llm {

// A versioned prompt template (resources/prompts/<type>.v<N>.txt): a [system] and a [user]
// section with {{placeholders}}. The version ("valuation.v1") is recorded in every result it wrote.
struct PromptTemplate final
{
    QString version;
    QString system;
    QString user;
};

class PromptLibrary final
{
public:
    // The newest version of the template for `type` in `directory` (":/prompts" by default).
    // Throws AnalysisError Permanent when there is none or it is malformed.
    static PromptTemplate load(AnalysisType type, const QString &directory = QStringLiteral(":/prompts"));
    static QString repairTemplate(const QString &directory = QStringLiteral(":/prompts"));
    // Parses "[system]\n…\n[user]\n…"; nullopt when a section is missing.
    static std::optional<PromptTemplate> parse(const QString &text, const QString &version);
    // Replaces {{name}} by its value in one pass (values are never re-scanned, so a listing whose
    // description contains "{{schema}}" cannot inject anything).
    static QString render(const QString &text, const QHash<QString, QString> &values);
};

} // namespace dealscope::llm
