--- kubilitics.plugins — facts about plugin sets, shared by tooling and specs.
--
-- The C loader (core/script/set.c) is the implementation that runs; this
-- module states the same rules in Lua so `plugin test` tooling and the busted
-- specs can pin them.
local M = {}

--- order(manifests) → a new list sorted as the host runs plugins:
-- priority descending (default 0), then name ascending.
--   plugins.order{{name="b"}, {name="a", priority=5}} --> a, b
function M.order(list)
  local out = {}
  for i, p in ipairs(list) do out[i] = p end
  table.sort(out, function(a, b)
    local pa, pb = a.priority or 0, b.priority or 0
    if pa ~= pb then return pa > pb end
    return a.name < b.name
  end)
  return out
end

--- valid_name(s) → true when s is a plugin name: 1-63 characters of [a-z0-9-].
function M.valid_name(s)
  return type(s) == "string" and #s >= 1 and #s <= 63 and s:match("^[a-z0-9%-]+$") ~= nil
end

return M
