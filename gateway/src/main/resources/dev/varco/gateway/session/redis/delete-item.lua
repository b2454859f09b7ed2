-- ARGV: prefix, owner, conversation, item. 1: removed from the conversation; 0: no such conversation or item.
-- An item of a recorded response is only detached: it stays part of that response's turn.
local conversation, item = ARGV[3], ARGV[4]
if not owns(conversation, ARGV[2]) then return 0 end
if redis.call('ZREM', P .. 'conv:' .. conversation .. ':items', item) == 0 then return 0 end
local key = P .. 'item:' .. item
if redis.call('HEXISTS', key, 'response') == 0 then redis.call('DEL', key) end
return 1
