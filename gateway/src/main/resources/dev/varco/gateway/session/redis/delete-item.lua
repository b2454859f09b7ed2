-- ARGV: prefix, owner, conversation, item, now. 1: removed from the conversation; 0: no such conversation or item.
-- An item of a recorded response is only detached: it stays part of that response's turn.
local conversation, item = ARGV[3], ARGV[4]
if not owns(conversation, ARGV[2]) then return 0 end
if redis.call('ZREM', P .. 'conv:' .. conversation .. ':items', item) == 0 then return 0 end
if redis.call('HEXISTS', P .. 'item:' .. item, 'response') == 0 then delete_item(item) end
touch(conversation, ARGV[2], ARGV[5])
return 1
