-- The lease holder's pipeline checkpoint.
-- KEYS: 1 lease, 2 checkpoint   ARGV: 1 token, 2 checkpoint JSON, 3 TTL s
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'LOST' end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
return 'OK'
