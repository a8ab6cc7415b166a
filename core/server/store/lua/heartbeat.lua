-- Renews the lease, resets the stream entry's idle time (so XAUTOCLAIM leaves it alone) and
-- reports a cancel request or a lost job.
-- KEYS: 1 lease, 2 stream, 3 job
-- ARGV: 1 token, 2 lease ms, 3 group, 4 consumer, 5 entry id
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
