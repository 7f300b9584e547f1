-- Add a one-off (snooze) reminder to a task's schedule.
-- KEYS[1] schedule, KEYS[2] the task's state; ARGV[1] member, ARGV[2] fire ms, ARGV[3] the
-- task version the caller read, ARGV[4] meta JSON, ARGV[5] ttl seconds, ARGV[6] wake channel,
-- ARGV[7] how many reminders (snoozes included) a task may have pending.
-- Returns 0 when a newer task version already finished the task, -1 when the task already has
-- ARGV[7] reminders waiting to fire, else 1.
local raw = redis.call('GET', KEYS[2])
local state = raw and cjson.decode(raw) or {v = 0, members = {}, fired = {}, live = true}
if tonumber(state.v) > tonumber(ARGV[3]) and not state.live then return 0 end
local pending = 0
for _, m in ipairs(state.members) do
  if redis.call('ZSCORE', KEYS[1], m) then pending = pending + 1 end
end
if pending >= tonumber(ARGV[7]) then return -1 end
if not raw then state.meta = cjson.decode(ARGV[4]) end
table.insert(state.members, ARGV[1])
local ttl = redis.call('TTL', KEYS[2])
if ttl < tonumber(ARGV[5]) then ttl = tonumber(ARGV[5]) end
redis.call('SET', KEYS[2], cjson.encode(state), 'EX', ttl)
local score = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], score, ARGV[1])
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if tonumber(first[2]) == score then redis.call('PUBLISH', ARGV[6], score) end
return 1
