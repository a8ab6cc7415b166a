#pragma once

#include <QString>

#include <nlohmann/json.hpp>

// QString <-> nlohmann::json without going through ASCII casts.
namespace nlohmann {
template<>
struct adl_serializer<QString>
{
    static void to_json(json &j, const QString &s) { j = s.toStdString(); }
    static void from_json(const json &j, QString &s) { s = QString::fromStdString(j.get<std::string>()); }
};
} // namespace nlohmann

namespace dealscope {
inline QString qstr(const nlohmann::json &j) { return QString::fromStdString(j.get<std::string>()); }
} // namespace dealscope
