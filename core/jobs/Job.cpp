#include "jobs/Job.h"

#include "common/JsonQt.h"

#include <cmath>
#include <stdexcept>
#include <string>

using nlohmann::json;

namespace dealscope {

namespace {

constexpr struct
{
    JobStatus status;
    const char *name;
} kStatusNames[] = {
    { JobStatus::Queued, "queued" },
    { JobStatus::Running, "running" },
    { JobStatus::Succeeded, "succeeded" },
    { JobStatus::Failed, "failed" },
    { JobStatus::Canceled, "canceled" },
};

// Ids, listing ids and types are short; a bound keeps hostile input out of indexes and logs.
constexpr std::size_t kMaxShortString = 512;

[[noreturn]] void fail(const char *field, const std::string &why)
{
    throw std::invalid_argument(std::string("job field '") + field + "' " + why);
}

const json *member(const json &object, const char *field)
{
    const auto it = object.find(field);
    if (it == object.end() || it->is_null())
        return nullptr;
    return &*it;
}

QString stringField(const json &object, const char *field, bool required, bool nonEmpty = false,
    std::size_t maxBytes = std::string::npos)
{
    const json *value = member(object, field);
    if (!value) {
        if (required)
            fail(field, "is missing");
        return {};
    }
    if (!value->is_string())
        fail(field, "must be a string");
    const auto &s = value->get_ref<const std::string &>();
    if (nonEmpty && s.empty())
        fail(field, "must not be empty");
    if (s.size() > maxBytes)
        fail(field, "is too long");
    return QString::fromStdString(s);
}

// Timestamps arrive as JSON numbers; doubles are accepted when they hold a whole number
// (other languages' encoders write 1.7e12).
std::optional<qint64> timeField(const json &object, const char *field, bool required)
{
    const json *value = member(object, field);
    if (!value) {
        if (required)
            fail(field, "is missing");
        return std::nullopt;
    }
    if (value->is_number_integer()) {
        const auto v = value->get<qint64>();
        if (value->is_number_unsigned() && value->get<std::uint64_t>() > std::uint64_t(INT64_MAX))
            fail(field, "is out of range");
        if (v < 0)
            fail(field, "must not be negative");
        return v;
    }
    if (value->is_number_float()) {
        const double d = value->get<double>();
        if (!std::isfinite(d) || d < 0 || d > 9.0e15 || std::floor(d) != d)
            fail(field, "must be a whole number of milliseconds");
        return static_cast<qint64>(d);
    }
    fail(field, "must be a number (ms since epoch)");
}

} // namespace

QString jobStatusName(JobStatus status)
{
    for (const auto &entry : kStatusNames) {
        if (entry.status == status)
            return QLatin1String(entry.name);
    }
    return {};
}

std::optional<JobStatus> parseJobStatus(QStringView name)
{
    for (const auto &entry : kStatusNames) {
        if (name == QLatin1String(entry.name))
            return entry.status;
    }
    return std::nullopt;
}

bool isTerminal(JobStatus status)
{
    return status == JobStatus::Succeeded || status == JobStatus::Failed || status == JobStatus::Canceled;
}

json jobToJson(const Job &job, JobJsonScope scope)
{
    json j = json::object();
    j["id"] = job.id;
    j["listingId"] = job.listingId;
    j["analysisType"] = job.analysisType;
    j["params"] = job.params.is_object() ? job.params : json::object();
    j["status"] = jobStatusName(job.status);
    j["progress"] = job.progress;
    if (!job.partialOutput.isEmpty())
        j["partialOutput"] = job.partialOutput;
    if (job.result)
        j["result"] = *job.result;
    if (!job.error.isEmpty())
        j["error"] = job.error;
    j["createdAt"] = job.createdAt;
    j["updatedAt"] = job.updatedAt;
    j["cancelRequested"] = job.cancelRequested;
    j["attempt"] = job.attempt;
    if (job.startedAt)
        j["startedAt"] = *job.startedAt;
    if (job.finishedAt)
        j["finishedAt"] = *job.finishedAt;
    if (!job.requestId.isEmpty())
        j["requestId"] = job.requestId;
    if (!job.backend.isEmpty())
        j["backend"] = job.backend;
    if (scope == JobJsonScope::Storage && !job.owner.isEmpty())
        j["owner"] = job.owner;
    if (scope == JobJsonScope::Storage && job.listing)
        j["listing"] = listingToJson(*job.listing);
    return j;
}

Job jobFromJson(const json &j)
{
    if (!j.is_object())
        throw std::invalid_argument("job must be a JSON object");

    Job job;
    job.id = stringField(j, "id", true, true, kMaxShortString);
    job.listingId = stringField(j, "listingId", true, true, kMaxShortString);
    job.analysisType = stringField(j, "analysisType", true, true, kMaxShortString);

    if (const json *params = member(j, "params")) {
        if (!params->is_object())
            fail("params", "must be an object");
        job.params = *params;
    }

    const QString status = stringField(j, "status", true, true, kMaxShortString);
    const auto parsed = parseJobStatus(status);
    if (!parsed)
        fail("status", "must be one of queued, running, succeeded, failed, canceled");
    job.status = *parsed;

    if (const json *progress = member(j, "progress")) {
        if (!progress->is_number())
            fail("progress", "must be a number");
        const double p = progress->get<double>();
        if (!std::isfinite(p) || p < 0 || p > 100)
            fail("progress", "must be between 0 and 100");
        job.progress = p;
    }

    job.partialOutput = stringField(j, "partialOutput", false);
    if (const json *result = member(j, "result")) {
        if (!result->is_object())
            fail("result", "must be an object");
        job.result = *result;
    }
    job.error = stringField(j, "error", false);
    job.createdAt = *timeField(j, "createdAt", true);
    job.updatedAt = *timeField(j, "updatedAt", true);

    if (const json *cancel = member(j, "cancelRequested")) {
        if (!cancel->is_boolean())
            fail("cancelRequested", "must be a boolean");
        job.cancelRequested = cancel->get<bool>();
    }

    if (const json *attempt = member(j, "attempt")) {
        if (!attempt->is_number_integer())
            fail("attempt", "must be an integer");
        const auto a = attempt->get<long long>();
        if (a < 1 || a > 1000000)
            fail("attempt", "must be a positive integer");
        job.attempt = static_cast<int>(a);
    }

    job.startedAt = timeField(j, "startedAt", false);
    job.finishedAt = timeField(j, "finishedAt", false);
    job.requestId = stringField(j, "requestId", false, false, kMaxShortString);

    job.backend = stringField(j, "backend", false, false, kMaxShortString);
    if (!job.backend.isEmpty() && job.backend != QLatin1String("local") && job.backend != QLatin1String("remote"))
        fail("backend", "must be \"local\" or \"remote\"");
    job.owner = stringField(j, "owner", false, false, kMaxShortString);
    if (const json *listing = member(j, "listing")) {
        try {
            job.listing = listingFromJson(*listing);
        } catch (const std::exception &e) {
            fail("listing", e.what());
        }
    }
    return job;
}

AnalysisRequest analysisRequestOf(const Job &job)
{
    return AnalysisRequest { job.listingId, job.analysisType, job.params, job.listing, job.id };
}

} // namespace dealscope
