// The HTTP frame guard on arbitrary byte streams, split arbitrarily: it must never crash, and its
// verdict and the requests it lets through must not depend on how TCP split the bytes.

#include "server/http/HttpFrameGuard.h"

#include <cstdint>
#include <cstdlib>

using dealscope::server::HttpFrameGuard;

namespace {
struct Outcome
{
    HttpFrameGuard::Verdict verdict;
    quint64 passed;
    bool inRequest;
};

Outcome run(const char *data, size_t size, size_t chunkSeed)
{
    HttpFrameGuard guard(512, 4096);
    HttpFrameGuard::Verdict verdict = HttpFrameGuard::Verdict::Ok;
    size_t at = 0;
    size_t step = 0;
    while (at < size) {
        const size_t chunk = chunkSeed == 0 ? size : 1 + (chunkSeed * 7 + step++ * 13) % 97;
        const size_t n = std::min(chunk, size - at);
        const auto v = guard.feed(data + at, qsizetype(n));
        // Sticky: once refused, refused the same way.
        if (verdict != HttpFrameGuard::Verdict::Ok && v != verdict)
            std::abort();
        verdict = v;
        at += n;
    }
    while (guard.hasRequest()) {
        const auto head = guard.takeRequest();
        if (head.contentLength < 0 || head.contentLength > guard.maxBodyBytes())
            std::abort();
    }
    return { verdict, guard.passedCount(), guard.inRequest() };
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    const auto *data = reinterpret_cast<const char *>(bytes);
    const Outcome whole = run(data, size, 0);
    const Outcome split = run(data, size, size % 31 + 1);
    if (whole.verdict != split.verdict || whole.passed != split.passed || whole.inRequest != split.inRequest)
        std::abort();
    return 0;
}
