-- Compare-and-set of a job's JSON (API cancel, worker claim and takeover).
-- KEYS: 1 job, 2 lease, 3 stats, 4 stream
-- ARGV: 1 expected JSON, 2 new JSON, 3 lease mode (keep|take), 4 lease token, 5 lease ms,
--       6 TTL s when terminal (0 = none), 7 old status, 8 new status, 9 channel, 10 job id,
--       11 group, 12 entry id to ack when terminal ('' = none)
-- Returns {1} written, {0, current} changed meanwhile, {2} lease held by a live worker.
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
