-- ARGV: prefix, owner, conversation. 1: deleted; 0: no such conversation.
-- Items of recorded responses stay (their responses' turns stay readable); the others go.
local owner, id = ARGV[2], ARGV[3]
if not owns(id, owner) then return 0 end
local list = P .. 'conv:' .. id .. ':items'
for _, item in ipairs(redis.call('ZRANGE', list, 0, -1)) do
  local key = P .. 'item:' .. item
  if redis.call('HEXISTS', key, 'response') == 0 then redis.call('DEL', key) end
end
redis.call('DEL', list, P .. 'conv:' .. id)
redis.call('ZREM', P .. 'owner:' .. owner .. ':conversations', id)
return 1
