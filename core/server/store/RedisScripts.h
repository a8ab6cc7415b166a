#pragma once

namespace dealscope::server::redis_scripts {

// The Lua scripts of the Redis store: every read-modify-write that could race runs atomically in
// Redis. The job's next JSON is always computed in C++ by the shared JobStateMachine; the scripts
// only decide whether the write may happen (dedup, compare-and-set, lease, cancel flag).
extern const char *const kCreate;
extern const char *const kCompareAndSet;
extern const char *const kLeasedWrite;
extern const char *const kHeartbeat;
extern const char *const kCheckpoint;
extern const char *const kReadNext;

} // namespace dealscope::server::redis_scripts
