// The body of POST /api/analysis/start (with a listing snapshot) and its Idempotency-Key: a
// start or a 4xx naming the problem, never a crash; the params the API accepts are then checked
// by the engine's parameter parser, whose error messages describe hostile values shortly.

#include "analysis/AnalysisParams.h"
#include "server/http/RequestValidator.h"

#include <cstdint>
#include <cstdlib>
#include <variant>

using namespace dealscope;
using namespace dealscope::server;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray body(reinterpret_cast<const char *>(data), qsizetype(size));
    const RequestValidator validator({ 30, 100 });
    const auto start = validator.start(body);
    if (const auto *e = std::get_if<RequestError>(&start)) {
        if (e->status < 400 || e->status > 499 || e->code.isEmpty() || e->message.size() > 2000)
            std::abort();
    } else {
        const StartBody &b = std::get<StartBody>(start);
        if (b.listingId.isEmpty() || b.analysisType.isEmpty() || !b.params.is_object())
            std::abort();
        if (b.listing && b.listing->id != b.listingId)
            std::abort();
        const auto params = parseAnalysisParams(b.params);
        if (const auto *pe = std::get_if<ParamsError>(&params); pe && pe->message.size() > 400)
            std::abort();
    }
    const auto key = validator.idempotencyKey(body);
    if (const auto *k = std::get_if<QString>(&key); k && k->size() > 255)
        std::abort();
    return 0;
}
