-- ARGV: prefix, owner, conversation, item. The item's data; false when the conversation or the item is unknown.
if not owns(ARGV[3], ARGV[2]) then return false end
if not redis.call('ZSCORE', P .. 'conv:' .. ARGV[3] .. ':items', ARGV[4]) then return false end
return redis.call('HGET', P .. 'item:' .. ARGV[4], 'data')
