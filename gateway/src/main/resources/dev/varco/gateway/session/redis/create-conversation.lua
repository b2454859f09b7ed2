-- ARGV: prefix, owner, id, created_at, metadata json, items.
-- 1: created; -1: an id is taken; -2: an image is missing (send them all).
local owner, id, created = ARGV[2], ARGV[3], ARGV[4]
local items, images = read_items(6)
if redis.call('EXISTS', P .. 'conv:' .. id) == 1 or not all_new(items) then return -1 end
if not images_present(items, images) then return -2 end
redis.call('HSET', P .. 'conv:' .. id, 'owner', owner, 'created_at', created, 'metadata', ARGV[5], 'seq', 0)
-- Scored by creation time: ZREVRANGE lists newest first, ties by id descending.
redis.call('ZADD', P .. 'owner:' .. owner .. ':conversations', created, id)
write_items(items, images, id, '')
touch(id, owner, created)
return 1
