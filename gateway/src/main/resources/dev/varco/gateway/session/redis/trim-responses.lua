-- ARGV: prefix, owner, responses kept, count. Deletes up to `count` of the owner's oldest responses
-- beyond the newest `kept`; returns how many. An owner left with nothing leaves the owners' set.
local owner = ARGV[2]
local key = P .. 'owner:' .. owner .. ':responses'
local excess = redis.call('ZCARD', key) - tonumber(ARGV[3])
local ids = {}
if excess > 0 then ids = redis.call('ZRANGE', key, 0, math.min(excess, tonumber(ARGV[4])) - 1) end
for _, id in ipairs(ids) do delete_response(id) end
forget_if_empty(owner)
return #ids
