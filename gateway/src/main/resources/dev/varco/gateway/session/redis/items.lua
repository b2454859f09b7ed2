-- ARGV: prefix, owner, conversation, after ('' for the start), count (-1: all), '1' for newest first.
-- {1, id, data, ...}; {0} when there is no such conversation; {-1} when `after` is not one of its items.
if not owns(ARGV[3], ARGV[2]) then return {0} end
local key = P .. 'conv:' .. ARGV[3] .. ':items'
local newest = ARGV[6] == '1'
local start = 0
if ARGV[4] ~= '' then
  local rank
  if newest then rank = redis.call('ZREVRANK', key, ARGV[4]) else rank = redis.call('ZRANK', key, ARGV[4]) end
  if not rank then return {-1} end
  start = rank + 1
end
local count = tonumber(ARGV[5])
local stop = -1
if count >= 0 then stop = start + count - 1 end
local ids
if newest then ids = redis.call('ZREVRANGE', key, start, stop) else ids = redis.call('ZRANGE', key, start, stop) end
local result = {1}
add_item_data(result, ids)
return result
