#include "server/store/JobJson.h"

#include "server/ServerLog.h"

#include <cmath>

namespace dealscope::server {

namespace {

// nlohmann's dump_escaped with ensure_ascii = false, for valid UTF-8 (QString::toUtf8 output and
// strings nlohmann parsed): runs without anything to escape are copied in one go.
void appendEscaped(QByteArray &out, QByteArrayView utf8)
{
    static const char hex[] = "0123456789abcdef";
    out += '"';
    const char *run = utf8.data();
    const char *const end = utf8.data() + utf8.size();
    for (const char *p = run; p != end; ++p) {
        const auto c = static_cast<unsigned char>(*p);
        if (c > 0x1f && c != '"' && c != '\\')
            continue;
        out.append(run, p - run);
        run = p + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: {
            const char u[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
            out.append(u, 6);
        }
        }
    }
    out.append(run, end - run);
    out += '"';
}

// nlohmann's compact dump() of a value, written straight into `out`: the same bytes (object
// members in the object's own order, its float formatting) without a std::string in between and
// with bulk copies of plain string runs; the serialisation of a finished job's result was a
// tenth of the server's CPU.
void appendJson(QByteArray &out, const nlohmann::json &j)
{
    using Type = nlohmann::json::value_t;
    switch (j.type()) {
    case Type::object: {
        if (j.empty()) {
            out += "{}";
            return;
        }
        char sep = '{';
        for (auto it = j.begin(); it != j.end(); ++it) {
            out += sep;
            sep = ',';
            appendEscaped(out, QByteArrayView(it.key().data(), qsizetype(it.key().size())));
            out += ':';
            appendJson(out, it.value());
        }
        out += '}';
        return;
    }
    case Type::array: {
        if (j.empty()) {
            out += "[]";
            return;
        }
        char sep = '[';
        for (const auto &e : j) {
            out += sep;
            sep = ',';
            appendJson(out, e);
        }
        out += ']';
        return;
    }
    case Type::string: {
        const std::string &s = j.get_ref<const std::string &>();
        appendEscaped(out, QByteArrayView(s.data(), qsizetype(s.size())));
        return;
    }
    case Type::boolean:
        out += j.get<bool>() ? "true" : "false";
        return;
    case Type::number_integer:
        out += QByteArray::number(qint64(j.get<std::int64_t>()));
        return;
    case Type::number_unsigned:
        out += QByteArray::number(quint64(j.get<std::uint64_t>()));
        return;
    case Type::number_float: {
        const double x = j.get<double>();
        if (!std::isfinite(x)) {
            out += "null";
            return;
        }
        char buffer[64];
        const char *last = nlohmann::detail::to_chars(buffer, buffer + sizeof buffer, x);   // what dump() uses
        out.append(buffer, last - buffer);
        return;
    }
    case Type::null:
        out += "null";
        return;
    case Type::binary:
    case Type::discarded:
        break;
    }
    out += QByteArray::fromStdString(j.dump());
}

void appendString(QByteArray &out, const QString &s)
{
    appendEscaped(out, s.toUtf8());
}

void appendNumber(QByteArray &out, double d)
{
    appendJson(out, nlohmann::json(d));
}

} // namespace

QByteArray serializeJob(const Job &job, JobJsonScope scope)
{
    QByteArray out;
    out.reserve(320 + (job.result ? 3000 : 0));
    out += "{\"analysisType\":";
    appendString(out, job.analysisType);
    out += ",\"attempt\":";
    out += QByteArray::number(job.attempt);
    if (!job.backend.isEmpty()) {
        out += ",\"backend\":";
        appendString(out, job.backend);
    }
    out += job.cancelRequested ? ",\"cancelRequested\":true" : ",\"cancelRequested\":false";
    out += ",\"createdAt\":";
    out += QByteArray::number(job.createdAt);
    if (!job.error.isEmpty()) {
        out += ",\"error\":";
        appendString(out, job.error);
    }
    if (job.finishedAt) {
        out += ",\"finishedAt\":";
        out += QByteArray::number(*job.finishedAt);
    }
    out += ",\"id\":";
    appendString(out, job.id);
    out += ",\"listingId\":";
    appendString(out, job.listingId);
    if (scope == JobJsonScope::Storage && !job.owner.isEmpty()) {
        out += ",\"owner\":";
        appendString(out, job.owner);
    }
    out += ",\"params\":";
    if (job.params.is_object())
        appendJson(out, job.params);
    else
        out += "{}";
    if (!job.partialOutput.isEmpty()) {
        out += ",\"partialOutput\":";
        appendString(out, job.partialOutput);
    }
    out += ",\"progress\":";
    appendNumber(out, job.progress);
    if (!job.requestId.isEmpty()) {
        out += ",\"requestId\":";
        appendString(out, job.requestId);
    }
    if (job.result) {
        out += ",\"result\":";
        appendJson(out, *job.result);
    }
    if (job.startedAt) {
        out += ",\"startedAt\":";
        out += QByteArray::number(*job.startedAt);
    }
    out += ",\"status\":";
    appendString(out, jobStatusName(job.status));
    out += ",\"updatedAt\":";
    out += QByteArray::number(job.updatedAt);
    out += '}';
    return out;
}

std::optional<Job> parseJob(QByteArrayView json)
{
    auto parsed = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
        return std::nullopt;
    std::optional<nlohmann::json> result;
    if (const auto it = parsed.find("result"); it != parsed.end()) {
        if (!it->is_object()) {
            qCWarning(lcServerStore) << "unreadable stored job: result must be an object";
            return std::nullopt;
        }
        result = std::move(*it);
        parsed.erase(it);
    }
    try {
        Job job = jobFromJson(parsed);
        job.result = std::move(result);
        return job;
    } catch (const std::exception &e) {
        qCWarning(lcServerStore) << "unreadable stored job:" << e.what();
        return std::nullopt;
    }
}

std::optional<QByteArray> wireFromStorage(const QByteArray &stored, QStringView owner)
{
    // serializeJob() writes the keys in sorted order and only scalar members precede "owner", so
    // the first `,"owner":` is the top-level member: inside a string a quote is always escaped.
    static constexpr QByteArrayView kCanonicalStart = "{\"analysisType\":\"";
    static constexpr QByteArrayView kOwnerKey = ",\"owner\":";
    if (QByteArrayView(stored).startsWith(kCanonicalStart)) {
        const qsizetype at = stored.indexOf(kOwnerKey);
        if (at > 0) {
            QByteArray expected;
            appendEscaped(expected, owner.toUtf8());
            const qsizetype valueAt = at + kOwnerKey.size();
            if (QByteArrayView(stored).sliced(valueAt).startsWith(expected)) {
                const qsizetype end = valueAt + expected.size();
                if (end < stored.size() && (stored[end] == ',' || stored[end] == '}')) {
                    QByteArray wire;
                    wire.reserve(stored.size() - (end - at));
                    wire.append(stored.constData(), at);
                    wire.append(stored.constData() + end, stored.size() - end);
                    return wire;
                }
            }
            return std::nullopt;   // another owner
        }
    }
    // Not what serializeJob() writes (or no owner): the slow, exact way.
    const auto job = parseJob(stored);
    if (!job || job->owner != owner)
        return std::nullopt;
    return serializeJob(*job, JobJsonScope::Wire);
}

std::optional<JobStatus> statusOfJobJson(QByteArrayView json)
{
    static constexpr QByteArrayView kStatusKey = ",\"status\":\"";
    const qsizetype at = json.lastIndexOf(kStatusKey);
    if (at >= 0) {
        const qsizetype from = at + kStatusKey.size();
        const qsizetype end = json.indexOf('"', from);
        // Canonical: only updatedAt follows the status.
        if (end > from && json.sliced(end + 1).startsWith(QByteArrayView(",\"updatedAt\":"))) {
            if (const auto status = parseJobStatus(QString::fromLatin1(json.sliced(from, end - from))))
                return status;
        }
    }
    const auto job = parseJob(json);
    return job ? std::optional<JobStatus>(job->status) : std::nullopt;
}

QByteArray jsonEtag(QByteArrayView wire)
{
    quint64 h = 1469598103934665603ULL;
    for (const char c : wire) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return '"' + QByteArray::number(h, 16).rightJustified(16, '0') + '"';
}

} // namespace dealscope::server
