#include "llm/PromptLibrary.h"

#include "analysis/AnalysisError.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>

namespace dealscope::llm {

namespace {
QString readText(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll());
}
} // namespace

std::optional<PromptTemplate> PromptLibrary::parse(const QString &text, const QString &version)
{
    const qsizetype systemAt = text.indexOf(QLatin1String("[system]\n"));
    const qsizetype userAt = text.indexOf(QLatin1String("\n[user]\n"));
    if (systemAt < 0 || userAt < 0 || userAt < systemAt)
        return std::nullopt;
    PromptTemplate prompt;
    prompt.version = version;
    prompt.system = text.mid(systemAt + 9, userAt - systemAt - 9).trimmed();
    prompt.user = text.mid(userAt + 8).trimmed();
    if (prompt.system.isEmpty() || prompt.user.isEmpty())
        return std::nullopt;
    return prompt;
}

PromptTemplate PromptLibrary::load(AnalysisType type, const QString &directory)
{
    const QString typeName = analysisTypeName(type);
    const QRegularExpression pattern(
        QStringLiteral("^%1\\.v(\\d{1,6})\\.txt$").arg(QRegularExpression::escape(typeName)));
    int best = -1;
    const QStringList files = QDir(directory).entryList(QDir::Files);
    for (const QString &file : files) {
        const auto match = pattern.match(file);
        if (match.hasMatch())
            best = std::max(best, match.captured(1).toInt());
    }
    if (best < 0)
        throw AnalysisError(AnalysisError::Kind::Permanent, QStringLiteral("no prompt template for %1").arg(typeName));
    const QString version = QStringLiteral("%1.v%2").arg(typeName).arg(best);
    auto prompt = parse(readText(QDir(directory).filePath(version + QStringLiteral(".txt"))), version);
    if (!prompt)
        throw AnalysisError(
            AnalysisError::Kind::Permanent, QStringLiteral("prompt template %1 is malformed").arg(version));
    return *prompt;
}

QString PromptLibrary::repairTemplate(const QString &directory)
{
    const QString text = readText(QDir(directory).filePath(QStringLiteral("repair.v1.txt"))).trimmed();
    if (text.isEmpty())
        throw AnalysisError(AnalysisError::Kind::Permanent, QStringLiteral("the repair prompt template is missing"));
    return text;
}

QString PromptLibrary::render(const QString &text, const QHash<QString, QString> &values)
{
    static const QRegularExpression placeholder(QStringLiteral("\\{\\{([A-Za-z]+)\\}\\}"));
    QString out;
    out.reserve(text.size());
    qsizetype last = 0;
    auto it = placeholder.globalMatch(text);
    while (it.hasNext()) {
        const auto match = it.next();
        out += QStringView(text).mid(last, match.capturedStart() - last);
        const auto value = values.constFind(match.captured(1));
        out += value != values.constEnd() ? *value : match.captured(0);
        last = match.capturedEnd();
    }
    out += QStringView(text).mid(last);
    return out;
}

} // namespace dealscope::llm
