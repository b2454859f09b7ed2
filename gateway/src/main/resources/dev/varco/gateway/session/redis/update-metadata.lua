-- ARGV: prefix, owner, conversation, metadata json, now. The conversation's created_at; false when there is none.
local key = P .. 'conv:' .. ARGV[3]
if not owns(ARGV[3], ARGV[2]) then return false end
redis.call('HSET', key, 'metadata', ARGV[4])
touch(ARGV[3], ARGV[2], ARGV[5])
return redis.call('HGET', key, 'created_at')
