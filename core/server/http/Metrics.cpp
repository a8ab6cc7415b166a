#include "server/http/Metrics.h"

namespace dealscope::server {

namespace {
template <typename Buckets> void observe(std::array<quint64, 10> &counts, const Buckets &bounds, double value)
{
    for (size_t i = 0; i < bounds.size(); ++i) {
        if (value <= bounds[i])
            ++counts[i];
    }
}

QByteArray num(double v)
{
    return QByteArray::number(v, 'g', 12);
}

QByteArray label(const QString &s)
{
    QByteArray out = s.toUtf8();
    out.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    return out;
}
} // namespace

void Metrics::countRequest(const QString &route, int status, double seconds)
{
    std::lock_guard lock(m_mutex);
    ++m_requests[{ route, status }];
    Histogram &h = m_requestDurations[route];
    observe(h.buckets, kRequestBuckets, seconds);
    ++h.count;
    h.sum += seconds;
}

void Metrics::observeJob(const QString &analysisType, JobStatus status, double seconds)
{
    std::lock_guard lock(m_mutex);
    Histogram &h = m_jobDurations[{ analysisType, jobStatusName(status) }];
    observe(h.buckets, kJobBuckets, seconds);
    ++h.count;
    h.sum += seconds;
}

void Metrics::setGauge(const QString &name, double value)
{
    std::lock_guard lock(m_mutex);
    m_gauges[name] = value;
}

QByteArray Metrics::render(const StoreStats &store) const
{
    QByteArray out;
    out += "# HELP dealscope_jobs Jobs by status (queued/running: now; terminal: total finished).\n"
           "# TYPE dealscope_jobs gauge\n";
    for (const char *status : { "queued", "running", "succeeded", "failed", "canceled" }) {
        const QString key = QString::fromLatin1(status);
        out += "dealscope_jobs{status=\"" + QByteArray(status) + "\"} "
            + QByteArray::number(std::max<qint64>(0, store.jobsByStatus.value(key))) + '\n';
    }
    out += "# HELP dealscope_queue_depth Jobs waiting in the queue.\n# TYPE dealscope_queue_depth gauge\n";
    out += "dealscope_queue_depth " + QByteArray::number(store.queueDepth) + '\n';
    out += "# HELP dealscope_store_up Whether the job store answered.\n# TYPE dealscope_store_up gauge\n";
    out += "dealscope_store_up " + QByteArray(store.reachable ? "1" : "0") + '\n';

    std::lock_guard lock(m_mutex);
    out += "# HELP dealscope_http_requests_total HTTP requests answered by this process.\n"
           "# TYPE dealscope_http_requests_total counter\n";
    for (auto it = m_requests.cbegin(); it != m_requests.cend(); ++it) {
        out += "dealscope_http_requests_total{route=\"" + label(it.key().first) + "\",status=\""
            + QByteArray::number(it.key().second) + "\"} " + QByteArray::number(it.value()) + '\n';
    }
    out += "# HELP dealscope_http_request_duration_seconds Time to answer, by route.\n"
           "# TYPE dealscope_http_request_duration_seconds histogram\n";
    for (auto it = m_requestDurations.cbegin(); it != m_requestDurations.cend(); ++it) {
        const QByteArray l = "route=\"" + label(it.key()) + '"';
        for (size_t i = 0; i < kRequestBuckets.size(); ++i)
            out += "dealscope_http_request_duration_seconds_bucket{" + l + ",le=\"" + num(kRequestBuckets[i]) + "\"} "
                + QByteArray::number(it->buckets[i]) + '\n';
        out += "dealscope_http_request_duration_seconds_bucket{" + l + ",le=\"+Inf\"} " + QByteArray::number(it->count)
            + '\n';
        out += "dealscope_http_request_duration_seconds_sum{" + l + "} " + num(it->sum) + '\n';
        out += "dealscope_http_request_duration_seconds_count{" + l + "} " + QByteArray::number(it->count) + '\n';
    }
    out += "# HELP dealscope_job_duration_seconds Run time of jobs finished by this process's workers.\n"
           "# TYPE dealscope_job_duration_seconds histogram\n";
    for (auto it = m_jobDurations.cbegin(); it != m_jobDurations.cend(); ++it) {
        const QByteArray l = "analysis_type=\"" + label(it.key().first) + "\",status=\"" + label(it.key().second) + '"';
        for (size_t i = 0; i < kJobBuckets.size(); ++i)
            out += "dealscope_job_duration_seconds_bucket{" + l + ",le=\"" + num(kJobBuckets[i]) + "\"} "
                + QByteArray::number(it->buckets[i]) + '\n';
        out += "dealscope_job_duration_seconds_bucket{" + l + ",le=\"+Inf\"} " + QByteArray::number(it->count) + '\n';
        out += "dealscope_job_duration_seconds_sum{" + l + "} " + num(it->sum) + '\n';
        out += "dealscope_job_duration_seconds_count{" + l + "} " + QByteArray::number(it->count) + '\n';
    }
    for (auto it = m_gauges.cbegin(); it != m_gauges.cend(); ++it) {
        const QByteArray name = "dealscope_" + it.key().toLatin1();
        out += "# TYPE " + name + " gauge\n" + name + ' ' + num(it.value()) + '\n';
    }
    return out;
}

} // namespace dealscope::server
