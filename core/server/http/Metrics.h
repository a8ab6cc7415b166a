#pragma once

#include "server/store/JobStore.h"

#include <QByteArray>
#include <QHash>
#include <QString>

#include <array>
#include <mutex>

namespace dealscope::server {

// Counters of this process in Prometheus text format (exposition format 0.0.4). Job counts by
// status and the queue depth come from the store, so on Redis they cover every process.
class Metrics final
{
public:
    void countRequest(const QString &route, int status, double seconds);
    void observeJob(const QString &analysisType, JobStatus status, double seconds);
    void setGauge(const QString &name, double value);

    QByteArray render(const StoreStats &store) const;

private:
    static constexpr std::array<double, 10> kJobBuckets { 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300 };
    static constexpr std::array<double, 8> kRequestBuckets { 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 1, 30 };
    struct Histogram
    {
        std::array<quint64, 10> buckets {};
        quint64 count = 0;
        double sum = 0;
    };
    mutable std::mutex m_mutex;
    QHash<QPair<QString, int>, quint64> m_requests;
    QHash<QString, Histogram> m_requestDurations;
    QHash<QPair<QString, QString>, Histogram> m_jobDurations; // (type, status)
    QHash<QString, double> m_gauges;
};

} // namespace dealscope::server
