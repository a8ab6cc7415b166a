#include "jobs/JobJson.h"

#include "domain/Listing.h"
#include "jobs/JobsLog.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

namespace dealscope {

namespace {

// Appends to the end of a QByteArray through a raw pointer and trims it to what was written when
// done: QByteArray::append() checks sharing and capacity on every call and QByteArray::number()
// allocates, and a finished job's JSON is several hundred appends (this was an eighth of the
// server's CPU).
class ByteWriter final
{
public:
    ByteWriter(QByteArray &out, qsizetype expected)
        : m_out(out)
        , m_used(out.size())
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
        if (n <= 0) // an empty view's data may be null, which memcpy must not get
            return;
        reserve(n);
        std::memcpy(m_data + m_used, s, size_t(n));
        m_used += n;
    }
    template <size_t N> void literal(const char (&s)[N]) { put(s, qsizetype(N - 1)); }
    // Room for n more bytes, written through the pointer returned and ended with commit(end).
    char *claim(qsizetype n)
    {
        reserve(n);
        return m_data + m_used;
    }
    void commit(const char *end) { m_used = end - m_data; }
    char *commitAndClaim(const char *end, qsizetype n)
    {
        commit(end);
        return claim(n);
    }
    template <typename Int> void integer(Int v)
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

// Bytes JSON strings must escape: control characters, '"' and '\\'.
constexpr auto kNeedsEscape = [] {
    std::array<bool, 256> table {};
    for (int c = 0; c < 0x20; ++c)
        table[size_t(c)] = true;
    table['"'] = table['\\'] = true;
    return table;
}();

// nlohmann's dump_escaped with ensure_ascii = false, for valid UTF-8 (QString::toUtf8 output and
// strings nlohmann parsed). Copied byte by byte into room claimed up front: most strings of a
// result are short keys and values, for which a memcpy call per run cost more than the copy.
void writeEscaped(ByteWriter &out, QByteArrayView utf8)
{
    static const char hex[] = "0123456789abcdef";
    const auto *p = reinterpret_cast<const unsigned char *>(utf8.data());
    const auto *const end = p + utf8.size();
    char *d = out.claim(utf8.size() + 2);
    *d++ = '"';
    while (p != end) {
        const unsigned char c = *p++;
        if (!kNeedsEscape[c]) {
            *d++ = char(c);
            continue;
        }
        // An escape takes up to 6 bytes for 1: room for it and the rest of the string.
        d = out.commitAndClaim(d, 6 + (end - p) + 1);
        *d++ = '\\';
        switch (c) {
        case '"':
            *d++ = '"';
            break;
        case '\\':
            *d++ = '\\';
            break;
        case '\b':
            *d++ = 'b';
            break;
        case '\f':
            *d++ = 'f';
            break;
        case '\n':
            *d++ = 'n';
            break;
        case '\r':
            *d++ = 'r';
            break;
        case '\t':
            *d++ = 't';
            break;
        default:
            *d++ = 'u';
            *d++ = '0';
            *d++ = '0';
            *d++ = hex[c >> 4];
            *d++ = hex[c & 0xf];
        }
    }
    *d++ = '"';
    out.commit(d);
}

void writeNumber(ByteWriter &out, double x)
{
    if (!std::isfinite(x)) {
        out.literal("null");
        return;
    }
    char buffer[64];
    const char *last = nlohmann::detail::to_chars(buffer, buffer + sizeof buffer, x); // what dump() uses
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

// The offset just past the JSON object or array that starts at `from` (a '{' or '['), or -1 when
// it does not end in `json`. Strings are skipped with their escapes.
qsizetype endOfJsonValue(QByteArrayView json, qsizetype from)
{
    int depth = 0;
    bool inString = false;
    for (qsizetype i = from; i < json.size(); ++i) {
        const char c = json[i];
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (--depth == 0)
                return i + 1;
        }
    }
    return -1;
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
        if (scope == JobJsonScope::Storage && job.listing) {
            out.literal(",\"listing\":");
            writeJson(out, listingToJson(*job.listing));
        }
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

namespace {

// Reads serializeJob()'s output member by member in its fixed order (see parseCanonicalJob()).
class CanonicalJobReader final
{
public:
    explicit CanonicalJobReader(QByteArrayView json)
        : m_p(json.data())
        , m_end(json.data() + json.size())
    { }

    // An optional member is read when its key is next (take() succeeds) and skipped otherwise.
    std::optional<Job> read()
    {
        Job job;
        if (!take("{\"analysisType\":") || !shortText(job.analysisType, true))
            return std::nullopt;
        qint64 attempt = 0;
        if (!take(",\"attempt\":") || !whole(attempt) || attempt < 1 || attempt > 1000000)
            return std::nullopt;
        job.attempt = int(attempt);
        if (take(",\"backend\":")) {
            if (!shortText(job.backend, false)
                || (job.backend != QLatin1String("local") && job.backend != QLatin1String("remote")))
                return std::nullopt;
        }
        if (!take(",\"cancelRequested\":"))
            return std::nullopt;
        if (take("true"))
            job.cancelRequested = true;
        else if (!take("false"))
            return std::nullopt;
        if (!take(",\"createdAt\":") || !whole(job.createdAt))
            return std::nullopt;
        if (take(",\"error\":") && !text(job.error, false, -1))
            return std::nullopt;
        if (take(",\"finishedAt\":") && !optionalWhole(job.finishedAt))
            return std::nullopt;
        if (!take(",\"id\":") || !shortText(job.id, true) || !take(",\"listingId\":")
            || !shortText(job.listingId, true))
            return std::nullopt;
        if (take(",\"owner\":") && !shortText(job.owner, false))
            return std::nullopt;
        if (!take(",\"params\":{}")) // parameters (rare in a claim) are read by nlohmann
            return std::nullopt;
        if (take(",\"partialOutput\":") && !text(job.partialOutput, false, -1))
            return std::nullopt;
        // writeNumber() writes a whole double as "0.0"; a fraction goes the general way.
        qint64 progress = 0;
        if (!take(",\"progress\":") || !whole(progress) || progress > 100)
            return std::nullopt;
        take(".0");
        job.progress = double(progress);
        if (take(",\"requestId\":") && !shortText(job.requestId, false))
            return std::nullopt;
        if (take(",\"startedAt\":") && !optionalWhole(job.startedAt))
            return std::nullopt;
        QString status;
        if (!take(",\"status\":") || !shortText(status, true))
            return std::nullopt;
        const auto parsed = parseJobStatus(status);
        if (!parsed)
            return std::nullopt;
        job.status = *parsed;
        if (!take(",\"updatedAt\":") || !whole(job.updatedAt) || !take("}") || m_p != m_end)
            return std::nullopt;
        return job;
    }

private:
    static constexpr qsizetype kMaxShortString = 512; // jobFromJson()'s bound on ids, types, names

    template <size_t N> bool take(const char (&literal)[N])
    {
        constexpr qsizetype n = N - 1;
        if (m_end - m_p < n || std::memcmp(m_p, literal, size_t(n)) != 0)
            return false;
        m_p += n;
        return true;
    }

    bool text(QString &out, bool nonEmpty, qsizetype maxBytes)
    {
        if (m_p == m_end || *m_p != '"')
            return false;
        const char *const from = ++m_p;
        while (m_p != m_end) {
            const auto c = static_cast<unsigned char>(*m_p);
            if (c == '"')
                break;
            if (c < 0x20 || c >= 0x80 || c == '\\') // escapes and non-ASCII: the general way
                return false;
            ++m_p;
        }
        if (m_p == m_end)
            return false;
        const qsizetype n = m_p - from;
        ++m_p;
        if ((nonEmpty && n == 0) || (maxBytes >= 0 && n > maxBytes))
            return false;
        out = QString::fromLatin1(from, n);
        return true;
    }
    bool shortText(QString &out, bool nonEmpty) { return text(out, nonEmpty, kMaxShortString); }

    // Digits only, no leading zero, at most 15 of them (timestamps, attempt, progress).
    bool whole(qint64 &out)
    {
        const char *const from = m_p;
        qint64 v = 0;
        while (m_p != m_end && *m_p >= '0' && *m_p <= '9' && m_p - from < 15)
            v = v * 10 + (*m_p++ - '0');
        const qsizetype n = m_p - from;
        if (n == 0 || (n > 1 && *from == '0') || (m_p != m_end && *m_p >= '0' && *m_p <= '9'))
            return false;
        out = v;
        return true;
    }
    bool optionalWhole(std::optional<qint64> &out)
    {
        qint64 v = 0;
        if (!whole(v))
            return false;
        out = v;
        return true;
    }

    const char *m_p;
    const char *const m_end;
};

} // namespace

std::optional<Job> parseCanonicalJob(QByteArrayView json)
{
    return CanonicalJobReader(json).read();
}

std::optional<Job> parseJob(QByteArrayView json)
{
    // A claimed job (~250 bytes) took ~4.5 µs through nlohmann's tree and jobFromJson(), ~9 % of
    // a worker's time per job; read directly it takes ~0.3 µs.
    if (auto job = parseCanonicalJob(json))
        return job;
    auto parsed = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
        return std::nullopt;
    std::optional<nlohmann::json> result;
    if (const auto it = parsed.find("result"); it != parsed.end()) {
        if (!it->is_object()) {
            qCWarning(lcJobs) << "unreadable stored job: result must be an object";
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
        qCWarning(lcJobs) << "unreadable stored job:" << e.what();
        return std::nullopt;
    }
}

std::optional<QByteArray> wireFromStorage(const QByteArray &stored, QStringView owner)
{
    // serializeJob() writes the keys in sorted order: scalar members, then the listing snapshot
    // (an object, only in storage), then "owner". Inside a string a quote is always escaped, so
    // the first `,"listing":{` and, after the snapshot, the first `,"owner":` are top-level members.
    static constexpr QByteArrayView kCanonicalStart = "{\"analysisType\":\"";
    static constexpr QByteArrayView kListingKey = ",\"listing\":{";
    static constexpr QByteArrayView kListingIdKey = ",\"listingId\":";
    static constexpr QByteArrayView kOwnerKey = ",\"owner\":";
    if (QByteArrayView(stored).startsWith(kCanonicalStart)) {
        const qsizetype listingIdAt = stored.indexOf(kListingIdKey);
        qsizetype listingAt = -1;
        qsizetype listingEnd = -1;
        if (listingIdAt > 0) {
            listingAt = QByteArrayView(stored).first(listingIdAt).indexOf(kListingKey);
            if (listingAt > 0) {
                listingEnd = endOfJsonValue(stored, listingAt + kListingKey.size() - 1);
                if (listingEnd != listingIdAt)
                    listingAt = -1; // not the snapshot serializeJob() writes: parse below
            }
        }
        const qsizetype at = listingIdAt > 0 ? stored.indexOf(kOwnerKey, listingIdAt) : -1;
        if (at > 0 && (listingAt > 0 || !QByteArrayView(stored).first(listingIdAt).contains(kListingKey))) {
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
                    if (listingAt > 0) {
                        wire.append(stored.constData(), listingAt);
                        wire.append(stored.constData() + listingEnd, at - listingEnd);
                    } else {
                        wire.append(stored.constData(), at);
                    }
                    wire.append(stored.constData() + end, stored.size() - end);
                    return wire;
                }
            }
            return std::nullopt; // another owner
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

} // namespace dealscope
