-- Claim reminders for one replica: move those due by the horizon from the schedule to the
-- leases zset, scored by lease expiry; leases that expired (a replica died mid-publish, or its
-- publish failed) are re-claimed. A claim made ahead of its fire time is not fired before it.
-- KEYS[1] schedule, KEYS[2] leases, KEYS[3] the lease epoch: a counter bumped whenever a lease
-- is taken from its holder (re-claimed here, or cancelled by apply.lua). A holder that finds it
-- unchanged since its claim knows it still holds every lease of that claim.
-- ARGV[1] now ms, ARGV[2] horizon ms (>= now: claim what is due by then), ARGV[3] lease expiry
-- ms (>= horizon + the lease), ARGV[4] limit (<= 4000).
-- Returns {re-claimed members, newly claimed members, epoch}; the members joined with '|'
-- (a member is '<task id>|<reminder id>|<fire ms>' and no id holds a '|'): one reply string
-- keeps a big claim cheap to read for the client. (ZRANGEBYSCORE: Redis 6.2 and 7.)
local now, horizon, expires = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local pairs_ = {}
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit)
if #expired > 0 then redis.call('INCR', KEYS[3]) end
local due = {}
local room = limit - #expired
if room > 0 then
  due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', horizon, 'LIMIT', 0, room)
  if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
end
for _, list in ipairs({expired, due}) do
  for _, m in ipairs(list) do
    table.insert(pairs_, expires)
    table.insert(pairs_, m)
  end
end
if #pairs_ > 0 then redis.call('ZADD', KEYS[2], unpack(pairs_)) end
local epoch = redis.call('GET', KEYS[3]) or '0'
return {table.concat(expired, '|'), table.concat(due, '|'), epoch}
