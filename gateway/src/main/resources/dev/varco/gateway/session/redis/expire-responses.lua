-- ARGV: prefix, cutoff (seconds), count. Deletes up to `count` responses created before `cutoff`,
-- oldest first; returns how many.
local ids = redis.call('ZRANGEBYSCORE', P .. 'responses:created', '-inf', '(' .. ARGV[2], 'LIMIT', 0, ARGV[3])
for _, id in ipairs(ids) do delete_response(id) end
return #ids
