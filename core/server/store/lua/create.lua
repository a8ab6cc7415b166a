-- Dedup per (tenant, listingId, analysisType): the byListing key points at the pair's job; an
-- active job, or a success inside the window unless forced, is returned instead of a new one.
-- Several starts in one call (a batch of API requests), in order: a later one sees the jobs the
-- earlier ones created. One stats update and one change message (ids joined by ',') per call.
-- KEYS: 1 stream, 2 stats, then the byListing key of each start
-- ARGV: 1 job key prefix, 2 now ms, 3 byListing TTL s, 4 success window ms, 5 channel,
--       then 3 per start: new id, new job JSON, force
-- Returns 2 items per start: 1 and '' (created) or 0 and the existing job's JSON.
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
