-- ARGV: prefix, conversation, response. Deletes the turn mark only when this response still holds it.
local key = P .. 'turn:' .. ARGV[2]
if redis.call('GET', key) == ARGV[3] then return redis.call('DEL', key) end
return 0
