-- The per-token rate limit shared by every API process on this Redis: a token bucket (`rate`
-- per second, bursts of `capacity`) on Redis' own clock. KEYS: 1 bucket   ARGV: 1 rate, 2 capacity
-- Returns 0 when the request may pass, else the milliseconds until one would.
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
