-- Shared by every script of the Redis conversation store (prepended to each).
-- Every key is built here from ARGV[1], the deployment's key prefix, so the scripts run on one
-- Redis (or a Sentinel primary), not on Redis Cluster.
local P = ARGV[1]

-- True when conversation `id` exists and belongs to `owner`.
local function owns(id, owner)
  return id ~= '' and redis.call('HGET', P .. 'conv:' .. id, 'owner') == owner
end

-- Items and images from ARGV[i..]: a count, then (id, json) per item; a count, then (sha256, bytes) per image.
local function read_items(i)
  local items, images = {}, {}
  local n = tonumber(ARGV[i]); i = i + 1
  for k = 1, n do items[k] = {ARGV[i], ARGV[i + 1]}; i = i + 2 end
  local m = tonumber(ARGV[i]); i = i + 1
  for k = 1, m do images[k] = {ARGV[i], ARGV[i + 1]}; i = i + 2 end
  return items, images
end

-- True when every item id is new: none stored already, none given twice. Checked before any
-- write, because Redis does not roll back the writes of a script that fails halfway.
local function all_new(items)
  local seen = {}
  for _, item in ipairs(items) do
    if seen[item[1]] or redis.call('EXISTS', P .. 'item:' .. item[1]) == 1 then return false end
    seen[item[1]] = true
  end
  return true
end

-- Stores the items (marked as the response's when `response` is not ''), appends them to the
-- conversation (when `conversation` is not '') in order, and stores the images.
local function write_items(items, images, conversation, response)
  for _, image in ipairs(images) do redis.call('SET', P .. 'image:' .. image[1], image[2]) end
  for _, item in ipairs(items) do
    local key = P .. 'item:' .. item[1]
    if response ~= '' then
      redis.call('HSET', key, 'data', item[2], 'response', response)
    else
      redis.call('HSET', key, 'data', item[2])
    end
    if conversation ~= '' then
      local seq = redis.call('HINCRBY', P .. 'conv:' .. conversation, 'seq', 1)
      redis.call('ZADD', P .. 'conv:' .. conversation .. ':items', seq, item[1])
    end
  end
end

-- Appends (id, data) of each item id to `out`.
local function add_item_data(out, ids)
  for _, id in ipairs(ids) do
    table.insert(out, id)
    table.insert(out, redis.call('HGET', P .. 'item:' .. id, 'data'))
  end
end

local function split(text)
  local words = {}
  for word in string.gmatch(text, '%S+') do table.insert(words, word) end
  return words
end
