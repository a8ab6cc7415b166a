#pragma once

#include "analysis/AnalysisRequest.h"
#include "common/SharedJson.h"
#include "domain/Listing.h"

#include <QString>
#include <QStringView>

#include <nlohmann/json.hpp>

#include <optional>

namespace dealscope {

enum class JobStatus { Queued, Running, Succeeded, Failed, Canceled };

QString jobStatusName(JobStatus status); // "queued", "running", …
std::optional<JobStatus> parseJobStatus(QStringView name);
bool isTerminal(JobStatus status);

// The job object of SPEC §3: wire and storage format (JSON, camelCase, field names exactly as there).
struct Job final
{
    QString id;
    QString listingId;
    QString analysisType;
    nlohmann::json params = nlohmann::json::object();
    JobStatus status = JobStatus::Queued;
    double progress = 0;
    QString partialOutput;
    SharedJson result; // immutable once set: copies of a job share it
    QString error;
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
    bool cancelRequested = false;
    int attempt = 1;
    std::optional<qint64> startedAt;
    std::optional<qint64> finishedAt;
    QString requestId;
    QString backend; // "local" | "remote", client side only; empty on the server
    QString owner; // tenant on the server, "local" for the local runner; never serialized to clients
    // The listing as the client sent it with the start (SPEC §5 `listing`): the job runs on this
    // snapshot instead of the backend's own listing, through every retry and takeover. Stored
    // with the job, never sent back on the wire.
    std::optional<Listing> listing;

    bool operator==(const Job &) const = default;
};

enum class JobJsonScope { Wire, Storage }; // Storage also carries `owner` and `listing`

nlohmann::json jobToJson(const Job &job, JobJsonScope scope = JobJsonScope::Wire);
// Throws std::invalid_argument naming the offending field.
Job jobFromJson(const nlohmann::json &json);

// What the engine runs for this job: its listing (or snapshot), type and params.
AnalysisRequest analysisRequestOf(const Job &job);

} // namespace dealscope
