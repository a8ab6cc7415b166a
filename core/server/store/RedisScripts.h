#pragma once

namespace dealscope::server::redis_scripts {

// The Lua scripts of the Redis store: every read-modify-write that could race runs atomically in
// Redis. The job's next JSON is computed in C++ by the shared JobStateMachine; the scripts decide
// whether the write may happen (dedup, compare-and-set, lease, cancel flag). One exception,
// kClaimBatch: queued → running of the JSON serializeJob() wrote is a fixed rewrite of its tail
// (startedAt, status, updatedAt), done in Lua so a worker claims many jobs in one round trip;
// anything else it hands back for the C++ path.
extern const char *const kCreate;
extern const char *const kCompareAndSet;
extern const char *const kLeasedWrite;
extern const char *const kHeartbeat;
extern const char *const kCheckpoint;
extern const char *const kClaimBatch;
extern const char *const kRateLimit;

} // namespace dealscope::server::redis_scripts
