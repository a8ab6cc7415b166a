#include "server/store/JobJson.h"

#include "server/ServerLog.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace dealscope::server {

namespace {

// Appends to the end of a QByteArray through a raw pointer and trims it to what was written when
// done: QByteArray::append() checks sharing and capacity on every call and QByteArray::number()
// allocates, and a finished job's JSON is several hundred appends (this was an eighth of the
// server's CPU).
class ByteWriter final
{
public:
    ByteWriter(QByteArray &out, qsizetype expected)
        : m_out(out), m_used(out.size())
    {
        m_out.resize(m_used + std::max<qsizetype>(expected, 64));
        m_data = m_out.data();
        m_capacity = m_out.size();
    }
    ~ByteWriter() { m_out.resize(m_used); }
    ByteWriter(const ByteWriter &) = delete;
    ByteWriter &operator=(const ByteWriter &) = delete;

    void put(char c)
    {
        reserve(1);
        m_data[m_used++] = c;
    }
    void put(const char *s, qsizetype n)
    {
        if (n <= 0)   // an empty view's data may be null, which memcpy must not get
            return;
        reserve(n);
        std::memcpy(m_data + m_used, s, size_t(n));
        m_used += n;
    }
    template<size_t N>
    void literal(const char (&s)[N])
    {
        put(s, qsizetype(N - 1));
    }
    template<typename Int>
    void integer(Int v)
    {
        char buffer[24];
        const auto r = std::to_chars(buffer, buffer + sizeof buffer, v);
        put(buffer, r.ptr - buffer);
    }

private:
    void reserve(qsizetype n)
    {
        if (m_capacity - m_used >= n)
            return;
        m_out.resize(std::max(m_capacity * 2, m_used + n));
        m_data = m_out.data();
        m_capacity = m_out.size();
    }

    QByteArray &m_out;
    qsizetype m_used;
    char *m_data = nullptr;
    qsizetype m_capacity = 0;
};

// nlohmann's dump_escaped with ensure_ascii = false, for valid UTF-8 (QString::toUtf8 output and
// strings nlohmann parsed): runs without anything to escape are copied in one go.
void writeEscaped(ByteWriter &out, QByteArrayView utf8)
{
    static const char hex[] = "0123456789abcdef";
    out.put('"');
    const char *run = utf8.data();
    const char *const end = utf8.data() + utf8.size();
    for (const char *p = run; p != end; ++p) {
        const auto c = static_cast<unsigned char>(*p);
        if (c > 0x1f && c != '"' && c != '\\')
            continue;
        out.put(run, p - run);
        run = p + 1;
        switch (c) {
        case '"': out.literal("\\\""); break;
        case '\\': out.literal("\\\\"); break;
        case '\b': out.literal("\\b"); break;
        case '\f': out.literal("\\f"); break;
        case '\n': out.literal("\\n"); break;
        case '\r': out.literal("\\r"); break;
        case '\t': out.literal("\\t"); break;
        default: {
            const char u[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
            out.put(u, 6);
        }
        }
    }
    out.put(run, end - run);
    out.put('"');
}

void writeNumber(ByteWriter &out, double x)
{
    if (!std::isfinite(x)) {
        out.literal("null");
        return;
    }
    char buffer[64];
    const char *last = nlohmann::detail::to_chars(buffer, buffer + sizeof buffer, x);   // what dump() uses
    out.put(buffer, last - buffer);
}

// nlohmann's compact dump() of a value, written straight into `out`: the same bytes (object
// members in the object's own order, its float formatting) without a std::string in between.
void writeJson(ByteWriter &out, const nlohmann::json &j)
{
    using Type = nlohmann::json::value_t;
    switch (j.type()) {
    case Type::object: {
        if (j.empty()) {
            out.literal("{}");
            return;
        }
        char sep = '{';
        for (auto it = j.begin(); it != j.end(); ++it) {
            out.put(sep);
            sep = ',';
            writeEscaped(out, QByteArrayView(it.key().data(), qsizetype(it.key().size())));
            out.put(':');
            writeJson(out, it.value());
        }
        out.put('}');
        return;
    }
    case Type::array: {
        if (j.empty()) {
            out.literal("[]");
            return;
        }
        char sep = '[';
        for (const auto &e : j) {
            out.put(sep);
            sep = ',';
            writeJson(out, e);
        }
        out.put(']');
        return;
    }
    case Type::string: {
        const std::string &s = j.get_ref<const std::string &>();
        writeEscaped(out, QByteArrayView(s.data(), qsizetype(s.size())));
        return;
    }
    case Type::boolean:
        if (j.get<bool>())
            out.literal("true");
        else
            out.literal("false");
        return;
    case Type::number_integer:
        out.integer(j.get<std::int64_t>());
        return;
    case Type::number_unsigned:
        out.integer(j.get<std::uint64_t>());
        return;
    case Type::number_float:
        writeNumber(out, j.get<double>());
        return;
    case Type::null:
        out.literal("null");
        return;
    case Type::binary:
    case Type::discarded:
        break;
    }
    const std::string dumped = j.dump();
    out.put(dumped.data(), qsizetype(dumped.size()));
}

void writeString(ByteWriter &out, const QString &s)
{
    writeEscaped(out, s.toUtf8());
}

} // namespace

QByteArray serializeJob(const Job &job, JobJsonScope scope)
{
    QByteArray bytes;
    {
        ByteWriter out(bytes, 320 + (job.result ? 3000 : 0));
        out.literal("{\"analysisType\":");
        writeString(out, job.analysisType);
        out.literal(",\"attempt\":");
        out.integer(job.attempt);
        if (!job.backend.isEmpty()) {
            out.literal(",\"backend\":");
            writeString(out, job.backend);
        }
        if (job.cancelRequested)
            out.literal(",\"cancelRequested\":true");
        else
            out.literal(",\"cancelRequested\":false");
        out.literal(",\"createdAt\":");
        out.integer(job.createdAt);
        if (!job.error.isEmpty()) {
            out.literal(",\"error\":");
            writeString(out, job.error);
        }
        if (job.finishedAt) {
            out.literal(",\"finishedAt\":");
            out.integer(*job.finishedAt);
        }
        out.literal(",\"id\":");
        writeString(out, job.id);
        out.literal(",\"listingId\":");
        writeString(out, job.listingId);
        if (scope == JobJsonScope::Storage && !job.owner.isEmpty()) {
            out.literal(",\"owner\":");
            writeString(out, job.owner);
        }
        out.literal(",\"params\":");
        if (job.params.is_object())
            writeJson(out, job.params);
        else
            out.literal("{}");
        if (!job.partialOutput.isEmpty()) {
            out.literal(",\"partialOutput\":");
            writeString(out, job.partialOutput);
        }
        out.literal(",\"progress\":");
        writeNumber(out, job.progress);
        if (!job.requestId.isEmpty()) {
            out.literal(",\"requestId\":");
            writeString(out, job.requestId);
        }
        if (job.result) {
            out.literal(",\"result\":");
            writeJson(out, *job.result);
        }
        if (job.startedAt) {
            out.literal(",\"startedAt\":");
            out.integer(*job.startedAt);
        }
        out.literal(",\"status\":");
        writeString(out, jobStatusName(job.status));
        out.literal(",\"updatedAt\":");
        out.integer(job.updatedAt);
        out.put('}');
    }
    return bytes;
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
            {
                ByteWriter writer(expected, owner.size() + 8);
                writeEscaped(writer, owner.toUtf8());
            }
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
