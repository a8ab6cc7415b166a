// The query strings of status, lookup and listings: parsed or a 4xx, with the limits kept.

#include "analysis/AnalysisType.h"
#include "jobs/JobId.h"
#include "server/http/RequestValidator.h"

#include <QUrlQuery>

#include <cstdint>
#include <cstdlib>
#include <variant>

using namespace dealscope;
using namespace dealscope::server;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QUrlQuery query(QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size)));
    const RequestValidator validator({ 30, 100 });
    const auto status = validator.status(query);
    if (const auto *s = std::get_if<StatusQuery>(&status)) {
        if (s->waitSecs < 0 || s->waitSecs > 30 || s->jobIds.size() + s->invalidIds.size() > 100)
            std::abort();
        if (!s->batch && !isValidJobId(s->jobId))
            std::abort();
        for (const QString &id : s->jobIds) {
            if (!isValidJobId(id))
                std::abort();
        }
    }
    const auto lookup = validator.lookup(query);
    if (const auto *l = std::get_if<LookupQuery>(&lookup); l && !parseAnalysisType(l->analysisType))
        std::abort();
    const auto listings = validator.listings(query);
    if (const auto *l = std::get_if<ListingsQuery>(&listings); l && (l->offset < 0 || l->limit < 1 || l->limit > 500))
        std::abort();
    return 0;
}
