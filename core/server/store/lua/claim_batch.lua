-- Claims up to COUNT queued jobs in one round trip (a worker whose jobs are fast). For each
-- entry read from the group: a job that is gone or terminal is acknowledged and skipped, one
-- already running (claimed directly by a push consumer) too; a queued job in serializeJob()'s
-- canonical form without error/finishedAt is rewritten to running exactly as
-- JobStateMachine::transition(queued → running) does (startedAt = now, updatedAt = max(updatedAt,
-- now)), gets its lease and is counted and announced like a kCompareAndSet claim (one stats
-- update and one change message, ids joined by ',', for the whole batch). Anything else
-- goes back to C++ ('slow') with its current JSON; the entry stays pending for that worker.
-- KEYS: 1 stream, 2 stats
-- ARGV: 1 group, 2 consumer, 3 count, 4 job key prefix, 5 lease key prefix, 6 lease token prefix,
--       7 lease ms, 8 now ms, 9 channel
-- Returns a flat list, 5 items per entry: entryId, jobId, 'claimed'|'resumed'|'slow', JSON, lease
-- token ('resumed': claimed, and the job has run before, so its worker loads the checkpoint).
-- Acknowledged entries leave the stream here too (XTRIM MINID at the end), not one by one.
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
