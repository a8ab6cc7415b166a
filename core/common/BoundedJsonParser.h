#pragma once

#include <QByteArrayView>
#include <QString>

#include <nlohmann/json.hpp>

namespace dealscope {

// Parses JSON that comes from outside the process (HTTP bodies, JWT segments, imported files)
// with a cap on its nesting, checked while parsing: nlohmann's parser is iterative, but
// dump(), comparison and the copy constructor recurse once per level, so a document nested
// 70,000 levels deep would overflow the stack later, wherever it is first serialised. A number
// that does not fit a double is an error too (nlohmann reports it as out_of_range, not as a parse
// error, which is easy to let through uncaught).
class BoundedJsonParser final
{
public:
    static constexpr int kDefaultMaxDepth = 64;

    enum class Error { None, Malformed, TooDeep, NumberTooLarge };

    struct Result final
    {
        nlohmann::json value; // discarded unless error == None
        Error error = Error::None;
        std::size_t offset = 0; // where the parser stopped, for an error
        bool ok() const { return error == Error::None; }
        // "nested deeper than 64 levels", "a number does not fit a double", "not valid JSON"
        QString message(int maxDepth = kDefaultMaxDepth) const;
    };

    static Result parse(QByteArrayView text, int maxDepth = kDefaultMaxDepth);
};

} // namespace dealscope
