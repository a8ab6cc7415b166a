#include "server/store/RedisScripts.h"

#include <array>
#include <cstddef>

namespace dealscope::server::redis_scripts {

namespace {

// Lua shared by the scripts that read a job's state, put in front of their text when compiled.
constexpr char kJobStateLua[] = R"LUA(
-- status and cancel flag of a job; serializeJob()'s canonical form is read without a decode
-- (status is the member before the final updatedAt, cancelRequested the first one after scalars)
local function jobState(cur)
  -- looked for near the end, where it is, instead of by a pattern tried at every position
  local at = string.find(cur, ',"status":"', math.max(1, #cur - 64), true)
  local status = at and string.match(cur, '^,"status":"(%a+)","updatedAt":%d+}$', at)
  local c = string.find(cur, ',"cancelRequested":', 1, true)
  if status and c and string.sub(cur, 1, 17) == '{"analysisType":"' then
    return status, string.sub(cur, c + 19, c + 22) == 'true'
  end
  local j = cjson.decode(cur)
  return j.status, j.cancelRequested == true
end
)LUA";

template <size_t Body> consteval std::array<char, sizeof kJobStateLua + Body - 1> withJobState(const char (&body)[Body])
{
    std::array<char, sizeof kJobStateLua + Body - 1> text {};
    size_t n = 0;
    for (size_t i = 0; i + 1 < sizeof kJobStateLua; ++i)
        text[n++] = kJobStateLua[i];
    for (size_t i = 0; i < Body; ++i) // with its terminating null
        text[n++] = body[i];
    return text;
}

} // namespace

// Dedup per (tenant, listingId, analysisType): the byListing key points at the pair's job; an
// active job, or a success inside the window unless forced, is returned instead of a new one.
// Several starts in one call (a batch of API requests), in order: a later one sees the jobs the
// earlier ones created. One stats update and one change message (ids joined by ',') per call.
// KEYS: 1 stream, 2 stats, then the byListing key of each start
// ARGV: 1 job key prefix, 2 now ms, 3 byListing TTL s, 4 success window ms, 5 channel,
//       then 3 per start: new id, new job JSON, force
// Returns 2 items per start: 1 and '' (created) or 0 and the existing job's JSON.
const char *const kCreate = R"LUA(
local out, created = {}, {}
local n = (#ARGV - 5) / 3
for i = 0, n - 1 do
  local byListing = KEYS[3 + i]
  local id, json, force = ARGV[6 + i * 3], ARGV[7 + i * 3], ARGV[8 + i * 3]
  local found = nil
  -- Claims the pair for the new id when it is free (one call instead of GET then SET; Redis 7).
  local existing = redis.call('SET', byListing, id, 'NX', 'GET', 'EX', ARGV[3])
  if existing then
    local cur = redis.call('GET', ARGV[1] .. existing)
    if cur then
      -- An unreadable stored job fails only its own start (C++ cannot parse what comes back),
      -- not the whole batch as a script error would.
      local ok, j = pcall(cjson.decode, cur)
      if not ok or type(j) ~= 'table' then
        found = cur
      else
        if j.status == 'queued' or j.status == 'running' then found = cur end
        if j.status == 'succeeded' and force ~= '1' and type(j.finishedAt) == 'number'
           and (tonumber(ARGV[2]) - j.finishedAt) < tonumber(ARGV[4]) then
          found = cur
        end
      end
    end
  end
  if found then
    table.insert(out, 0); table.insert(out, found)
  else
    redis.call('SET', ARGV[1] .. id, json)
    if existing then redis.call('SET', byListing, id, 'EX', ARGV[3]) end   -- replaces an inactive job's pointer
    redis.call('XADD', KEYS[1], '*', 'id', id)
    table.insert(created, id)
    table.insert(out, 1); table.insert(out, '')
  end
end
if #created > 0 then
  redis.call('HINCRBY', KEYS[2], 'queued', #created)
  redis.call('PUBLISH', ARGV[5], table.concat(created, ','))
end
return out
)LUA";

// Compare-and-set of a job's JSON (API cancel, worker claim and takeover).
// KEYS: 1 job, 2 lease, 3 stats, 4 stream
// ARGV: 1 expected JSON, 2 new JSON, 3 lease mode (keep|take), 4 lease token, 5 lease ms,
//       6 TTL s when terminal (0 = none), 7 old status, 8 new status, 9 channel, 10 job id,
//       11 group, 12 entry id to ack when terminal ('' = none)
// Returns {1} written, {0, current} changed meanwhile, {2} lease held by a live worker.
const char *const kCompareAndSet = R"LUA(
local cur = redis.call('GET', KEYS[1])
if cur ~= ARGV[1] then return {0, cur or ''} end
if ARGV[3] == 'take' then
  if redis.call('EXISTS', KEYS[2]) == 1 then return {2} end
  redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[5])
end
if tonumber(ARGV[6]) > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[6])
  if ARGV[12] ~= '' then
    redis.call('XACK', KEYS[4], ARGV[11], ARGV[12])
  end
else
  redis.call('SET', KEYS[1], ARGV[2])
end
if ARGV[7] ~= ARGV[8] then
  if ARGV[7] == 'queued' or ARGV[7] == 'running' then redis.call('HINCRBY', KEYS[3], ARGV[7], -1) end
  redis.call('HINCRBY', KEYS[3], ARGV[8], 1)
end
redis.call('PUBLISH', ARGV[9], ARGV[10])
return {1}
)LUA";

// Writes by the worker holding the lease. A stale worker (lease taken over or expired) cannot
// write; progress never overwrites a cancel request, and neither does a finish (other than to
// canceled) nor a release: both answer 'CANCEL' without writing. Several writes in one call (the terminal
// writes of a batch of fast jobs) share one stats update and one change message (ids joined by ',').
// A finish's JSON (it carries the result, a few KB) does not pass through the script: Redis'
// Lua hashes every string it is handed, byte by byte, which made the finish the costliest part
// of a job in Redis. The caller SETs it with its TTL under the staging key in the same
// pipeline, and the script RENAMEs it over the job (new JSON '' means staged); a write the
// script refuses deletes the staged copy.
// KEYS: 7 per write: job, lease, stats, stream, byListing, checkpoint, staging
// ARGV: 12 per write: token, new JSON ('' = staged), kind (progress|finish|requeue|resume|release),
//       lease ms, TTL s, old status, new status, channel, job id, entry id, group, byListing TTL s
// Returns one of 'OK', 'CANCEL', 'LOST' per write.
constexpr auto kLeasedWriteText = withJobState(R"LUA(
local stats, changed, acks = {}, {}, {}
-- Write i (0-based) reads its 7 keys and 12 arguments in place: KEYS[k + n], ARGV[a + n]
-- (copying them into tables per write cost more than the writes' own commands).
local function ack(entryId)
  if entryId ~= '' then table.insert(acks, entryId) end
end
local function write(k, a)
  -- the lease and the job in one call
  local got = redis.call('MGET', KEYS[k + 2], KEYS[k + 1])
  if got[1] ~= ARGV[a + 1] then return 'LOST' end
  local cur = got[2]
  if not cur then
    ack(ARGV[a + 10])
    redis.call('DEL', KEYS[k + 2])
    return 'LOST'
  end
  local status, cancelRequested = jobState(cur)
  if status == 'succeeded' or status == 'failed' or status == 'canceled' then
    ack(ARGV[a + 10])
    redis.call('DEL', KEYS[k + 2])
    return 'LOST'
  end
  local kind, to = ARGV[a + 3], ARGV[a + 7]
  if (kind == 'progress' or kind == 'requeue' or kind == 'resume') and cancelRequested then
    return 'CANCEL'
  end
  -- An accepted cancel outlives a late finish or a hand-back: nothing is written and the caller
  -- writes the job canceled instead (a 'finish' to canceled, which passes here).
  if cancelRequested and (kind == 'release' or (kind == 'finish' and to ~= 'canceled')) then
    return 'CANCEL'
  end
  if kind == 'finish' then
    if ARGV[a + 2] ~= '' then
      redis.call('SET', KEYS[k + 1], ARGV[a + 2], 'EX', ARGV[a + 5])
    else
      -- Keeps the TTL the staging SET gave it. Nothing staged (cannot happen in one pipeline)
      -- writes nothing: the lease expires and the job is run again.
      local moved = redis.pcall('RENAME', KEYS[k + 7], KEYS[k + 1])
      if type(moved) == 'table' and moved.err then return 'LOST' end
    end
    redis.call('DEL', KEYS[k + 2], KEYS[k + 6])
    ack(ARGV[a + 10])
    if to == 'succeeded' then
      redis.call('SET', KEYS[k + 5], ARGV[a + 9], 'EX', ARGV[a + 12])
    end
  elseif kind == 'release' then
    redis.call('SET', KEYS[k + 1], ARGV[a + 2])
    redis.call('DEL', KEYS[k + 2])
    ack(ARGV[a + 10])
    redis.call('XADD', KEYS[k + 4], '*', 'id', ARGV[a + 9])
  else
    redis.call('SET', KEYS[k + 1], ARGV[a + 2])
    redis.call('PEXPIRE', KEYS[k + 2], ARGV[a + 4])
    redis.call('EXPIRE', KEYS[k + 5], ARGV[a + 12])
  end
  local from = ARGV[a + 6]
  if from ~= to then
    stats[from] = (stats[from] or 0) - 1
    stats[to] = (stats[to] or 0) + 1
  end
  table.insert(changed, ARGV[a + 9])
  return 'OK'
end
local out = {}
for i = 0, #KEYS / 7 - 1 do
  local k, a = i * 7, i * 12
  out[i + 1] = write(k, a)
  if out[i + 1] ~= 'OK' and ARGV[a + 2] == '' then redis.call('DEL', KEYS[k + 7]) end
end
for name, delta in pairs(stats) do
  if delta ~= 0 then redis.call('HINCRBY', KEYS[3], name, delta) end
end
if #acks > 0 then
  -- after the writes above, in the same atomic call: XACK after the terminal write. Like every
  -- acknowledged entry they are removed by kClaimBatch's trim, a stream node at a time: an XDEL
  -- walks the entry's node to find it, ~5 µs a job.
  redis.call('XACK', KEYS[4], ARGV[11], unpack(acks))
end
if #changed > 0 then redis.call('PUBLISH', ARGV[8], table.concat(changed, ',')) end
return out
)LUA");
const char *const kLeasedWrite = kLeasedWriteText.data();

// Renews the lease, resets the stream entry's idle time (so XAUTOCLAIM leaves it alone) and
// reports a cancel request or a lost job.
// KEYS: 1 lease, 2 stream, 3 job
// ARGV: 1 token, 2 lease ms, 3 group, 4 consumer, 5 entry id
constexpr auto kHeartbeatText = withJobState(R"LUA(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'LOST' end
local cur = redis.call('GET', KEYS[3])
if not cur then return 'LOST' end
local status, cancelRequested = jobState(cur)
if status == 'succeeded' or status == 'failed' or status == 'canceled' then
  redis.call('DEL', KEYS[1])
  if ARGV[5] ~= '' then
    redis.call('XACK', KEYS[2], ARGV[3], ARGV[5])
  end
  return 'LOST'
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[5] ~= '' then
  redis.call('XCLAIM', KEYS[2], ARGV[3], ARGV[4], 0, ARGV[5], 'JUSTID')
end
if cancelRequested then return 'CANCEL' end
return 'OK'
)LUA");
const char *const kHeartbeat = kHeartbeatText.data();

// The lease holder's pipeline checkpoint.
// KEYS: 1 lease, 2 checkpoint   ARGV: 1 token, 2 checkpoint JSON, 3 TTL s
const char *const kCheckpoint = R"LUA(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'LOST' end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
return 'OK'
)LUA";

// Claims up to COUNT queued jobs in one round trip (a worker whose jobs are fast). For each
// entry read from the group: a job that is gone or terminal is acknowledged and skipped, one
// already running (claimed directly by a push consumer) too; a queued job in serializeJob()'s
// canonical form without error/finishedAt is rewritten to running exactly as
// JobStateMachine::transition(queued → running) does (startedAt = now, updatedAt = max(updatedAt,
// now)), gets its lease and is counted and announced like a kCompareAndSet claim (one stats
// update and one change message, ids joined by ',', for the whole batch). Anything else
// goes back to C++ ('slow') with its current JSON; the entry stays pending for that worker.
// KEYS: 1 stream, 2 stats
// ARGV: 1 group, 2 consumer, 3 count, 4 job key prefix, 5 lease key prefix, 6 lease token prefix,
//       7 lease ms, 8 now ms, 9 channel
// Returns a flat list, 5 items per entry: entryId, jobId, 'claimed'|'resumed'|'slow', JSON, lease
// token ('resumed': claimed, and the job has run before, so its worker loads the checkpoint).
// Acknowledged entries leave the stream here too (XTRIM MINID at the end), not one by one.
const char *const kClaimBatch = R"LUA(
local r = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[3], 'STREAMS', KEYS[1], '>')
if not r then return {} end
local out, claimed = {}, {}
local now = ARGV[8]
local function skip(entryId)
  redis.call('XACK', KEYS[1], ARGV[1], entryId)
end
local entries = r[1][2]
for i, entry in ipairs(entries) do
  local entryId = entry[1]
  local jobId = entry[2][2]
  local cur = jobId and redis.call('GET', ARGV[4] .. jobId)
  if not cur then
    skip(entryId)
  else
    local head, updated
    local q = string.find(cur, ',"status":"queued","updatedAt":', math.max(1, #cur - 64), true)
    if q then
      updated = string.match(cur, '^,"status":"queued","updatedAt":(%d+)}$', q)
      if updated then head = string.sub(cur, 1, q - 1) end
    end
    local token = ARGV[6] .. i
    if head and string.sub(cur, 1, 17) == '{"analysisType":"'
       and not string.find(cur, ',"error":', 1, true) and not string.find(cur, ',"finishedAt":', 1, true)
       and redis.call('SET', ARGV[5] .. jobId, token, 'PX', ARGV[7], 'NX') then   -- the lease, unless one is held
      local s = string.find(head, ',"startedAt":', math.max(1, #head - 40), true)
      -- a job that ran before (handed back) resumes from its checkpoint: 'resumed'
      local ranBefore = s and string.find(head, '^,"startedAt":%d+$', s)
      if ranBefore then head = string.sub(head, 1, s - 1) end
      local upd = now
      if tonumber(updated) > tonumber(now) then upd = updated end
      local nextJson = head .. ',"startedAt":' .. now .. ',"status":"running","updatedAt":' .. upd .. '}'
      redis.call('SET', ARGV[4] .. jobId, nextJson)
      table.insert(claimed, jobId)
      table.insert(out, entryId); table.insert(out, jobId)
      if ranBefore then table.insert(out, 'resumed') else table.insert(out, 'claimed') end
      table.insert(out, nextJson); table.insert(out, token)
    else
      local status = string.match(cur, ',"status":"(%a+)","updatedAt":%d+}$')
      if status == 'running' or status == 'succeeded' or status == 'failed' or status == 'canceled' then
        skip(entryId)
      else
        table.insert(out, entryId); table.insert(out, jobId); table.insert(out, 'slow')
        table.insert(out, cur); table.insert(out, '')
      end
    end
  end
end
if #claimed > 0 then
  redis.call('HINCRBY', KEYS[2], 'queued', -#claimed)
  redis.call('HINCRBY', KEYS[2], 'running', #claimed)
  redis.call('PUBLISH', ARGV[9], table.concat(claimed, ','))
end
-- Finished jobs' entries are acknowledged, not deleted: everything older than the oldest pending
-- entry, and not newer than the last one read here, is done and goes, whole stream nodes at a
-- time ('~'). Undelivered entries are newer than the last read, pending ones at least the oldest.
local trimTo = entries[#entries][1]
local oldest = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1)[1]
if oldest then
  local oms, oseq = string.match(oldest[1], '^(%d+)-(%d+)$')
  local tms, tseq = string.match(trimTo, '^(%d+)-(%d+)$')
  if tonumber(oms) < tonumber(tms) or (oms == tms and tonumber(oseq) < tonumber(tseq)) then trimTo = oldest[1] end
end
redis.call('XTRIM', KEYS[1], 'MINID', '~', trimTo)
return out
)LUA";

// The per-token rate limit shared by every API process on this Redis: a token bucket (`rate`
// per second, bursts of `capacity`) on Redis' own clock. KEYS: 1 bucket   ARGV: 1 rate, 2 capacity
// Returns 0 when the request may pass, else the milliseconds until one would.
const char *const kRateLimit = R"LUA(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ms')
local tokens = tonumber(b[1]) or cap
local last = tonumber(b[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - last) * rate / 1000)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.max(1, math.ceil((1 - tokens) * 1000 / rate))
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ms', string.format('%d', now))
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.ceil(cap * 1000 / rate) + 1000))
return wait
)LUA";

} // namespace dealscope::server::redis_scripts
