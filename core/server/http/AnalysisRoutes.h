#pragma once

#include "server/http/Exchange.h"
#include "server/http/RequestValidator.h"
#include "server/store/JobStore.h"

#include <memory>

namespace dealscope {
class AnalysisEngine;
}

namespace dealscope::server {

class LongPollHub;
class RouteTable;
class StoreOffloader;

// /api/analysis/start, status, lookup and cancel (docs/API.md §4–§6): the job routes of one tenant.
class AnalysisRoutes final
{
public:
    AnalysisRoutes(RequestValidator validator, std::shared_ptr<const AnalysisEngine> engine, StoreOffloader *offloader,
        LongPollHub *longPolls);

    void addTo(RouteTable &routes);

    void start(const ExchangePtr &exchange);
    void status(const ExchangePtr &exchange);
    void lookup(const ExchangePtr &exchange);
    void cancel(const ExchangePtr &exchange);

private:
    void answerStart(Exchange &exchange, const StartResult &result);
    static void answerCancel(Exchange &exchange, const QString &id, const CancelResult &result);
    static void answerBatch(Exchange &exchange, const QStringList &ids, const QList<std::optional<QByteArray>> &found,
        const QStringList &invalid);

    RequestValidator m_validator;
    std::shared_ptr<const AnalysisEngine> m_engine;
    StoreOffloader *m_offloader;
    LongPollHub *m_longPolls;
};

} // namespace dealscope::server
