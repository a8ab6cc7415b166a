#include "server/store/JobStore.h"

#include <QDateTime>
#include <QRandomGenerator>

namespace dealscope::server {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QString newLeaseToken()
{
    auto *gen = QRandomGenerator::system();
    return QString::number(gen->generate64(), 36) + QString::number(gen->generate64(), 36);
}

} // namespace dealscope::server
