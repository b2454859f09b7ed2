-- ARGV: prefix, owner, response, longest chain followed (a guard against a cycle in damaged data).
-- {1, id, data, ...}: the items of every turn from the first, each turn's input then output; {0} when there is none.
local owner, current, longest = ARGV[2], ARGV[3], tonumber(ARGV[4])
local chain = {}
while current ~= '' and #chain < longest do
  local fields = redis.call('HMGET', P .. 'resp:' .. current, 'owner', 'previous', 'items')
  -- An earlier response that is gone (or not the owner's) ends the chain there.
  if fields[1] ~= owner then break end
  table.insert(chain, fields[3])
  current = fields[2]
end
if #chain == 0 then return {0} end
local result = {1}
for k = #chain, 1, -1 do add_item_data(result, split(chain[k])) end
return result
