--- kubilitics.relations — constructors for relation rules.
--
--   local rel = require "kubilitics.relations"
--   relations = {
--     rel.owner{},                                             -- owns, from ownerReferences
--     rel.selector{type="selects", from="Service", path="spec.selector", to="Pod"},
--     rel.ref{type="mounts", from="Pod", path="spec.volumes[*].configMap.name", to="ConfigMap"},
--     rel.ref{type="runs-on", from="Pod", path="spec.nodeName", to="Node", cross_namespace=true},
--     rel.labelref{type="part-of", from="*", label="app.kubernetes.io/part-of", to="Application.argoproj.io"},
--     rel.fn{type="issues", from="Certificate.cert-manager.io", match=function(obj, find) … end},
--   }
--
-- Each constructor checks its table at once and records the plugin line that
-- called it; a mistake is an error pointing there ("plugins/x.lua:12: …").
-- The C core validates the result again and compiles it (core/script/script.h,
-- script_relation_t); a plain table with `rule = "ref"` etc. works too.
local k = require "kubilitics"
local path = require "kubilitics.path"

local M = {}

local FIELDS = {
  owner = { type = true, from = true, to = true },
  selector = { type = true, from = true, to = true, path = true, selector = true },
  ref = { type = true, from = true, to = true, path = true, namespace_path = true, cross_namespace = true },
  labelref = { type = true, from = true, to = true, label = true, target_label = true },
  ["function"] = { type = true, from = true, to = true, match = true },
}
local COMMON = { description = true, line = true }

local function build(rule, t)
  -- level 3: build ← constructor ← the plugin's call
  local file, line = k.where(3)
  local function bad(msg)
    local at = file and (file .. ":" .. tostring(line) .. ": ") or ""
    error(at .. "kubilitics.relations." .. (rule == "function" and "fn" or rule) .. ": " .. msg, 0)
  end
  if type(t) ~= "table" then bad("expected a table of rule fields") end
  local r = { rule = rule, line = t.line or line }
  for key, v in pairs(t) do
    if not FIELDS[rule][key] and not COMMON[key] then bad("unknown field '" .. tostring(key) .. "'") end
    if key ~= "line" then r[key] = v end
  end

  if rule == "owner" and r.type == nil then r.type = "owns" end
  if type(r.type) ~= "string" or not r.type:match("^[a-z0-9%-]+$") then
    bad("type must be an edge type of [a-z0-9-]+ (e.g. \"mounts\")")
  end

  local star_ok = rule == "owner" or rule == "labelref" or rule == "function"
  local function kind(field, v)
    if v == "*" then
      if not star_ok then bad(field .. ": '*' is not allowed for " .. rule .. " rules") end
      return v
    end
    if type(v) ~= "string" then bad(field .. " must be a kind name") end
    local canon, msg = k.kind(v)
    if not canon then bad(field .. ": " .. msg) end
    return canon
  end
  if r.from == nil then
    if rule ~= "owner" then bad("from (the source kind) is required") end
    r.from = "*"
  end
  r.from = kind("from", r.from)
  if r.to == nil then
    if rule ~= "owner" and rule ~= "function" then bad("to (the target kind) is required") end
    r.to = "*"
  end
  if type(r.to) == "table" then
    if #r.to == 0 then bad("to must name at least one kind") end
    local list = {}
    for i, v in ipairs(r.to) do list[i] = kind("to", v) end
    r.to = list
  else
    r.to = kind("to", r.to)
  end

  local function check_path(field, v)
    local ok, msg = path.parse(v)
    if not ok then bad(field .. ": " .. msg) end
  end
  if rule == "selector" or rule == "ref" then
    if r.path == nil then bad("path (where to look on the source) is required") end
    if type(r.path) == "table" then
      if #r.path == 0 then bad("path must hold at least one path") end
      for _, p in ipairs(r.path) do check_path("path", p) end
    else
      check_path("path", r.path)
    end
  end
  if r.namespace_path ~= nil then check_path("namespace_path", r.namespace_path) end
  if r.cross_namespace ~= nil and type(r.cross_namespace) ~= "boolean" then
    bad("cross_namespace must be true or false")
  end
  if r.selector ~= nil and r.selector ~= "auto" and r.selector ~= "map" and r.selector ~= "labelSelector" then
    bad("selector must be one of auto, map, labelSelector")
  end
  if rule == "labelref" then
    if type(r.label) ~= "string" or not r.label:match("^[%w%-%./_]+$") then
      bad("label must be a label key (e.g. \"app.kubernetes.io/part-of\")")
    end
    if r.target_label ~= nil and (type(r.target_label) ~= "string" or not r.target_label:match("^[%w%-%./_]+$")) then
      bad("target_label must be a label key")
    end
  end
  if rule == "function" and type(r.match) ~= "function" then bad("match must be a function(obj, find)") end
  return r
end

--- owner{type="owns"} — edges from metadata.ownerReferences (owner → owned).
-- (Each constructor keeps its own frame — no tail call — so the line
-- recorded is the plugin's.)
function M.owner(t) local r = build("owner", t or {}) return r end
--- selector{type=, from=, path=, to=, selector="auto"|"map"|"labelSelector"} — label selectors, same namespace.
function M.selector(t) local r = build("selector", t) return r end
--- ref{type=, from=, path=, to=, namespace_path=, cross_namespace=} — a field names the target.
function M.ref(t) local r = build("ref", t) return r end
--- labelref{type=, from=, label=, to=, target_label=} — a label on the source names the target.
function M.labelref(t) local r = build("labelref", t) return r end
--- fn{type=, from=, to=, match=function(obj, find) return {ID, …} end} — anything else.
function M.fn(t) local r = build("function", t) return r end

--- get(obj, path) → values at a field path (see kubilitics.path), for match functions.
M.get = path.get

return M
