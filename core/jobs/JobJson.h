#pragma once

#include "jobs/Job.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QStringView>

#include <optional>

namespace dealscope {

// The job JSON the server stores and serves, written straight from the Job: the same bytes as
// jobToJson(job, scope).dump() (compact, keys in sorted order) without first copying the params
// and result trees into a temporary json object. Every `job:{id}` value in Redis is written by
// this function, which is what wireFromStorage() relies on.
QByteArray serializeJob(const Job &job, JobJsonScope scope);

// Parses a stored job; the result tree is moved into the Job, not copied. nullopt when the bytes
// are not a job.
std::optional<Job> parseJob(QByteArrayView json);

// The fast path of parseJob(): serializeJob()'s own output for a job without a result and with
// empty params (what a claim hands a worker), read without a json tree. Only the plainest form
// is taken (ASCII strings without escapes, whole non-negative numbers, no null, values
// jobFromJson() accepts as they are); anything else, however valid, answers nullopt and is left
// to the general parse, which has the last word on what a job is.
std::optional<Job> parseCanonicalJob(QByteArrayView json);

// The wire JSON of a stored job when it belongs to `owner` (the stored bytes minus the owner and
// listing snapshot
// members, no parse for what serializeJob() wrote); nullopt for another owner's or an unreadable job.
std::optional<QByteArray> wireFromStorage(const QByteArray &stored, QStringView owner);

// The top-level status of job JSON written by serializeJob() (it is the last member but one, after
// any nested object); nullopt when the bytes are not a job.
std::optional<JobStatus> statusOfJobJson(QByteArrayView json);

// A quoted ETag over wire JSON, the same on every API process (FNV-1a 64).
QByteArray jsonEtag(QByteArrayView wire);

} // namespace dealscope
