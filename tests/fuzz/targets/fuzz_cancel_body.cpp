// The body of POST /api/analysis/cancel (and of a push delivery): {jobId} or a 4xx.

#include "jobs/JobId.h"
#include "server/http/RequestValidator.h"

#include <cstdint>
#include <cstdlib>
#include <variant>

using namespace dealscope;
using namespace dealscope::server;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray body(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto id = RequestValidator({ 30, 100 }).jobIdBody(body);
    if (const auto *e = std::get_if<RequestError>(&id)) {
        if (e->status != 400 || e->code.isEmpty())
            std::abort();
    } else if (!isValidJobId(std::get<QString>(id))) {
        std::abort();
    }
    return 0;
}
