// Money cells as scraped listings write them: a non-negative whole amount up to 10^15, or a
// status; never a crash, a negative value or a value without its status.

#include "import/MoneyParser.h"

#include <QString>

#include <cstdint>
#include <cstdlib>

using dealscope::MoneyParser;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    const MoneyParser::Result r = MoneyParser::parse(text);
    if (r.status == MoneyParser::Status::Value) {
        if (!r.value || *r.value < 0 || *r.value > 1'000'000'000'000'000)
            std::abort();
    } else if (r.value) {
        std::abort();
    }
    if (r.status == MoneyParser::Status::Invalid && r.problem.isEmpty())
        std::abort();
    if (MoneyParser::value(text) != r.value)
        std::abort();
    return 0;
}
