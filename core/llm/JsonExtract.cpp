#include "llm/JsonExtract.h"

#include <string>

namespace dealscope::llm {

namespace {
std::optional<nlohmann::json> parseObject(const std::string &text)
{
    auto parsed = nlohmann::json::parse(text, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
        return std::nullopt;
    return parsed;
}

// End index (exclusive) of the balanced object starting at `start`, honouring strings/escapes.
std::optional<size_t> balancedEnd(const std::string &s, size_t start)
{
    int depth = 0;
    bool inString = false;
    bool escape = false;
    for (size_t i = start; i < s.size(); ++i) {
        const char c = s[i];
        if (inString) {
            if (escape)
                escape = false;
            else if (c == '\\')
                escape = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '{') {
            if (++depth > 256)
                return std::nullopt;
        } else if (c == '}') {
            if (--depth == 0)
                return i + 1;
        }
    }
    return std::nullopt;
}
} // namespace

std::optional<nlohmann::json> extractJsonObject(const QString &text)
{
    const std::string s = text.trimmed().toStdString();
    if (s.empty())
        return std::nullopt;
    if (auto whole = parseObject(s))
        return whole;

    // Fenced code blocks first: a model that explains itself often quotes braces in prose.
    size_t pos = 0;
    while ((pos = s.find("```", pos)) != std::string::npos) {
        size_t bodyStart = s.find('\n', pos);
        if (bodyStart == std::string::npos)
            break;
        ++bodyStart;
        const size_t close = s.find("```", bodyStart);
        if (close == std::string::npos)
            break;
        if (auto fenced = parseObject(s.substr(bodyStart, close - bodyStart)))
            return fenced;
        pos = close + 3;
    }

    // Then every '{' in order; bounded so a hostile reply of many braces stays linear-ish.
    int tries = 0;
    for (size_t i = s.find('{'); i != std::string::npos && tries < 64; i = s.find('{', i + 1), ++tries) {
        if (const auto end = balancedEnd(s, i)) {
            if (auto candidate = parseObject(s.substr(i, *end - i)))
                return candidate;
        }
    }
    return std::nullopt;
}

} // namespace dealscope::llm
