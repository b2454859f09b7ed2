-- ARGV: prefix, owner, conversation, now, items.
-- 1: appended; 0: no such conversation; -1: an item id is taken; -2: an image is missing (send them all).
local items, images = read_items(5)
if not owns(ARGV[3], ARGV[2]) then return 0 end
if not all_new(items) then return -1 end
if not images_present(items, images) then return -2 end
write_items(items, images, ARGV[3], '')
touch(ARGV[3], ARGV[2], ARGV[4])
return 1
