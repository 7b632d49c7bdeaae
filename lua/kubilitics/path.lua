--- kubilitics.path — field paths over Kubernetes objects.
--
-- Grammar (the same as the C core's, core/script/path.c):
--   path := key step*      step := "." key | "[*]" | "[" digits "]" | '["' chars '"]'
--   key  := one or more of [A-Za-z0-9_$-]
-- Example: "spec.volumes[*].configMap.name", 'metadata.labels["app.kubernetes.io/name"]'.
local M = {}

--- ALL marks a "[*]" step in a parsed path.
M.ALL = setmetatable({}, { __tostring = function() return "[*]" end })

local MAX_LEN, MAX_STEPS = 256, 32

--- parse(text) → steps | nil, msg. Steps are strings (keys), integers (0-based
-- list indexes, as written) or path.ALL.
--   path.parse("spec.ports[0].port") --> {"spec", "ports", 0, "port"}
function M.parse(text)
  if type(text) ~= "string" then return nil, "a path is a string" end
  local n = #text
  if n == 0 then return nil, "bad path '': empty" end
  if n > MAX_LEN then return nil, "bad path: longer than " .. MAX_LEN .. " bytes" end
  local steps, i, need_key = {}, 1, true
  local function bad(at, why)
    return nil, string.format("bad path '%s': %s at column %d", text, why, at)
  end
  while i <= n or need_key do
    if #steps == MAX_STEPS then return bad(i, "too many steps") end
    if need_key then
      local key = text:match("^[%w_%$%-]+", i)
      if not key then return bad(i, i > n and "missing key at the end" or "expected a key") end
      steps[#steps + 1] = key
      i = i + #key
      need_key = false
    else
      local c = text:sub(i, i)
      if c == "." then
        i, need_key = i + 1, true
      elseif c ~= "[" then
        return bad(i, "expected '.' or '['")
      elseif text:sub(i + 1, i + 2) == "*]" then
        steps[#steps + 1] = M.ALL
        i = i + 3
      elseif text:sub(i + 1, i + 1):match("%d") then
        local digits = text:match("^%d+", i + 1)
        local after = i + 1 + #digits
        if text:sub(after, after) ~= "]" then return bad(after, "expected ']' after an index") end
        steps[#steps + 1] = math.tointeger(tonumber(digits))
        i = after + 1
      elseif text:sub(i + 1, i + 1) == '"' then
        local j = i + 2
        while j <= n and text:sub(j, j) ~= '"' and text:sub(j, j) ~= "\\" do j = j + 1 end
        if j > n or text:sub(j, j) ~= '"' then return bad(j, "unterminated quoted key") end
        if j == i + 2 then return bad(j, "empty quoted key") end
        if text:sub(j + 1, j + 1) ~= "]" then return bad(j + 1, "expected ']' after a quoted key") end
        steps[#steps + 1] = text:sub(i + 2, j - 1)
        i = j + 2
      else
        return bad(i + 1, "expected '*', an index or a quoted key after '['")
      end
    end
  end
  return steps
end

-- A list: a sequence, or a table the JSON layer marked as an array.
local function is_list(v)
  local mt = getmetatable(v)
  return rawlen(v) > 0 or (type(mt) == "table" and rawget(mt, "__jsontype") == "array")
end

--- get(obj, text) → list of the values at the path (empty when absent);
-- "[*]" fans out over a list's items or a map's values (in key order), so a
-- path can give many values.
--   path.get(pod, "spec.volumes[*].configMap.name") --> {"app-config", "extra"}
function M.get(obj, text)
  local steps, err = M.parse(text)
  if not steps then error(err, 2) end
  local cur = { obj }
  for _, step in ipairs(steps) do
    local nxt = {}
    for _, v in ipairs(cur) do
      if type(v) == "table" then
        if step == M.ALL and is_list(v) then
          for _, item in ipairs(v) do nxt[#nxt + 1] = item end
        elseif step == M.ALL then
          local keys = {}
          for k in pairs(v) do keys[#keys + 1] = k end
          table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
          for _, k in ipairs(keys) do nxt[#nxt + 1] = v[k] end
        elseif type(step) == "number" then
          if v[step + 1] ~= nil then nxt[#nxt + 1] = v[step + 1] end
        elseif v[step] ~= nil then
          nxt[#nxt + 1] = v[step]
        end
      end
    end
    cur = nxt
  end
  return cur
end

return M
