-- Charge one attempt to every counter in KEYS, or to none of them.
-- ARGV[1]: the window in seconds (a counter's TTL is set when it is first charged);
-- ARGV[1 + i]: the limit of KEYS[i].
-- Returns {0, 0} when charged, or {i, ttl} when KEYS[i] is already at its limit: nothing is
-- charged then, and ttl is how long until that counter empties.
-- Check and charge in one script, so parallel attempts cannot all read "below the limit"
-- before any of them writes. Commands that Redis 6.2 and 7 both have (no EXPIRE NX).
local window = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local used = tonumber(redis.call('GET', key) or '0')
  if used >= tonumber(ARGV[i + 1]) then
    local ttl = redis.call('TTL', key)
    if ttl < 1 then
      ttl = window
    end
    return {i, ttl}
  end
end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then
    redis.call('EXPIRE', key, window)
  end
end
return {0, 0}
