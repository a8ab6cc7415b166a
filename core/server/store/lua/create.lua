-- Starts (docs/API.md §4). Dedup per (tenant, listingId, analysisType): the byListing key points at
-- the pair's job. A job is only ever returned for the same inputs (params and listing snapshot,
-- compared as the canonical JSON serializeJob() wrote): an active job with the same inputs is
-- joined, one with other inputs is a conflict (the client attaches or cancels); a success inside
-- the window with the same inputs is returned unless forced; anything else makes a new job.
-- An idempotency key makes a retried start return what the first one did: the job it created
-- or joined, whatever happened to the answer of the first.
-- Several starts in one call (a batch of API requests), in order: a later one sees the jobs the
-- earlier ones created. One stats update and one change message (ids joined by ',') per call.
-- KEYS: 1 stream, 2 stats, then 2 per start: its byListing key, its idempotency key ('' = none)
-- ARGV: 1 job key prefix, 2 now ms, 3 byListing TTL s, 4 success window ms, 5 channel,
--       6 idempotency TTL s, then 4 per start: new id, new job JSON, force ('1'), request
--       fingerprint (with an idempotency key)
-- Returns 2 items per start: a code and a job's JSON ('' when none):
--   1 created, 0 joined (same inputs), 2 conflict (active, other inputs), 3 idempotency key used
--   for another request, 4 the job this key created, 5 the job this key joined.
local out, created = {}, {}

-- The inputs of a job in serializeJob()'s canonical JSON: its listing snapshot (between
-- ,"listing":{ and ,"listingId":) and its params (up to the next member). Strings in it are
-- escaped, so these markers only ever match members. nil when the JSON is not that form.
local function inputs(doc)
  local listing = ''
  local ls = string.find(doc, ',"listing":{', 1, true)
  local li = string.find(doc, ',"listingId":', 1, true)
  if not li then return nil end
  if ls and ls < li then listing = string.sub(doc, ls, li - 1) end
  local ps = string.find(doc, ',"params":', li, true)
  if not ps then return nil end
  local pe = string.find(doc, ',"partialOutput":', ps, true) or string.find(doc, ',"progress":', ps, true)
  if not pe then return nil end
  return listing .. string.sub(doc, ps, pe - 1)
end

local function sameInputs(a, b)
  local x = inputs(a)
  return x ~= nil and x == inputs(b)
end

local n = (#ARGV - 6) / 4
for i = 0, n - 1 do
  local byListing, idemKey = KEYS[3 + i * 2], KEYS[4 + i * 2]
  local id, json, force, fingerprint = ARGV[7 + i * 4], ARGV[8 + i * 4], ARGV[9 + i * 4], ARGV[10 + i * 4]
  local code, answer = nil, ''
  if idemKey ~= '' then
    local prior = redis.call('GET', idemKey)
    if prior then
      local kind, fp, priorId = string.match(prior, '^(%a+):(%x+):(.+)$')
      if fp ~= fingerprint then
        code = 3
      else
        local cur = redis.call('GET', ARGV[1] .. (priorId or ''))
        -- A job that has expired since is started again, under the same key.
        if cur then
          code = kind == 'created' and 4 or 5
          answer = cur
        end
      end
    end
  end
  if not code then
    -- Claims the pair for the new id when it is free (one call instead of GET then SET; Redis 7).
    local existing = redis.call('SET', byListing, id, 'NX', 'GET', 'EX', ARGV[3])
    if existing then
      local cur = redis.call('GET', ARGV[1] .. existing)
      if cur then
        -- An unreadable stored job fails only its own start (C++ cannot parse what comes back),
        -- not the whole batch as a script error would.
        local ok, j = pcall(cjson.decode, cur)
        if not ok or type(j) ~= 'table' then
          code, answer = 0, cur
        elseif j.status == 'queued' or j.status == 'running' then
          if sameInputs(cur, json) then code = 0 else code = 2 end
          answer = cur
        elseif j.status == 'succeeded' and force ~= '1' and type(j.finishedAt) == 'number'
               and (tonumber(ARGV[2]) - j.finishedAt) < tonumber(ARGV[4]) and sameInputs(cur, json) then
          code, answer = 0, cur
        end
      end
    end
    if not code then
      redis.call('SET', ARGV[1] .. id, json)
      if existing then redis.call('SET', byListing, id, 'EX', ARGV[3]) end   -- replaces an older job's pointer
      redis.call('XADD', KEYS[1], '*', 'id', id)
      table.insert(created, id)
      code = 1
    end
    if idemKey ~= '' and (code == 0 or code == 1) then
      local kind, jobId = 'created', id
      if code == 0 then kind, jobId = 'joined', existing end
      redis.call('SET', idemKey, kind .. ':' .. fingerprint .. ':' .. jobId, 'EX', ARGV[6])
    end
  end
  table.insert(out, code); table.insert(out, answer)
end
if #created > 0 then
  redis.call('HINCRBY', KEYS[2], 'queued', #created)
  redis.call('PUBLISH', ARGV[5], table.concat(created, ','))
end
return out
