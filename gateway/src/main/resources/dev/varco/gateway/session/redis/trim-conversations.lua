-- ARGV: prefix, owner, conversations kept, offset, count.
-- Deletes up to `count` of the owner's least recently active conversations beyond the newest
-- `kept`, from rank `offset` (busy ones passed over before sit below it). {examined, deleted}.
-- An owner left with nothing leaves the owners' set.
local key = P .. 'owner:' .. ARGV[2] .. ':active'
local offset, count = tonumber(ARGV[4]), tonumber(ARGV[5])
local excess = redis.call('ZCARD', key) - tonumber(ARGV[3]) - offset
if excess <= 0 then
  forget_if_empty(ARGV[2])
  return {0, 0}
end
local examined, deleted = 0, 0
for _, id in ipairs(redis.call('ZRANGE', key, offset, offset + math.min(excess, count) - 1)) do
  examined = examined + 1
  if not busy(id) then
    delete_conversation(id, ARGV[2])
    deleted = deleted + 1
  end
end
return {examined, deleted}
