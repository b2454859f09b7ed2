-- ARGV: prefix, owner, conversation ('' for none), response id, response json, previous id ('' for none),
-- number of output items (the last ones), now, items (input then output).
-- 1: recorded; 0: no such conversation; -1: an id is taken; -2: an image is missing (send them all).
local owner, conversation, response = ARGV[2], ARGV[3], ARGV[4]
local outputs = tonumber(ARGV[7])
local items, images = read_items(9)
if conversation ~= '' and not owns(conversation, owner) then return 0 end
local key = P .. 'resp:' .. response
if redis.call('EXISTS', key) == 1 or not all_new(items) then return -1 end
if not images_present(items, images) then return -2 end
write_items(items, images, conversation, response)
if conversation ~= '' then touch(conversation, owner, ARGV[8]) end
-- Indexed by creation time, for the retention sweep.
local created = cjson.decode(ARGV[5]).created_at
redis.call('ZADD', P .. 'responses:created', created, response)
redis.call('ZADD', P .. 'owner:' .. owner .. ':responses', created, response)
redis.call('SADD', P .. 'owners', owner)
local ids, output = {}, {}
for k, item in ipairs(items) do
  ids[k] = item[1]
  if k > #items - outputs then table.insert(output, item[1]) end
end
redis.call('HSET', key, 'owner', owner, 'data', ARGV[5], 'previous', ARGV[6],
  'items', table.concat(ids, ' '), 'output', table.concat(output, ' '))
return 1
