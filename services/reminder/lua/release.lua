-- Forget claims (ARGV[1] = 'ack': published or dropped) or hand them back to the schedule at
-- their fire time (ARGV[1] = 'return': a replica stopping before their time). Only a lease
-- that still has this claim's expiry is touched: one another replica re-claimed is not ours.
-- KEYS[1] schedule, KEYS[2] leases; ARGV[2] wake channel; ARGV[3..] pairs: lease expiry ms,
-- members joined with '|' (see claim.lua). Returns how many leases were released.
local back = ARGV[1] == 'return'
local released, earliest = 0, nil
for i = 3, #ARGV, 2 do
  local expires = tonumber(ARGV[i])
  for m in string.gmatch(ARGV[i + 1], '[^|]+|[^|]+|%-?%d+') do
    local score = redis.call('ZSCORE', KEYS[2], m)
    if score and tonumber(score) == expires then
      redis.call('ZREM', KEYS[2], m)
      released = released + 1
      if back then
        local fire = tonumber(string.match(m, '|(%-?%d+)$'))
        redis.call('ZADD', KEYS[1], fire, m)
        if earliest == nil or fire < earliest then earliest = fire end
      end
    end
  end
end
if earliest ~= nil then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if tonumber(first[2]) == earliest then redis.call('PUBLISH', ARGV[2], earliest) end
end
return released
