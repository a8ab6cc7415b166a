#include "cli/ParamArguments.h"

#include "common/JsonQt.h"

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

namespace {
nlohmann::json parseValue(const QString &text)
{
    const nlohmann::json parsed = nlohmann::json::parse(text.toStdString(), nullptr, /*allow_exceptions=*/false);
    if (parsed.is_number() || parsed.is_boolean())
        return parsed;
    return text;
}
} // namespace

std::variant<nlohmann::json, ParamArgumentError> parseParamArguments(const QStringList &arguments)
{
    nlohmann::json params = nlohmann::json::object();
    for (const QString &argument : arguments) {
        const qsizetype eq = argument.indexOf(u'=');
        const QString key = eq < 0 ? argument : argument.left(eq).trimmed();
        if (eq < 0 || key.isEmpty())
            return ParamArgumentError { u"--param expects KEY=VALUE, got '%1'"_s.arg(argument) };
        const std::string k = key.toStdString();
        if (params.contains(k))
            return ParamArgumentError { u"--param %1 given twice"_s.arg(key) };
        params[k] = parseValue(argument.mid(eq + 1));
    }
    return params;
}

} // namespace dealscope
