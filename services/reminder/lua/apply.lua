-- Replace a task's scheduled reminders with those of a newer task version, atomically.
-- KEYS[1] schedule zset, KEYS[2] leases zset, KEYS[3] the task's state (JSON string),
-- KEYS[4] the lease epoch (bumped when a claimed member is cancelled: see claim.lua)
-- ARGV[1] version, ARGV[2] meta JSON, ARGV[3] "1" if the task is live, ARGV[4] reference ms
-- (reminders due before it are not new), ARGV[5] ttl seconds, ARGV[6] wake channel,
-- ARGV[7..] member, fire ms pairs. Returns -1 for a stale version, else members scheduled.
-- The task's state keeps the members it had at the last version; firing only releases the
-- lease (ack), so one found in neither zset has fired and is remembered as such.
local raw = redis.call('GET', KEYS[3])
local state = raw and cjson.decode(raw) or {v = 0, members = {}, fired = {}}
local version = tonumber(ARGV[1])
if version <= tonumber(state.v) then return -1 end
local old, fired, keep, remaining = {}, {}, {}, {}
local fired_list = state.fired or {}
for _, m in ipairs(fired_list) do fired[m] = true end
-- a member of the task in neither zset was fired (and forgotten) since the last version
for _, m in ipairs(state.members) do
  if redis.call('ZSCORE', KEYS[1], m) or redis.call('ZSCORE', KEYS[2], m) then
    old[m] = true
    table.insert(remaining, m)
  elseif not fired[m] then
    fired[m] = true
    table.insert(fired_list, m)
  end
end
while #fired_list > 32 do table.remove(fired_list, 1) end
state.members = remaining
state.fired = fired_list
local live = ARGV[3] == '1'
local reference = tonumber(ARGV[4])
if live then
  for i = 7, #ARGV, 2 do
    local m, score = ARGV[i], tonumber(ARGV[i + 1])
    if not fired[m] and (score > reference or old[m]) then keep[m] = score end
  end
  -- a snooze is not one of the task's reminders: it survives edits, not completion
  for _, m in ipairs(state.members) do
    if string.find(m, '|snooze-', 1, true) then keep[m] = true end
  end
end
for _, m in ipairs(state.members) do
  if not keep[m] then
    redis.call('ZREM', KEYS[1], m)
    if redis.call('ZREM', KEYS[2], m) == 1 then redis.call('INCR', KEYS[4]) end
  end
end
local members, earliest = {}, nil
for m, score in pairs(keep) do
  table.insert(members, m)
  if not old[m] then
    redis.call('ZADD', KEYS[1], score, m)
    if earliest == nil or score < earliest then earliest = score end
  end
end
table.sort(members)
state.v = version
state.members = members
state.live = live
state.meta = cjson.decode(ARGV[2])
redis.call('SET', KEYS[3], cjson.encode(state), 'EX', ARGV[5])
if earliest ~= nil then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if tonumber(first[2]) == earliest then redis.call('PUBLISH', ARGV[6], earliest) end
end
return #members
