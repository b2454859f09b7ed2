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

-- The SHA-256 of every image an item's JSON refers to.
local function image_shas(data)
  local shas = {}
  for _, part in ipairs(cjson.decode(data).content or {}) do
    if part.type == 'input_image' then table.insert(shas, part.sha256) end
  end
  return shas
end

-- True when every image the items refer to is stored or among `images`. The gateway sends only the
-- images it found missing; one deleted since (its last item gone) makes the call fail, not half-write.
local function images_present(items, images)
  local sent = {}
  for _, image in ipairs(images) do sent[image[1]] = true end
  for _, item in ipairs(items) do
    for _, sha in ipairs(image_shas(item[2])) do
      if not sent[sha] and redis.call('EXISTS', P .. 'image:' .. sha) == 0 then return false end
    end
  end
  return true
end

-- Each image keeps the set of item ids referring to it (P image:<sha>:items) and goes with the last.
-- An image stored before these sets existed has unknown references: '*' in its set keeps it for good.
local function add_image_refs(items)
  for _, item in ipairs(items) do
    for _, sha in ipairs(image_shas(item[2])) do
      local refs = P .. 'image:' .. sha .. ':items'
      if redis.call('EXISTS', refs) == 0 and redis.call('EXISTS', P .. 'image:' .. sha) == 1 then
        redis.call('SADD', refs, '*')
      end
      redis.call('SADD', refs, item[1])
    end
  end
end

-- Stores the items (marked as the response's when `response` is not ''), appends them to the
-- conversation (when `conversation` is not '') in order, and stores the images.
local function write_items(items, images, conversation, response)
  add_image_refs(items)
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

-- Deletes one item and its references to images; an image no item refers to any more goes too.
local function delete_item(id)
  local key = P .. 'item:' .. id
  local data = redis.call('HGET', key, 'data')
  if data then
    for _, sha in ipairs(image_shas(data)) do
      local refs = P .. 'image:' .. sha .. ':items'
      if redis.call('SREM', refs, id) == 1 and redis.call('EXISTS', refs) == 0 then
        redis.call('DEL', P .. 'image:' .. sha)
      end
    end
  end
  redis.call('DEL', key)
end

-- Marks a conversation of `owner` as written to at `now` (seconds): its age for retention starts again.
local function touch(id, owner, now)
  redis.call('ZADD', P .. 'conversations:active', now, id)
  redis.call('ZADD', P .. 'owner:' .. owner .. ':active', now, id)
  redis.call('SADD', P .. 'owners', owner)
end

-- True while a turn holds the conversation.
local function busy(id)
  return redis.call('EXISTS', P .. 'turn:' .. id) == 1
end

-- Deletes conversation `id` of `owner` and the items no response holds; its responses' items stay
-- with them.
local function delete_conversation(id, owner)
  local list = P .. 'conv:' .. id .. ':items'
  for _, item in ipairs(redis.call('ZRANGE', list, 0, -1)) do
    if redis.call('HEXISTS', P .. 'item:' .. item, 'response') == 0 then delete_item(item) end
  end
  redis.call('DEL', list, P .. 'conv:' .. id)
  redis.call('ZREM', P .. 'owner:' .. owner .. ':conversations', id)
  redis.call('ZREM', P .. 'owner:' .. owner .. ':active', id)
  redis.call('ZREM', P .. 'conversations:active', id)
end

-- Deletes response `id` and the items only it holds; those still in its live conversation stay there.
local function delete_response(id)
  local key = P .. 'resp:' .. id
  local fields = redis.call('HMGET', key, 'owner', 'data', 'items')
  redis.call('ZREM', P .. 'responses:created', id)
  if not fields[1] then return 0 end
  redis.call('ZREM', P .. 'owner:' .. fields[1] .. ':responses', id)
  local conversation = cjson.decode(fields[2]).conversation_id
  local list = nil
  if type(conversation) == 'string' and conversation ~= '' then list = P .. 'conv:' .. conversation .. ':items' end
  for _, item in ipairs(split(fields[3] or '')) do
    if list and redis.call('ZSCORE', list, item) then
      redis.call('HDEL', P .. 'item:' .. item, 'response')
    else
      delete_item(item)
    end
  end
  redis.call('DEL', key)
  return 1
end

-- Drops `owner` from the owners' set (which the count sweeps walk) once it holds nothing.
local function forget_if_empty(owner)
  if redis.call('EXISTS', P .. 'owner:' .. owner .. ':active') == 0
      and redis.call('EXISTS', P .. 'owner:' .. owner .. ':responses') == 0 then
    redis.call('SREM', P .. 'owners', owner)
  end
end
