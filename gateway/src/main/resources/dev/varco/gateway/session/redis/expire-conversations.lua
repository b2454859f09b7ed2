-- ARGV: prefix, cutoff (seconds), offset, count.
-- Deletes up to `count` conversations last written before `cutoff`, least recently active first,
-- from rank `offset` (the busy ones a previous call passed over sit before it). {examined, deleted}.
local examined, deleted = 0, 0
local ids = redis.call('ZRANGEBYSCORE', P .. 'conversations:active', '-inf', '(' .. ARGV[2], 'LIMIT', ARGV[3], ARGV[4])
for _, id in ipairs(ids) do
  examined = examined + 1
  if not busy(id) then
    local owner = redis.call('HGET', P .. 'conv:' .. id, 'owner')
    if owner then delete_conversation(id, owner) else redis.call('ZREM', P .. 'conversations:active', id) end
    deleted = deleted + 1
  end
end
return {examined, deleted}
