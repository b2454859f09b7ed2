-- ARGV: prefix, owner, after ('' for the newest), count.
-- {1, id, created_at, metadata, ...} newest first; {0} when `after` is not one of the owner's.
local key = P .. 'owner:' .. ARGV[2] .. ':conversations'
local start = 0
if ARGV[3] ~= '' then
  local rank = redis.call('ZREVRANK', key, ARGV[3])
  if not rank then return {0} end
  start = rank + 1
end
local result = {1}
for _, id in ipairs(redis.call('ZREVRANGE', key, start, start + tonumber(ARGV[4]) - 1)) do
  local fields = redis.call('HMGET', P .. 'conv:' .. id, 'created_at', 'metadata')
  table.insert(result, id)
  table.insert(result, fields[1])
  table.insert(result, fields[2])
end
return result
