-- Put in front of leased_write.lua and heartbeat.lua when they are loaded (RedisScripts).
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
