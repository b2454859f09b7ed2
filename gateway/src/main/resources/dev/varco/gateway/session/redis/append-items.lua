-- ARGV: prefix, owner, conversation, items. 1: appended; 0: no such conversation; -1: an item id is taken.
local items, images = read_items(4)
if not owns(ARGV[3], ARGV[2]) then return 0 end
if not all_new(items) then return -1 end
write_items(items, images, ARGV[3], '')
return 1
