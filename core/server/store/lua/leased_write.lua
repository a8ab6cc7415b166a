-- Writes by the worker holding the lease. A stale worker (lease taken over or expired) cannot
-- write; progress never overwrites a cancel request, and neither does a finish (other than to
-- canceled) nor a release: both answer 'CANCEL' without writing. Several writes in one call (the terminal
-- writes of a batch of fast jobs) share one stats update and one change message (ids joined by ',').
-- A finish's JSON (it carries the result, a few KB) does not pass through the script: Redis'
-- Lua hashes every string it is handed, byte by byte, which made the finish the costliest part
-- of a job in Redis. The caller SETs it with its TTL under the staging key in the same
-- pipeline, and the script RENAMEs it over the job (new JSON '' means staged); a write the
-- script refuses deletes the staged copy.
-- KEYS: 7 per write: job, lease, stats, stream, byListing, checkpoint, staging
-- ARGV: 12 per write: token, new JSON ('' = staged), kind (progress|finish|requeue|resume|release),
--       lease ms, TTL s, old status, new status, channel, job id, entry id, group, byListing TTL s
-- Returns one of 'OK', 'CANCEL', 'LOST' per write.
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
