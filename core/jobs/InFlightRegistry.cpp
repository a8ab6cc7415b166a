#include "jobs/InFlightRegistry.h"

#include <QSettings>

#include <algorithm>

namespace dealscope {

namespace {
const QString kGroup = QStringLiteral("inflight");

bool samePair(const InFlightEntry &a, const InFlightEntry &b)
{
    return a.backend == b.backend && a.server == b.server && a.listingId == b.listingId
        && a.analysisType == b.analysisType;
}

// Stored as a QSettings array: server URLs contain '/' and ':', which QSettings keys cannot hold.
void writeAll(QSettings &settings, const QList<InFlightEntry> &entries)
{
    settings.remove(kGroup);
    settings.beginWriteArray(kGroup, int(entries.size()));
    for (int i = 0; i < entries.size(); ++i) {
        settings.setArrayIndex(i);
        const InFlightEntry &e = entries.at(i);
        settings.setValue(QStringLiteral("listingId"), e.listingId);
        settings.setValue(QStringLiteral("analysisType"), e.analysisType);
        settings.setValue(QStringLiteral("jobId"), e.jobId);
        settings.setValue(QStringLiteral("backend"), e.backend);
        settings.setValue(QStringLiteral("server"), e.server);
    }
    settings.endArray();
    // The registry is what lets the next start-up re-attach; get it onto disk now, not at exit.
    settings.sync();
}
} // namespace

InFlightRegistry::InFlightRegistry(QSettings &settings) : m_settings(settings) {}

QList<InFlightEntry> InFlightRegistry::entries() const
{
    QList<InFlightEntry> result;
    // Walk the array's child groups rather than trusting its "size" key: a damaged file claiming
    // a million entries must not cost a million lookups.
    m_settings.beginGroup(kGroup);
    QList<QPair<int, QString>> indexes;
    const QStringList groups = m_settings.childGroups();
    for (const QString &group : groups) {
        bool ok = false;
        const int index = group.toInt(&ok);
        if (ok)
            indexes.append({index, group});
    }
    std::sort(indexes.begin(), indexes.end());
    for (const auto &[index, group] : std::as_const(indexes)) {
        m_settings.beginGroup(group);
        InFlightEntry e;
        e.listingId = m_settings.value(QStringLiteral("listingId")).toString();
        e.analysisType = m_settings.value(QStringLiteral("analysisType")).toString();
        e.jobId = m_settings.value(QStringLiteral("jobId")).toString();
        e.backend = m_settings.value(QStringLiteral("backend")).toString();
        e.server = m_settings.value(QStringLiteral("server")).toString();
        m_settings.endGroup();
        // A hand-edited or truncated file must not yield entries nobody can attach to.
        if (e.jobId.isEmpty() || e.listingId.isEmpty() || e.analysisType.isEmpty())
            continue;
        if (e.backend.isEmpty())
            e.backend = QStringLiteral("local");
        result.append(e);
    }
    m_settings.endGroup();
    return result;
}

void InFlightRegistry::put(const InFlightEntry &entry)
{
    QList<InFlightEntry> all = entries();
    bool replaced = false;
    for (InFlightEntry &e : all) {
        if (samePair(e, entry) || e.jobId == entry.jobId) {
            if (replaced)
                e.jobId.clear();   // marks a second match for removal below
            else
                e = entry;
            replaced = true;
        }
    }
    all.removeIf([](const InFlightEntry &e) { return e.jobId.isEmpty(); });
    if (!replaced)
        all.append(entry);
    writeAll(m_settings, all);
}

void InFlightRegistry::remove(const QString &jobId)
{
    QList<InFlightEntry> all = entries();
    if (all.removeIf([&](const InFlightEntry &e) { return e.jobId == jobId; }) == 0)
        return;
    writeAll(m_settings, all);
}

bool InFlightRegistry::contains(const QString &jobId) const
{
    const QList<InFlightEntry> all = entries();
    return std::any_of(all.cbegin(), all.cend(), [&](const InFlightEntry &e) { return e.jobId == jobId; });
}

} // namespace dealscope
