--- kubilitics.testing — unit-test a plugin without a server.
--
-- For busted specs run by `kubilitics plugin test PATH` (which sets
-- KUBILITICS_PLUGIN, KUBILITICS_FIXTURES and LUA_PATH); it also works from
-- a plain `busted` run when given paths. It loads a plugin the way the host
-- does — its own environment built from the same allow-list, require limited
-- to kubilitics.* and the plugin's folder, host functions checked by phase,
-- an instruction and time budget per call — and then:
--
--   local testing = require "kubilitics.testing"
--   local plugin = testing.load()                       -- the plugin under test
--   local res = plugin:request("GET", "/teams/payments", { user = "alice" })
--   assert.equal(200, res.status); assert.equal("payments", res.json.name)
--   local g = plugin:relations(testing.fixtures())      -- its rules on fixtures/
--   assert.is_true(g:has("Team.example.com//payments", "owns-namespace", "Namespace//pay"))
--
-- What differs from the server: the memory cap is not enforced, the time
-- budget counts CPU time (os.clock), string.dump is still reachable through
-- string methods, find() in function rules reports status "unknown". Route
-- responses, error answers and relation semantics are the server's
-- (core/script/dispatch.c, core/graph); tests/unit/test_script_testing.c
-- compares them.
if not io or not debug then
  error("kubilitics.testing is for specs run by `kubilitics plugin test`, not for plugins", 2)
end

local json = require "kubilitics.testing.json"
local kinds = require "kubilitics.testing.kinds"
local graph = require "kubilitics.testing.graph"
local path = require "kubilitics.path"

local M = {}

--- json: the host's JSON rules in plain Lua (encode, decode, array, null).
M.json = json

local PREFIX = "/api/v1/plugins/"
local HOOK_EVERY = 1000
local API_VERSION = os.getenv("KUBILITICS_API_VERSION") or "0.1.0"

-- Where this file is: lua/kubilitics/testing/init.lua → lua/.
local function own_lib_dir()
  local src = debug.getinfo(1, "S").source
  if src:sub(1, 1) ~= "@" then return nil end
  local dir = src:sub(2):match("^(.*)/kubilitics/testing/init%.lua$")
  return dir
end

local LIB_DIR = os.getenv("KUBILITICS_LUA_DIR") or own_lib_dir() or "lua"

local function file_exists(p)
  local f = io.open(p, "rb")
  if not f then return false end
  local ok = f:read(0) ~= nil or f:seek("end") == 0
  f:close()
  return ok
end

local function is_dir(p)
  local ok, lfs = pcall(require, "lfs")
  if ok then return lfs.attributes(p, "mode") == "directory" end
  local f = io.open(p .. "/.", "rb")
  if f then f:close() return true end
  return false
end

-- ---- phases and budgets ----

local PHASE_BIT = { load = 1, route = 2, relation = 4, alert = 8, runbook = 16 }
local PHASE_TEXT = { [1] = "while the plugin loads", [2] = "in route handlers", [4] = "in relation rules",
                     [8] = "in alert rules", [16] = "in runbooks", [18] = "in route handlers and runbooks" }
local ANY = 31

local Plugin = {}
Plugin.__index = Plugin

local function label(p) return p.name or p.file end

local function msgh(m)
  if type(m) ~= "string" then m = "(error object is a " .. type(m) .. " value)" end
  return debug.traceback(m, 2)
end

-- First "file:line" of the running Lua code, skipping C frames.
local function position(level)
  for l = level, level + 7 do
    local info = debug.getinfo(l, "Sl")
    if not info then break end
    if info.currentline > 0 then return info.short_src .. ":" .. info.currentline end
  end
  return ""
end

local harness = {} -- functions of this module the budget hook must not stop

-- Call fn(...) as the host calls into a plugin: phase set, a fresh budget,
-- a traceback on error. Returns true, results… or false, kind, message,
-- traceback (kind "limit" for a budget kill, "invalid" for a Lua error).
local function plugin_pcall(p, phase, fn, ...)
  if p.depth > 0 then return false, "conflict", label(p) .. ": re-entrant call into the plugin", "" end
  p.calls_total = p.calls_total + 1
  local used, kill, where = 0, nil, ""
  local deadline = os.clock() + p.max_ms / 1000
  local old = table.pack(debug.gethook())
  local hook
  hook = function()
    local running = debug.getinfo(2, "f")
    if running and harness[running.func] then return end
    if not kill then
      used = used + HOOK_EVERY
      if used > p.max_instructions then kill = "instructions"
      elseif os.clock() > deadline then kill = "time" end
      if not kill then return end
      where = position(3)
      -- Sticky: from now on every instruction raises, so a pcall in the
      -- plugin can catch the error but cannot run on.
      debug.sethook(hook, "", 1)
    end
    error("plugin budget exceeded", 2)
  end
  p.depth, p.phase = 1, PHASE_BIT[phase]
  debug.sethook(hook, "", HOOK_EVERY)
  local res = table.pack(xpcall(fn, msgh, ...))
  debug.sethook(table.unpack(old, 1, old.n))
  p.depth, p.phase = 0, 0
  if res[1] and not kill then return table.unpack(res, 1, res.n) end
  p.errors_total = p.errors_total + 1
  local msg, tb = tostring(res[2]), ""
  local nl = msg:find("\n", 1, true)
  if nl then msg, tb = msg:sub(1, nl - 1), msg:sub(nl + 1) end
  if kill then
    p.budget_kills_total = p.budget_kills_total + 1
    local pre = where ~= "" and (where .. ": ") or ""
    if kill == "time" then
      msg = pre .. string.format("time budget exceeded (%d ms)", p.max_ms)
    else
      msg = pre .. string.format("instruction budget exceeded (%d instructions)", p.max_instructions)
    end
    p.last_error = msg
    return false, "limit", msg, tb
  end
  p.last_error = msg
  return false, "invalid", msg, tb
end
harness[plugin_pcall] = true
harness[msgh] = true

-- ---- the stand-in for the C module kubilitics.host ----

local function host_for(p)
  local function fn(name, phases, f)
    return function(...)
      if p.phase & phases == 0 then
        local now = "none"
        for n, b in pairs(PHASE_BIT) do if b == p.phase then now = n end end
        error(string.format("%s is only available %s (called during %s)", name,
                            PHASE_TEXT[phases] or "in some phases", now), 2)
      end
      -- Not a tail call: where() counts this frame.
      local r = table.pack(f(...))
      return table.unpack(r, 1, r.n)
    end
  end
  local function log(level, msg)
    if level ~= "debug" and level ~= "info" and level ~= "warn" and level ~= "error" then
      error("bad argument #1 to 'log' (invalid option '" .. tostring(level) .. "')", 3)
    end
    if type(msg) ~= "string" and type(msg) ~= "number" then
      error("bad argument #2 to 'log' (string expected, got " .. type(msg) .. ")", 3)
    end
    p.logs[#p.logs + 1] = { level = level, message = tostring(msg) }
  end
  local host = {
    version = API_VERSION,
    log = fn("kubilitics.log", ANY, log),
    phase = fn("kubilitics.phase", ANY, function()
      for n, b in pairs(PHASE_BIT) do if b == p.phase then return n end end
      return "none"
    end),
    where = fn("kubilitics.where", ANY, function(level)
      level = level or 1
      -- level 1 is where()'s caller: getinfo levels here are 1 = this
      -- function, 2 = the wrapper above, 3 = the caller.
      for l = level + 2, level + 9 do
        local info = debug.getinfo(l, "Sl")
        if not info then break end
        if info.currentline > 0 then return info.short_src, info.currentline end
      end
      return nil
    end),
    kind = fn("kubilitics.kind", ANY, function(name)
      if type(name) ~= "string" then error("bad argument #1 to 'kind' (string expected)", 3) end
      if name == "*" then return "*" end
      local c = kinds.canonical(name)
      if c then return c end
      return nil, "unknown kind '" .. name .. "' (use a built-in kind, or Kind.group for custom resources)"
    end),
    path_check = fn("kubilitics.path_check", ANY, function(text)
      local ok, msg = path.parse(text)
      if not ok then return nil, msg end
      return true
    end),
    json = {
      encode = fn("kubilitics.json.encode", ANY, json.encode),
      decode = fn("kubilitics.json.decode", ANY, json.decode),
      array = fn("kubilitics.json.array", ANY, json.array),
      null = json.null,
    },
    http = {
      request_id = fn("kubilitics.http.request_id", PHASE_BIT.route, function() return p.request_id end),
    },
  }
  return host
end

-- ---- the sandbox ----

local BASE = { "assert", "error", "ipairs", "next", "pairs", "pcall", "select", "tonumber", "tostring", "type",
               "xpcall", "rawequal", "rawget", "rawlen", "rawset", "getmetatable", "_VERSION" }

local function copy(t, except)
  local out = {}
  for k, v in pairs(t) do if not (except and except[k]) then out[k] = v end end
  return out
end

local function module_name_ok(s)
  return #s > 0 and #s <= 128 and s:match("^[%w_%-%.]+$") ~= nil and s:sub(1, 1) ~= "." and s:sub(-1) ~= "."
    and not s:find("..", 1, true)
end

local LOADING = setmetatable({}, { __name = "loading" })

local function find_module(root, name)
  local stem = root .. "/" .. name:gsub("%.", "/")
  if file_exists(stem .. ".lua") then return stem .. ".lua" end
  if file_exists(stem .. "/init.lua") then return stem .. "/init.lua" end
end

local function make_env(p)
  local env = {}
  for _, n in ipairs(BASE) do env[n] = _G[n] end
  env.setmetatable = function(t, mt)
    if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
      error("__gc metamethods are not available to plugins", 2)
    end
    return setmetatable(t, mt)
  end
  env.string = copy(string, { dump = true })
  env.table = copy(table)
  env.math = copy(math)
  env.utf8 = copy(utf8)
  env.os = { time = os.time, clock = os.clock, date = os.date }
  env.print = function(...)
    local parts = table.pack(...)
    for i = 1, parts.n do parts[i] = tostring(parts[i]) end
    p.logs[#p.logs + 1] = { level = "info", message = table.concat(parts, "\t", 1, parts.n), print = true }
  end
  env.load = function(chunk, name, mode, ...)
    mode = mode or "t"
    if mode:find("b", 1, true) then return nil, "binary chunks are not allowed in plugins" end
    if select("#", ...) >= 1 then return load(chunk, name, "t", (...)) end
    return load(chunk, name, "t", env)
  end
  env.collectgarbage = function(opt)
    opt = opt or "collect"
    if opt ~= "count" then error('collectgarbage: only "count" is available to plugins', 2) end
    return collectgarbage("count")
  end
  env.require = function(name)
    if type(name) ~= "string" then error("bad argument #1 to 'require' (string expected)", 2) end
    local v = p.loaded[name]
    if v == LOADING then error("require: module '" .. name .. "' requires itself", 2) end
    if v ~= nil then return v end
    if p.phase & PHASE_BIT.load == 0 then
      error("require of a new module ('" .. name .. "') is only available while the plugin loads", 2)
    end
    if name == "kubilitics.host" then
      p.loaded[name] = p.host
      return p.host
    end
    if not module_name_ok(name) then error("require: bad module name '" .. name .. "'", 2) end
    if name == "kubilitics.testing" or name:sub(1, 19) == "kubilitics.testing." then
      error("module '" .. name .. "' is for specs (kubilitics plugin test), not for plugins", 2)
    end
    local lib = name == "kubilitics" or name:sub(1, 11) == "kubilitics."
    local root = lib and p.lib_dir or p.dir
    local file = root and find_module(root, name)
    if not file then
      if lib then error("module '" .. name .. "' not found in " .. tostring(p.lib_dir) .. "/kubilitics", 2) end
      error("module '" .. name .. "' not found: plugins may require kubilitics.* modules"
            .. (p.dir and " and files in their own folder" or ""), 2)
    end
    p.loaded[name] = LOADING
    local chunk, err = loadfile(file, "t", env)
    if not chunk then
      p.loaded[name] = nil
      error(err, 0)
    end
    local ok, res = pcall(chunk, name, file)
    if not ok then
      p.loaded[name] = nil
      error(res, 0)
    end
    if res == nil then res = true end
    p.loaded[name] = res
    return res
  end
  env._G = env
  return env
end

-- ---- loading ----

local function semver_ok(s)
  if type(s) ~= "string" or #s == 0 or #s > 128 then return false end
  local core, rest = s:match("^([^-+]+)(.*)$")
  if not core then return false end
  local a, b, c = core:match("^(%d+)%.(%d+)%.(%d+)$")
  if not a then return false end
  for _, n in ipairs { a, b, c } do if #n > 1 and n:sub(1, 1) == "0" then return false end end
  if rest ~= "" and not rest:match("^%-[%w%-.]+$") and not rest:match("^%+[%w%-.]+$")
    and not rest:match("^%-[%w%-.]+%+[%w%-.]+$") then
    return false
  end
  return true
end

--- load([path [, opts]]) → plugin. path is a plugin file or folder (default
-- $KUBILITICS_PLUGIN, set by `kubilitics plugin test`); opts.max_instructions
-- (default 10,000,000) and opts.max_ms (default 100) set the per-call budget.
-- Raises "file:line: message" when the plugin does not load.
--   local plugin = testing.load("examples/plugins/hello.lua")
function M.load(p_path, opts)
  opts = opts or {}
  p_path = p_path or os.getenv("KUBILITICS_PLUGIN")
  if not p_path then
    error("kubilitics.testing.load: no plugin given (run under `kubilitics plugin test`, or pass a path)", 2)
  end
  local file, dir = p_path, nil
  if is_dir(p_path) then
    dir = p_path:gsub("/+$", "")
    file = dir .. "/init.lua"
  elseif p_path:match("/init%.lua$") then
    dir = p_path:match("^(.*)/init%.lua$")
  end
  if not file_exists(file) then error("kubilitics.testing.load: cannot read " .. file, 2) end
  local p = setmetatable({
    file = file, dir = dir, lib_dir = opts.lib_dir or LIB_DIR, loaded = {}, logs = {},
    max_instructions = opts.max_instructions or 10000000, max_ms = opts.max_ms or 100,
    depth = 0, phase = 0, calls_total = 0, errors_total = 0, budget_kills_total = 0, last_error = "",
    requests = 0,
  }, Plugin)
  p.host = host_for(p)
  p.env = make_env(p)
  local chunk, err = loadfile(file, "t", p.env)
  if not chunk then error(err, 2) end
  local ok, kind, msg = plugin_pcall(p, "load", chunk)
  if not ok then error(msg, 2) end
  local m = kind
  if type(m) ~= "table" then error(file .. ": the plugin must return a table (it returned " .. type(m) .. ")", 2) end
  if type(m.name) ~= "string" or not m.name:match("^[a-z0-9%-]+$") or #m.name > 63 then
    error(file .. ": name '" .. tostring(m.name) .. "' must be 1-63 characters of [a-z0-9-]", 2)
  end
  if not semver_ok(m.version) then
    error(file .. ": version '" .. tostring(m.version) .. "' is not a semantic version (MAJOR.MINOR.PATCH)", 2)
  end
  if m.priority ~= nil and math.type(m.priority) ~= "integer" then
    error(file .. ": priority must be an integer between -1000000 and 1000000", 2)
  end
  p.manifest, p.name, p.version, p.priority = m, m.name, m.version, m.priority or 0
  p.routes = {}
  for i, r in ipairs(m.routes or {}) do
    local segs, literals = {}, 0
    for seg in tostring(r.path):gmatch("[^/]+") do
      segs[#segs + 1] = seg
      if seg:sub(1, 1) ~= "{" then literals = literals + 1 end
    end
    p.routes[i] = { method = r.method, path = r.path, handler = r.handler, segs = segs, literals = literals }
  end
  return p
end

-- ---- routes (core/script/dispatch.c) ----

local function url_decode(s, plus)
  local out, i, n = {}, 1, #s
  while i <= n do
    local c = s:sub(i, i)
    if c == "%" then
      local hex = s:sub(i + 1, i + 2)
      if #hex < 2 or not hex:match("^%x%x$") then return nil end
      out[#out + 1] = string.char(tonumber(hex, 16))
      i = i + 3
    elseif c == "+" and plus then
      out[#out + 1] = " "
      i = i + 1
    else
      out[#out + 1] = c
      i = i + 1
    end
  end
  return table.concat(out)
end

local function parse_query(q)
  local t = {}
  for pair in q:gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    k, v = url_decode(k, true) or k, url_decode(v, true) or v
    if t[k] == nil then t[k] = v end
  end
  return t
end

local function host_error(res, status, code, msg, detail)
  res.headers = {}
  res.status, res.error = status, { code = code, message = msg, status = status }
  res.content_type = "application/json"
  res.body = json.encode { error = { code = code, message = msg, status = status, requestId = res.request_id } }
  res.json = json.decode(res.body)
  res.lua_error = detail
  return res
end

local TOKEN = "^[%w!#$%%&'*+%-.^_`|~]+$"
local RESERVED = { ["content-length"] = true, ["transfer-encoding"] = true, connection = true, ["x-request-id"] = true }

-- The handler's return value → res, with the host's checks and messages.
local function take_response(p, ret, res)
  if type(ret) ~= "table" then
    error("route handler must return a table {status=, headers=, body=} (got " .. type(ret) .. ")", 0)
  end
  for k in pairs(ret) do
    if k ~= "status" and k ~= "headers" and k ~= "body" then
      error("route handler returned an unknown field '" .. tostring(k) .. "' (expected status, headers, body)", 0)
    end
  end
  res.status = 200
  if ret.status ~= nil then
    local st = math.tointeger(ret.status)
    if not st or st < 200 or st > 599 then error("route handler returned a bad status (want an integer 200-599)", 0) end
    res.status = st
  end
  if ret.headers ~= nil then
    if type(ret.headers) ~= "table" then error("route handler returned headers that are not a table", 0) end
    local count = 0
    for _ in pairs(ret.headers) do count = count + 1 end
    if count > 64 then error("route handler returned more than 64 headers", 0) end
    for name, value in pairs(ret.headers) do
      if type(name) ~= "string" or type(value) ~= "string" then
        error("route handler headers must map strings to strings", 0)
      end
      if not name:match(TOKEN) then error("route handler returned a bad header name '" .. name .. "'", 0) end
      if value:find("[\r\n%z]") then
        error("route handler header '" .. name .. "' has a line break or NUL in its value", 0)
      end
      if RESERVED[name:lower()] then
        error("route handler may not set the header '" .. name .. "' (the server sets it)", 0)
      end
      if name:lower() == "content-type" then res.content_type = value else res.headers[name] = value end
    end
  end
  local body = ret.body
  if type(body) == "string" then
    res.body = body
    res.content_type = res.content_type or "text/plain; charset=utf-8"
  elseif type(body) == "table" then
    local s, err = json.encode(body)
    if not s then error(err, 0) end
    res.body = s
    res.content_type = res.content_type or "application/json"
  elseif body ~= nil then
    error("route handler returned a body of type " .. type(body) .. " (want a string or a table)", 0)
  end
  res.content_type = res.content_type or "text/plain; charset=utf-8"
end

--- plugin:request(method, path [, opts]) → res. path is the route's path
-- under the plugin ("/teams/a%20b?x=1") or the full one
-- ("/api/v1/plugins/NAME/…"); opts: query (table or string), headers,
-- body, user, request_id. res: status, headers, content_type, body (string),
-- json (decoded when the body is JSON), error ({code, message, status} when
-- the host answered itself: 404, 405, 400, 500, 503), lua_error (what the
-- server would log for a 500 or 503), logs (what the call logged).
--   local res = plugin:request("GET", "/hello", { user = "alice" })
function Plugin:request(method, target, opts)
  opts = opts or {}
  self.requests = self.requests + 1
  local res = { headers = {}, logs = {}, request_id = opts.request_id or ("test-" .. self.requests) }
  local raw, query = tostring(target):match("^([^?]*)%??(.*)$")
  if raw:sub(1, #PREFIX) ~= PREFIX then raw = PREFIX .. self.name .. raw end
  if type(opts.query) == "string" then query = opts.query end
  local rest, segs = raw:sub(#PREFIX + 1), {}
  while #rest > 0 do
    local seg, after = rest:match("^([^/]*)/?(.*)$")
    if seg == "" then return host_error(res, 404, "not_found", "no such plugin route") end
    local d = url_decode(seg, false)
    if not d then return host_error(res, 400, "bad_request", "bad percent-escape in the path") end
    segs[#segs + 1] = d
    rest = after
  end
  if #segs < 2 or segs[1] ~= self.name then return host_error(res, 404, "not_found", "no such plugin route") end
  local best, matched, allow = nil, false, {}
  for _, r in ipairs(self.routes) do
    if #r.segs == #segs - 1 then
      local ok = true
      for j, s in ipairs(r.segs) do
        if s:sub(1, 1) ~= "{" and s ~= segs[j + 1] then ok = false end
      end
      if ok then
        matched = true
        if r.method ~= method then
          local seen = false
          for _, m in ipairs(allow) do if m == r.method then seen = true end end
          if not seen then allow[#allow + 1] = r.method end
        elseif not best or r.literals > best.literals then
          best = r
        end
      end
    end
  end
  if not best then
    if matched then
      host_error(res, 405, "method_not_allowed", "method not allowed for this plugin route")
      res.headers.Allow = table.concat(allow, ", ")
      return res
    end
    return host_error(res, 404, "not_found", "no such plugin route")
  end
  local params = {}
  for j, s in ipairs(best.segs) do
    if s:sub(1, 1) == "{" then params[s:sub(2, -2)] = segs[j + 1] end
  end
  local headers = {}
  for k, v in pairs(opts.headers or {}) do
    local name = tostring(k):lower()
    headers[name] = headers[name] and (headers[name] .. ", " .. tostring(v)) or tostring(v)
  end
  local q
  if type(opts.query) == "table" then
    q = {}
    for k, v in pairs(opts.query) do q[tostring(k)] = tostring(v) end
  else
    q = parse_query(query or "")
  end
  local req = {
    method = method, path = "/" .. table.concat(segs, "/", 2), route = best.path, params = params, query = q,
    headers = headers, body = opts.body or "", user = opts.user, request_id = res.request_id,
  }
  local first_log = #self.logs + 1
  self.request_id = res.request_id
  local ok, kind, msg = plugin_pcall(self, "route", best.handler, req)
  self.request_id = nil
  for i = first_log, #self.logs do res.logs[#res.logs + 1] = self.logs[i] end
  if ok then
    -- The host converts the answer in C, outside the budget; so does this.
    local conv, err = pcall(take_response, self, kind, res)
    if not conv then
      ok, msg = false, tostring(err)
      self.errors_total, self.last_error = self.errors_total + 1, msg
    end
  end
  if not ok and kind == "limit" then
    return host_error(res, 503, "plugin_budget_exceeded", "plugin " .. self.name .. " stopped: " .. msg, msg)
  elseif not ok then
    return host_error(res, 500, "internal", string.format(
      "plugin %s failed to handle %s %s (see the server log for this request)", self.name, method, best.path), msg)
  end
  if res.content_type:match("^application/json") then res.json = json.decode(res.body) end
  return res
end

-- ---- relations ----

-- The plugin's rules annotated for messages, and how to call its functions.
local function rules_of(p)
  local out = {}
  for i, r in ipairs(p.manifest.relations or {}) do
    local c = copy(r)
    c.plugin, c.file, c.line = p.name, p.file, r.line or i
    c.owner_plugin = p
    out[#out + 1] = c
  end
  return out
end

local function call_rule(c, obj, find)
  local p = c.src.owner_plugin
  local ok, kind, msg = plugin_pcall(p, "relation", function() return c.match(obj, find) end)
  if ok then return true, kind end
  return false, msg
end

--- plugin:relations(objects [, opts]) → graph of this plugin's rules on
-- objects (see testing.relations).
--   local g = plugin:relations(testing.fixtures())
function Plugin:relations(objects, opts)
  return M.relations({ self }, objects, opts)
end

--- relations(plugins, objects [, opts]) → graph of several plugins' rules
-- together, in plugin order (priority, then name). The graph: g:has(src,
-- type, dst), g.edges ({source, type, target}, sorted), g:list(), g:from(id),
-- g:to(id), g.missing[id] (sorted target IDs), g.errors (function rules that
-- failed: {rule, object, message}), g:dump(). opts.cluster_scoped lists kinds
-- to treat as cluster-scoped beyond the built-in ones and those whose
-- fixtures have no namespace.
--   local g = testing.relations({ core, mine }, testing.fixtures())
function M.relations(plugins, objects, opts)
  local order = require("kubilitics.plugins").order(plugins)
  local rules = {}
  for _, p in ipairs(order) do
    for _, r in ipairs(rules_of(p)) do rules[#rules + 1] = r end
  end
  opts = copy(opts or {})
  opts.call = call_rule
  return graph.build(rules, objects or {}, opts)
end

-- ---- fixtures ----

local function normalise(v)
  if type(v) ~= "table" then
    if math.type(v) == "float" and v == math.floor(v) and math.abs(v) <= 2 ^ 53 then return math.tointeger(v) end
    return v
  end
  local ok, lyaml = pcall(require, "lyaml")
  if ok and v == lyaml.null then return json.null end
  local out = {}
  for k, x in pairs(v) do out[k] = normalise(x) end
  if rawlen(v) > 0 or getmetatable(v) == json.array_mt then setmetatable(out, json.array_mt) end
  return out
end

local function add_objects(list, doc, where)
  if doc == nil or doc == json.null then return end
  if type(doc) ~= "table" then error(where .. ": expected a Kubernetes object, got a " .. type(doc), 0) end
  if json.is_array(doc) then
    for i, d in ipairs(doc) do add_objects(list, d, where .. "[" .. i .. "]") end
    return
  end
  if type(doc.kind) == "string" and doc.kind:match("List$") and type(doc.items) == "table" then
    for i, d in ipairs(doc.items) do add_objects(list, d, where .. " items[" .. i .. "]") end
    return
  end
  if type(doc.kind) ~= "string" or doc.kind == "" then error(where .. ": object without a kind", 0) end
  if type(doc.metadata) ~= "table" or type(doc.metadata.name) ~= "string" or doc.metadata.name == "" then
    error(where .. ": " .. doc.kind .. " without metadata.name", 0)
  end
  list[#list + 1] = doc
end

local function read_all(file)
  local f, err = io.open(file, "rb")
  if not f then error(err, 0) end
  local s = f:read("a")
  f:close()
  return s
end

local function load_file(file, list)
  local text = read_all(file)
  if file:match("%.json$") then
    local v, err = json.decode(text)
    if v == nil then error(file .. ": " .. err, 0) end
    add_objects(list, v, file)
  else
    local lyaml = require "lyaml"
    local ok, docs = pcall(lyaml.load, text, { all = true })
    if not ok then error(file .. ": " .. tostring(docs), 0) end
    for i, d in ipairs(docs) do add_objects(list, normalise(d), #docs > 1 and (file .. " document " .. i) or file) end
  end
end

local function list_dir(dir)
  local ok, lfs = pcall(require, "lfs")
  local names = {}
  if ok then
    for n in lfs.dir(dir) do if n:sub(1, 1) ~= "." then names[#names + 1] = n end end
  else
    local h = io.popen('ls -1 "' .. dir:gsub('"', '\\"') .. '"')
    for n in h:lines() do names[#names + 1] = n end
    h:close()
  end
  table.sort(names)
  return names
end

local function collect(dir, out, depth)
  for _, n in ipairs(list_dir(dir)) do
    local p = dir .. "/" .. n
    if is_dir(p) then
      if depth < 8 then collect(p, out, depth + 1) end
    elseif n:match("%.ya?ml$") or n:match("%.json$") then
      out[#out + 1] = p
    end
  end
end

--- fixtures([path]) → list of objects from YAML (multi-document) and JSON
-- files; path is a file or folder (default $KUBILITICS_FIXTURES, the
-- plugin's fixtures/ folder), read in name order, sub-folders included.
-- Kubernetes List objects are flattened; every object needs kind and
-- metadata.name.
--   local objs = testing.fixtures()            -- fixtures/*.yaml, *.json
function M.fixtures(where)
  where = where or os.getenv("KUBILITICS_FIXTURES")
  if not where then error("kubilitics.testing.fixtures: no folder given and KUBILITICS_FIXTURES is not set", 2) end
  local files = {}
  if is_dir(where) then collect(where, files, 0) else files[1] = where end
  if #files == 0 then error("kubilitics.testing.fixtures: no .yaml, .yml or .json files in " .. where, 2) end
  local list = {}
  for _, f in ipairs(files) do
    if not file_exists(f) then error("kubilitics.testing.fixtures: cannot read " .. f, 2) end
    load_file(f, list)
  end
  return list
end

--- id(obj) → the object's ID, KIND[.GROUP]/NAMESPACE/NAME.
--   testing.id{apiVersion = "apps/v1", kind = "Deployment", metadata = {namespace = "shop", name = "web"}}
--   --> "Deployment.apps/shop/web"
M.id = graph.id_of

--- find(objects, id) → the object with that ID, or nil.
--   testing.find(objs, "Namespace//payments")
function M.find(objects, id)
  for _, o in ipairs(objects) do if graph.id_of(o) == id then return o end end
  return nil
end

return M
