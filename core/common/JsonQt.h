#pragma once

#include <QString>

#include <nlohmann/json.hpp>

#include <string>

namespace dealscope {
// QString::toStdString(), the UTF-8 bytes, with ASCII (most of what is written to JSON here)
// narrowed in two passes the compiler vectorizes instead of the round trip through a
// QByteArray: analysis results are built from many short strings.
inline std::string utf8String(const QString &s)
{
    const ushort *in = s.utf16();
    const size_t n = size_t(s.size());
    ushort bits = 0;
    for (size_t i = 0; i < n; ++i)
        bits |= in[i];
    if (bits >= 0x80)
        return s.toStdString();
    std::string out(n, '\0');
    for (size_t i = 0; i < n; ++i)
        out[i] = char(in[i]);
    return out;
}
} // namespace dealscope

// QString <-> nlohmann::json without going through ASCII casts.
namespace nlohmann {
template <> struct adl_serializer<QString>
{
    static void to_json(json &j, const QString &s) { j = dealscope::utf8String(s); }
    static void from_json(const json &j, QString &s) { s = QString::fromStdString(j.get<std::string>()); }
};
} // namespace nlohmann

namespace dealscope {
inline QString qstr(const nlohmann::json &j)
{
    return QString::fromStdString(j.get<std::string>());
}
} // namespace dealscope
