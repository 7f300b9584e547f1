-- Claim due reminders for one replica: move them from the schedule to the leases zset
-- (scored by lease expiry); leases that expired (a replica died mid-publish) are re-claimed.
-- KEYS[1] schedule, KEYS[2] leases; ARGV[1] now ms, ARGV[2] lease ms, ARGV[3] limit (≤ 4000).
-- Returns member, "1" if re-claimed else "0", ... (ZRANGEBYSCORE: Redis 6.2 and 7).
local now, limit = tonumber(ARGV[1]), tonumber(ARGV[3])
local expires = now + tonumber(ARGV[2])
local out, pairs_ = {}, {}
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit)
for _, m in ipairs(expired) do
  table.insert(out, m)
  table.insert(out, '1')
end
local room = limit - #expired
if room > 0 then
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, room)
  if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
  for _, m in ipairs(due) do
    table.insert(out, m)
    table.insert(out, '0')
  end
end
for i = 1, #out, 2 do
  table.insert(pairs_, expires)
  table.insert(pairs_, out[i])
end
if #pairs_ > 0 then redis.call('ZADD', KEYS[2], unpack(pairs_)) end
return out
