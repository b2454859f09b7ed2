-- ARGV: prefix, owner, conversation. 1: deleted; 0: no such conversation.
-- Items of recorded responses stay (their responses' turns stay readable); the others go.
local owner, id = ARGV[2], ARGV[3]
if not owns(id, owner) then return 0 end
delete_conversation(id, owner)
return 1
