#include "jobs/InFlightRegistry.h"

#include <QCryptographicHash>
#include <QSemaphore>
#include <QSettings>
#include <QThread>

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

void writeEntry(QSettings &settings, const QString &group, const InFlightEntry &entry)
{
    settings.beginGroup(kGroup + QLatin1Char('/') + group);
    settings.setValue(kListingId, entry.listingId);
    settings.setValue(kAnalysisType, entry.analysisType);
    settings.setValue(kJobId, entry.jobId);
    settings.setValue(kBackend, entry.backend);
    settings.setValue(kServer, entry.server);
    settings.endGroup();
}
} // namespace

// The thread that owns the write-behind QSettings object; changes run there in the order made.
struct InFlightRegistry::Writer final
{
    QThread thread;
    QObject *worker = nullptr; // lives on `thread`
    std::shared_ptr<QSettings> settings; // used on `thread` only

    template <typename Work> void post(Work work)
    {
        QMetaObject::invokeMethod(
            worker, [settings = settings, work = std::move(work)] { work(*settings); }, Qt::QueuedConnection);
    }
    void waitForIdle()
    {
        QSemaphore done;
        QMetaObject::invokeMethod(
            worker,
            [settings = settings, &done] {
                settings->sync();
                done.release();
            },
            Qt::QueuedConnection);
        done.acquire();
    }
};

InFlightRegistry::InFlightRegistry(QSettings &settings, Mode mode)
    : m_settings(settings)
{
    if (mode == Mode::Direct)
        return;
    for (const InFlightEntry &e : entries())
        m_entries.insert(pairGroup(e), e);
    m_writer = std::make_unique<Writer>();
    m_writer->thread.setObjectName(QStringLiteral("dealscope-inflight"));
    m_writer->worker = new QObject;
    m_writer->settings = std::make_shared<QSettings>(settings.fileName(), settings.format());
    m_writer->settings->moveToThread(&m_writer->thread);
    m_writer->worker->moveToThread(&m_writer->thread);
    m_writer->thread.start();
}

InFlightRegistry::~InFlightRegistry()
{
    if (!m_writer)
        return;
    m_writer->waitForIdle();
    QMetaObject::invokeMethod(
        m_writer->worker,
        [writer = m_writer.get()] {
            writer->settings.reset(); // destroyed on its own thread
            delete writer->worker;
            writer->thread.quit();
        },
        Qt::QueuedConnection);
    m_writer->thread.wait();
}

QList<InFlightEntry> InFlightRegistry::entries() const
{
    if (m_writer)
        return m_entries.values();
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
    if (m_writer) {
        if (const QString cached = m_groupByJobId.value(jobId); !cached.isEmpty())
            return cached;
        for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it) {
            if (it->jobId == jobId)
                return it.key();
        }
        return {};
    }
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
    if (m_writer) {
        if (const auto old = m_entries.constFind(group); old != m_entries.constEnd() && old->jobId != entry.jobId)
            m_groupByJobId.remove(old->jobId); // the pair's older job is replaced
        if (!previous.isEmpty() && previous != group)
            m_entries.remove(previous);
        m_entries.insert(group, entry);
        m_groupByJobId.insert(entry.jobId, group);
        m_writer->post([previous, group, entry](QSettings &s) {
            if (!previous.isEmpty() && previous != group)
                s.remove(kGroup + QLatin1Char('/') + previous);
            writeEntry(s, group, entry);
        });
        return;
    }
    if (!previous.isEmpty() && previous != group)
        m_settings.remove(kGroup + QLatin1Char('/') + previous);
    writeEntry(m_settings, group, entry);
    m_groupByJobId.insert(entry.jobId, group);
}

void InFlightRegistry::remove(const QString &jobId)
{
    const QString group = groupOf(jobId);
    m_groupByJobId.remove(jobId);
    if (group.isEmpty())
        return;
    if (m_writer) {
        m_entries.remove(group);
        m_writer->post([group](QSettings &s) { s.remove(kGroup + QLatin1Char('/') + group); });
        return;
    }
    m_settings.remove(kGroup + QLatin1Char('/') + group);
}

bool InFlightRegistry::contains(const QString &jobId) const
{
    return !groupOf(jobId).isEmpty();
}

void InFlightRegistry::sync()
{
    if (m_writer)
        m_writer->waitForIdle();
    else
        m_settings.sync();
}

} // namespace dealscope
