-- ARGV: prefix, owner, response. {1, data, id, item data, ...} with the output items; {0} when there is none.
local key = P .. 'resp:' .. ARGV[3]
if redis.call('HGET', key, 'owner') ~= ARGV[2] then return {0} end
local fields = redis.call('HMGET', key, 'data', 'output')
local result = {1, fields[1]}
add_item_data(result, split(fields[2]))
return result
