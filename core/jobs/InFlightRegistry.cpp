#include "jobs/InFlightRegistry.h"

#include <QCryptographicHash>
#include <QSettings>

#include <algorithm>

namespace dealscope {

namespace {
const QString kGroup = QStringLiteral("inflight");
const QString kListingId = QStringLiteral("listingId");
const QString kAnalysisType = QStringLiteral("analysisType");
const QString kJobId = QStringLiteral("jobId");
const QString kBackend = QStringLiteral("backend");
const QString kServer = QStringLiteral("server");

// One group per pair, named by a hash of the pair: server URLs contain '/' and ':', which
// QSettings keys cannot hold, and a fixed-size key keeps put() O(log n) for batches of
// thousands of jobs (an array would be rewritten on every change).
QString pairGroup(const InFlightEntry &e)
{
    const QString pair = e.backend + QChar(0x1f) + e.server + QChar(0x1f) + e.listingId + QChar(0x1f) + e.analysisType;
    return QString::fromLatin1(QCryptographicHash::hash(pair.toUtf8(), QCryptographicHash::Sha1).toHex());
}

InFlightEntry readEntry(QSettings &settings, const QString &group)
{
    settings.beginGroup(group);
    InFlightEntry e;
    e.listingId = settings.value(kListingId).toString();
    e.analysisType = settings.value(kAnalysisType).toString();
    e.jobId = settings.value(kJobId).toString();
    e.backend = settings.value(kBackend).toString();
    e.server = settings.value(kServer).toString();
    settings.endGroup();
    if (e.backend.isEmpty())
        e.backend = QStringLiteral("local");
    return e;
}

bool usable(const InFlightEntry &e)
{
    // A hand-edited or truncated file must not yield entries nobody can attach to.
    return !e.jobId.isEmpty() && !e.listingId.isEmpty() && !e.analysisType.isEmpty();
}
} // namespace

InFlightRegistry::InFlightRegistry(QSettings &settings)
    : m_settings(settings)
{ }

QList<InFlightEntry> InFlightRegistry::entries() const
{
    QList<InFlightEntry> result;
    m_settings.beginGroup(kGroup);
    const QStringList groups = m_settings.childGroups();
    for (const QString &group : groups) {
        const InFlightEntry e = readEntry(m_settings, group);
        if (usable(e))
            result.append(e);
    }
    m_settings.endGroup();
    return result;
}

QString InFlightRegistry::groupOf(const QString &jobId) const
{
    // Remembered from put(); checked against the file because another instance may have changed it.
    if (const QString cached = m_groupByJobId.value(jobId); !cached.isEmpty()) {
        if (m_settings.value(kGroup + QLatin1Char('/') + cached + QLatin1Char('/') + kJobId).toString() == jobId)
            return cached;
    }
    m_settings.beginGroup(kGroup);
    const QStringList groups = m_settings.childGroups();
    QString found;
    for (const QString &group : groups) {
        if (m_settings.value(group + QLatin1Char('/') + kJobId).toString() == jobId) {
            found = group;
            break;
        }
    }
    m_settings.endGroup();
    return found;
}

void InFlightRegistry::put(const InFlightEntry &entry)
{
    // The same job put before under another pair moves (no file scan: put() stays cheap).
    const QString previous = m_groupByJobId.value(entry.jobId);
    const QString group = pairGroup(entry);
    if (!previous.isEmpty() && previous != group)
        m_settings.remove(kGroup + QLatin1Char('/') + previous);
    m_settings.beginGroup(kGroup + QLatin1Char('/') + group);
    m_settings.setValue(kListingId, entry.listingId);
    m_settings.setValue(kAnalysisType, entry.analysisType);
    m_settings.setValue(kJobId, entry.jobId);
    m_settings.setValue(kBackend, entry.backend);
    m_settings.setValue(kServer, entry.server);
    m_settings.endGroup();
    m_groupByJobId.insert(entry.jobId, group);
}

void InFlightRegistry::remove(const QString &jobId)
{
    const QString group = groupOf(jobId);
    m_groupByJobId.remove(jobId);
    if (!group.isEmpty())
        m_settings.remove(kGroup + QLatin1Char('/') + group);
}

bool InFlightRegistry::contains(const QString &jobId) const
{
    return !groupOf(jobId).isEmpty();
}

void InFlightRegistry::sync()
{
    m_settings.sync();
}

} // namespace dealscope
