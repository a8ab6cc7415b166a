#include "server/store/JobStore.h"

#include "jobs/JobJson.h"
#include "server/ServerLog.h"

#include <QCryptographicHash>
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
            result.outcome = start(r);
        } catch (const StoreUnavailable &) {
            result.failure = "store_unavailable";
        } catch (const std::exception &) {
            result.failure = "internal_error";
        }
        out.append(std::move(result));
    }
    return out;
}

bool sameInputs(const Job &a, const Job &b)
{
    // Params are compared as JSON values (10 and 10.0 are the same number), the snapshot field
    // by field; no snapshot means the server's own listing.
    return a.params == b.params && a.listing == b.listing;
}

QByteArray requestFingerprint(const StartRequest &request)
{
    const Job &c = request.candidate;
    QCryptographicHash hash(QCryptographicHash::Sha256);
    const auto add = [&hash](const QByteArray &part) {
        hash.addData(part);
        hash.addData(QByteArrayView("\x1f"));
    };
    for (const QString &part : { c.owner, c.listingId, c.analysisType })
        add(part.toUtf8());
    add(QByteArray::fromStdString(c.params.dump()));
    add(c.listing ? QByteArray::fromStdString(listingToJson(*c.listing).dump()) : QByteArray());
    add(request.force ? QByteArray("1") : QByteArray("0"));
    return hash.result().toHex();
}

QList<std::optional<QByteArray>> JobStore::getManyWire(const QString &owner, const QStringList &ids)
{
    QList<std::optional<QByteArray>> out;
    out.reserve(ids.size());
    for (const auto &job : getMany(ids))
        out.append(job && job->owner == owner ? std::optional<QByteArray>(serializeJob(*job, JobJsonScope::Wire))
                                              : std::nullopt);
    return out;
}

QList<Lease> JobStore::finishThenClaim(QList<FinishRequest> &finished, const QString &workerId, int waitMs, int maxJobs)
{
    if (!finished.isEmpty()) {
        try {
            finishMany(finished);
        } catch (const std::exception &e) {
            warnFinishesNotStored(finished.size(), e);
        }
    }
    return claimBatch(workerId, waitMs, maxJobs);
}

void warnFinishesNotStored(qsizetype count, const std::exception &error)
{
    qCWarning(lcServerWorker) << count << "finished jobs could not be stored:" << error.what();
}

QString newLeaseToken()
{
    auto *gen = QRandomGenerator::system();
    return QString::number(gen->generate64(), 36) + QString::number(gen->generate64(), 36);
}

} // namespace dealscope::server
