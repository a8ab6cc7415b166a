#include "server/store/JobStore.h"

#include "server/store/JobJson.h"

#include <QDateTime>
#include <QRandomGenerator>

namespace dealscope::server {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QList<StartResult> JobStore::startMany(const QList<StartRequest> &requests)
{
    QList<StartResult> out;
    out.reserve(requests.size());
    for (const StartRequest &r : requests) {
        StartResult result;
        try {
            result.outcome = start(r.candidate, r.force);
        } catch (const StoreUnavailable &) {
            result.failure = "store_unavailable";
        } catch (const std::exception &) {
            result.failure = "internal_error";
        }
        out.append(std::move(result));
    }
    return out;
}

QList<std::optional<QByteArray>> JobStore::getManyWire(const QString &owner, const QStringList &ids)
{
    QList<std::optional<QByteArray>> out;
    out.reserve(ids.size());
    for (const auto &job : getMany(ids))
        out.append(job && job->owner == owner ? std::optional<QByteArray>(serializeJob(*job, JobJsonScope::Wire)) : std::nullopt);
    return out;
}

QString newLeaseToken()
{
    auto *gen = QRandomGenerator::system();
    return QString::number(gen->generate64(), 36) + QString::number(gen->generate64(), 36);
}

} // namespace dealscope::server
