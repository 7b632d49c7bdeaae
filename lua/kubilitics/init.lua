--- kubilitics — the plugin author's toolbox: `local k = require "kubilitics"`.
--
-- Re-exports the host API written in C (log, json, http, phase, kind) and
-- adds small helpers. Inside Kubilitics the host functions come from the C
-- module "kubilitics.host"; under busted a spec may preload a fake one, and
-- without it plain-Lua stand-ins are used so helpers stay testable.
local ok, host = pcall(require, "kubilitics.host")
if not ok then host = nil end

local M = {}

M._host = host
--- Version of the Kubilitics plugin API, e.g. "0.1.0".
M.version = host and host.version or "0.0.0-dev"

--- log(level, message): one JSON log line tagged with the plugin's name.
--   k.log("info", "synced " .. n .. " objects")
M.log = host and host.log or function(level, msg) end

--- json.encode(value) → string | nil, msg; json.decode(s) → value | nil, msg;
-- json.null; json.array(t) marks t to encode as [] even when empty.
M.json = host and host.json or nil

--- http.request_id() → the current request's ID (route handlers only).
M.http = host and host.http or {}

--- phase() → "load" | "route" | "relation" | "alert" | "runbook" | "none".
M.phase = host and host.phase or function() return "none" end

local function form_kind(name)
  if name == "*" or (type(name) == "string" and name:match("^[A-Z][A-Za-z0-9]*$")) then return name end
  if type(name) == "string" and name:match("^[A-Z][A-Za-z0-9]*%.[a-z0-9][a-z0-9.-]*$") then return name end
  return nil, "unknown kind '" .. tostring(name) .. "'"
end

--- kind(name) → canonical kind ("deployments" → "Deployment.apps") | nil, msg.
M.kind = host and host.kind or form_kind

--- path_check(path) → true | nil, msg: is path a valid field path (see kubilitics.path)?
--   k.path_check("spec.volumes[*].name") --> true
M.path_check = host and host.path_check or function(text)
  local ok, msg = require("kubilitics.path").parse(text)
  if not ok then return nil, msg end
  return true
end

--- where(level) → file, line of the function `level` up the stack (1 = the caller).
function M.where(level)
  level = (level or 1) + 1
  -- No tail calls here: they would remove this frame and shift the levels.
  local file, line
  if host and host.where then
    file, line = host.where(level)
  else
    local dbg = rawget(_G or {}, "debug")
    -- Skip C frames (pcall and the like), as the host does.
    for l = level, level + 7 do
      local info = dbg and dbg.getinfo and dbg.getinfo(l, "Sl")
      if not info then break end
      if info.currentline > 0 then
        file, line = info.short_src, info.currentline
        break
      end
    end
  end
  return file, line
end

--- id(kind, namespace, name) → object ID "Kind/namespace/name" (namespace "" when cluster-scoped).
--   k.id("Pod", "shop", "web-1") --> "Pod/shop/web-1"
function M.id(kind, namespace, name)
  return kind .. "/" .. (namespace or "") .. "/" .. name
end

--- parse_id(id) → kind, namespace, name | nil, msg.
--   k.parse_id("Node//worker-1") --> "Node", "", "worker-1"
function M.parse_id(id)
  if type(id) ~= "string" then return nil, "an ID is a string" end
  local kind, ns, name = id:match("^([^/]+)/([^/]*)/([^/]+)$")
  if not kind then return nil, "bad ID '" .. id .. "' (want KIND[.GROUP]/NAMESPACE/NAME)" end
  return kind, ns, name
end

--- route{method=, path=, handler=} → the same table, with the declaring line
-- recorded so validation errors point at it.
function M.route(t)
  if type(t) ~= "table" then error("kubilitics.route: expected a table", 2) end
  if t.line == nil then
    local _, line = M.where(2)
    t.line = line
  end
  return t
end

return M
