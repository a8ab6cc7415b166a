#pragma once

#include "server/store/RedisConnection.h"

namespace dealscope::server {

// The Lua scripts of the Redis store (lua/*.lua, compiled in as resources under :/redis/): every
// read-modify-write that could race runs atomically in Redis. The job's next JSON is computed in
// C++ by the shared JobStateMachine; the scripts decide whether the write may happen (dedup,
// compare-and-set, lease, cancel flag). One exception, claimBatch: queued → running of the JSON
// serializeJob() wrote is a fixed rewrite of its tail (startedAt, status, updatedAt), done in Lua
// so a worker claims many jobs in one round trip; anything else it hands back for the C++ path.
// Each file says its KEYS, ARGV and answer.
class RedisScripts final
{
public:
    // Read once per process.
    static const RedisScripts &instance();

    RedisConnection::Script create;
    RedisConnection::Script compareAndSet;
    RedisConnection::Script leasedWrite; // job_state.lua + leased_write.lua
    RedisConnection::Script heartbeat; // job_state.lua + heartbeat.lua
    RedisConnection::Script checkpoint;
    RedisConnection::Script claimBatch;
    RedisConnection::Script rateLimit;

private:
    RedisScripts();
};

} // namespace dealscope::server
