#include "common/BoundedJsonParser.h"

namespace dealscope {

namespace {

using json = nlohmann::json;

// nlohmann's DOM builder behind a gate that counts open objects and arrays: returning false from
// a SAX event stops the parse there, before the next level is even allocated.
class DepthLimitedSax final
{
public:
    DepthLimitedSax(json &result, int maxDepth)
        : m_dom(result, false)
        , m_maxDepth(maxDepth)
    { }

    bool null() { return m_dom.null(); }
    bool boolean(bool value) { return m_dom.boolean(value); }
    bool number_integer(json::number_integer_t value) { return m_dom.number_integer(value); }
    bool number_unsigned(json::number_unsigned_t value) { return m_dom.number_unsigned(value); }
    bool number_float(json::number_float_t value, const json::string_t &text)
    {
        return m_dom.number_float(value, text);
    }
    bool string(json::string_t &value) { return m_dom.string(value); }
    bool binary(json::binary_t &value) { return m_dom.binary(value); }
    bool start_object(std::size_t elements) { return enter() && m_dom.start_object(elements); }
    bool key(json::string_t &value) { return m_dom.key(value); }
    bool end_object()
    {
        --m_depth;
        return m_dom.end_object();
    }
    bool start_array(std::size_t elements) { return enter() && m_dom.start_array(elements); }
    bool end_array()
    {
        --m_depth;
        return m_dom.end_array();
    }
    bool parse_error(std::size_t position, const std::string &token, const nlohmann::detail::exception &e)
    {
        m_errorAt = position;
        // out_of_range.406: a number literal beyond the range of a double (1e999)
        m_tooLarge = e.id == 406;
        return m_dom.parse_error(position, token, e);
    }

    bool tooDeep() const { return m_tooDeep; }
    bool tooLarge() const { return m_tooLarge; }
    bool errored() const { return m_dom.is_errored(); }
    std::size_t errorAt() const { return m_errorAt; }

private:
    bool enter()
    {
        if (++m_depth <= m_maxDepth)
            return true;
        m_tooDeep = true;
        return false;
    }

    nlohmann::detail::json_sax_dom_parser<json> m_dom;
    int m_maxDepth;
    int m_depth = 0;
    bool m_tooDeep = false;
    bool m_tooLarge = false;
    std::size_t m_errorAt = 0;
};

} // namespace

QString BoundedJsonParser::Result::message(int maxDepth) const
{
    switch (error) {
    case Error::None:
        return {};
    case Error::TooDeep:
        return QStringLiteral("nested deeper than %1 levels").arg(maxDepth);
    case Error::NumberTooLarge:
        return QStringLiteral("a number does not fit a double");
    case Error::Malformed:
        break;
    }
    return QStringLiteral("not valid JSON");
}

BoundedJsonParser::Result BoundedJsonParser::parse(QByteArrayView text, int maxDepth)
{
    Result out;
    DepthLimitedSax sax(out.value, maxDepth);
    const char *begin = text.data();
    const bool ok = json::sax_parse(begin, begin + text.size(), &sax, nlohmann::detail::input_format_t::json, true);
    if (ok && !sax.errored())
        return out;
    out.value = json(json::value_t::discarded);
    out.offset = sax.errorAt();
    out.error = sax.tooDeep() ? Error::TooDeep : sax.tooLarge() ? Error::NumberTooLarge : Error::Malformed;
    return out;
}

} // namespace dealscope
