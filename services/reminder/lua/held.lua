-- Which claims does this replica still hold? Checked right before publishing when the lease
-- epoch moved since the claim (claim.lua): a completion, deletion or reschedule removes the
-- member's lease (apply.lua), and a replica that re-claimed an expired lease gave it another
-- expiry, so either way the old claim is not published.
-- KEYS[1] leases; ARGV pairs: lease expiry ms, members joined with '|' (see claim.lua).
-- Returns one character per member, in order: '1' held, '0' not.
local out = {}
for i = 1, #ARGV, 2 do
  local expires = tonumber(ARGV[i])
  for m in string.gmatch(ARGV[i + 1], '[^|]+|[^|]+|%-?%d+') do
    local score = redis.call('ZSCORE', KEYS[1], m)
    out[#out + 1] = (score and tonumber(score) == expires) and '1' or '0'
  end
end
return table.concat(out)
