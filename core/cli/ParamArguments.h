#pragma once

#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <variant>

namespace dealscope {

// Turns repeated `--param KEY=VALUE` into the params object of a job. A VALUE that parses as a
// JSON number or boolean becomes one; anything else stays a string, so that the engine's own
// validation (not the CLI) says what is wrong with e.g. `interestRate=abc`.
struct ParamArgumentError final
{
    QString message;
};

std::variant<nlohmann::json, ParamArgumentError> parseParamArguments(const QStringList &arguments);

} // namespace dealscope
