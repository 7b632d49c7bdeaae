--- kubilitics.testing.json — JSON with the host's rules, in plain Lua.
--
-- Used by kubilitics.testing as the `json` of its stand-in host module, so a
-- plugin under `kubilitics plugin test` encodes and decodes as it does in
-- the server (core/script/json.c): object keys sorted, so the same table
-- always gives the same bytes; sequences (and tables marked with
-- json.array) as arrays, an empty unmarked table as {}; integral floats as
-- "1.0"; json.null for null; decoded arrays marked, decoded integral numbers
-- up to 2^53 as integers; errors returned as nil, message.
local M = {}

local MAX_DEPTH = 128

--- null: stands for JSON null (the server's is a light userdata; compare with ==).
M.null = setmetatable({}, { __tostring = function() return "json.null" end, __name = "json.null" })

local ARRAY_MT = { __jsontype = "array" }
--- array_mt: the metatable that marks a table as a JSON array.
M.array_mt = ARRAY_MT

--- array(t) → t marked to encode as a JSON array even when empty.
--   json.encode(json.array{}) --> "[]"
function M.array(t)
  if t == nil then t = {} end
  if type(t) ~= "table" then error("kubilitics.json.array: expected a table", 2) end
  return setmetatable(t, ARRAY_MT)
end

--- is_array(t) → true when t encodes as a JSON array.
function M.is_array(t)
  if getmetatable(t) == ARRAY_MT then return true end
  local n = rawlen(t)
  if n == 0 then return false end
  local count = 0
  for k in next, t do
    if math.type(k) ~= "integer" or k < 1 or k > n then return false end
    count = count + 1
  end
  return count == n
end

local function enc_string(s, out)
  local parts, i, n, run = { '"' }, 1, #s, 1
  while i <= n do
    local c = s:byte(i)
    if c >= 0x20 and c ~= 34 and c ~= 92 and c < 0x80 then
      i = i + 1
    else
      local len = 0
      if c >= 0x80 then
        local lead = c >= 0xF0 and 4 or c >= 0xE0 and 3 or c >= 0xC0 and 2 or 0
        if lead > 0 and i + lead - 1 <= n and utf8.len(s, i, i + lead - 1) == 1
          and utf8.offset(s, 2, i) == i + lead then
          len = lead
        end
      end
      if len > 0 then
        i = i + len
      else
        parts[#parts + 1] = s:sub(run, i - 1)
        if c == 34 then parts[#parts + 1] = '\\"'
        elseif c == 92 then parts[#parts + 1] = "\\\\"
        elseif c == 10 then parts[#parts + 1] = "\\n"
        elseif c == 13 then parts[#parts + 1] = "\\r"
        elseif c == 9 then parts[#parts + 1] = "\\t"
        elseif c >= 0x80 then parts[#parts + 1] = "\xEF\xBF\xBD"
        else parts[#parts + 1] = string.format("\\u%04x", c) end
        i = i + 1
        run = i
      end
    end
  end
  parts[#parts + 1] = s:sub(run)
  parts[#parts + 1] = '"'
  out[#out + 1] = table.concat(parts)
end

local encode_value

local function enc_table(t, out, depth)
  if depth > MAX_DEPTH then error("json: nested deeper than " .. MAX_DEPTH .. " (a cycle?)", 0) end
  if M.is_array(t) then
    out[#out + 1] = "["
    for i = 1, rawlen(t) do
      if i > 1 then out[#out + 1] = "," end
      encode_value(rawget(t, i), out, depth + 1)
    end
    out[#out + 1] = "]"
    return
  end
  local keys = {}
  for k in next, t do
    if type(k) == "string" then
      keys[#keys + 1] = { s = k, k = k }
    elseif math.type(k) == "integer" then
      keys[#keys + 1] = { s = tostring(k), k = k }
    else
      error("json: cannot encode a table key of type " .. type(k), 0)
    end
  end
  -- Byte order, as memcmp sorts.
  table.sort(keys, function(a, b) return a.s < b.s end)
  out[#out + 1] = "{"
  for i, key in ipairs(keys) do
    if i > 1 then out[#out + 1] = "," end
    enc_string(key.s, out)
    out[#out + 1] = ":"
    encode_value(rawget(t, key.k), out, depth + 1)
  end
  out[#out + 1] = "}"
end

encode_value = function(v, out, depth)
  local ty = type(v)
  if v == nil or v == M.null then
    out[#out + 1] = "null"
  elseif ty == "boolean" then
    out[#out + 1] = v and "true" or "false"
  elseif ty == "number" then
    if math.type(v) == "integer" then
      out[#out + 1] = string.format("%d", v)
    elseif v ~= v then
      error("json: cannot encode NaN", 0)
    elseif v == math.huge or v == -math.huge then
      error("json: cannot encode an infinite number", 0)
    elseif v == math.floor(v) and math.abs(v) < 1e15 then
      out[#out + 1] = string.format("%.1f", v)
    else
      out[#out + 1] = string.format("%.17g", v)
    end
  elseif ty == "string" then
    enc_string(v, out)
  elseif ty == "table" then
    enc_table(v, out, depth)
  else
    error("json: cannot encode a value of type " .. ty, 0)
  end
end

--- encode(value) → string | nil, message.
--   json.encode{b = 1, a = {true, json.null}} --> '{"a":[true,null],"b":1}'
function M.encode(v)
  local out = {}
  local ok, err = pcall(encode_value, v, out, 0)
  if not ok then return nil, err end
  return table.concat(out)
end

-- ---- decode ----

local ESC = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

local function decoder(s)
  local pos = 1
  local function fail(msg) error(string.format("json: %s near byte %d", msg, pos - 1), 0) end
  local function ws()
    pos = s:find("[^ \t\r\n]", pos) or #s + 1
  end
  local value
  local function str()
    pos = pos + 1
    local parts = {}
    while true do
      local a, b = s:find('["\\%c]', pos)
      if not a then fail("unterminated string") end
      parts[#parts + 1] = s:sub(pos, a - 1)
      local c = s:sub(a, a)
      if c == '"' then
        pos = b + 1
        return table.concat(parts)
      elseif c == "\\" then
        local e = s:sub(a + 1, a + 1)
        if ESC[e] then
          parts[#parts + 1] = ESC[e]
          pos = a + 2
        elseif e == "u" then
          local hex = s:match("^%x%x%x%x", a + 2)
          if not hex then pos = a + 1 fail("bad \\u escape") end
          local cp = tonumber(hex, 16)
          pos = a + 6
          if cp >= 0xD800 and cp <= 0xDBFF then
            local lo = s:match("^\\u(%x%x%x%x)", pos)
            local lov = lo and tonumber(lo, 16)
            if not lov or lov < 0xDC00 or lov > 0xDFFF then fail("bad surrogate pair") end
            cp = 0x10000 + (cp - 0xD800) * 0x400 + (lov - 0xDC00)
            pos = pos + 6
          elseif cp >= 0xDC00 and cp <= 0xDFFF then
            fail("bad surrogate pair")
          end
          if cp == 0 then fail("NUL in a string") end
          parts[#parts + 1] = utf8.char(cp)
        else
          pos = a + 1
          fail("bad escape")
        end
      else
        pos = a
        fail("control character in a string")
      end
    end
  end
  local function num()
    local text = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
    if not text or not text:match("^-?%d") or text:match("^-?0%d") then fail("bad number") end
    local f = tonumber(text)
    if not f then fail("bad number") end
    pos = pos + #text
    f = f + 0.0
    if f == math.floor(f) and math.abs(f) <= 9007199254740992.0 then return math.tointeger(f) end
    return f
  end
  value = function(depth)
    if depth > MAX_DEPTH then fail("nested deeper than " .. MAX_DEPTH) end
    ws()
    local c = s:sub(pos, pos)
    if c == "{" then
      pos = pos + 1
      local t = {}
      ws()
      if s:sub(pos, pos) == "}" then pos = pos + 1 return t end
      while true do
        ws()
        if s:sub(pos, pos) ~= '"' then fail("expected a key") end
        local k = str()
        ws()
        if s:sub(pos, pos) ~= ":" then fail("expected ':'") end
        pos = pos + 1
        t[k] = value(depth + 1)
        ws()
        local d = s:sub(pos, pos)
        pos = pos + 1
        if d == "}" then return t end
        if d ~= "," then fail("expected ',' or '}'") end
      end
    elseif c == "[" then
      pos = pos + 1
      local t = setmetatable({}, ARRAY_MT)
      ws()
      if s:sub(pos, pos) == "]" then pos = pos + 1 return t end
      while true do
        t[#t + 1] = value(depth + 1)
        ws()
        local d = s:sub(pos, pos)
        pos = pos + 1
        if d == "]" then return t end
        if d ~= "," then fail("expected ',' or ']'") end
      end
    elseif c == '"' then
      return str()
    elseif c == "-" or c:match("%d") then
      return num()
    elseif s:sub(pos, pos + 3) == "true" then
      pos = pos + 4
      return true
    elseif s:sub(pos, pos + 4) == "false" then
      pos = pos + 5
      return false
    elseif s:sub(pos, pos + 3) == "null" then
      pos = pos + 4
      return M.null
    end
    fail(pos > #s and "unexpected end" or "invalid JSON")
  end
  return function()
    local v = value(0)
    ws()
    if pos <= #s then fail("trailing data") end
    return v
  end
end

--- decode(text) → value | nil, message. Arrays come back marked (json.array),
-- null as json.null.
--   json.decode('{"a":[1,2.5,null]}').a[3] == json.null --> true
function M.decode(s)
  if type(s) ~= "string" then return nil, "json: expected a string" end
  local ok, v = pcall(decoder(s))
  if not ok then return nil, v end
  return v
end

return M
