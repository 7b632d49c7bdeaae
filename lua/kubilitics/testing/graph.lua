--- kubilitics.testing.graph — relation rules evaluated on fixture objects.
--
-- A plain-Lua evaluator of the rule kinds a plugin declares, with the
-- semantics the core compiles them to (core/script/script.h for the rules,
-- core/store and core/graph for how values are read and edges drawn; prose in
-- docs/topology.md). It has no indexes: it looks at every pair, which is fine
-- for fixtures and keeps the rules readable. tests/unit/test_script_testing.c
-- runs the same rules and objects through the real store and graph and
-- compares the answers, so the two cannot drift apart silently.
--
--   local graph = require "kubilitics.testing.graph"
--   local g = graph.build(rules, objects)
--   g:has("Service/shop/web", "selects", "Pod/shop/web-1") --> true
--   g.missing["Pod/shop/web-1"]                            --> {"ConfigMap/shop/gone"}
local json = require "kubilitics.testing.json"
local kinds = require "kubilitics.testing.kinds"
local path = require "kubilitics.path"

local M = {}

local function is_table(v) return type(v) == "table" and v ~= json.null end
local function is_array(v)
  return is_table(v) and (getmetatable(v) == json.array_mt or rawlen(v) > 0)
end
local function is_object(v) return is_table(v) and not is_array(v) end
local function str(v) if type(v) == "string" then return v end end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  return keys
end

--- group_of(apiVersion) → the API group: "apps/v1" → "apps", "v1" → "".
function M.group_of(api_version)
  return type(api_version) == "string" and api_version:match("^(.-)/") or ""
end

--- kind_id(kind, group) → "Kind" or "Kind.group".
function M.kind_id(kind, group)
  if group and group ~= "" then return kind .. "." .. group end
  return kind
end

--- kind_of(obj) → the object's ID kind, from its kind and apiVersion.
function M.kind_of(obj) return M.kind_id(obj.kind, M.group_of(obj.apiVersion)) end

--- id_of(obj) → the object's ID, KIND[.GROUP]/NAMESPACE/NAME.
function M.id_of(obj)
  local m = obj.metadata
  return M.kind_of(obj) .. "/" .. (str(m.namespace) or "") .. "/" .. m.name
end

-- Values at a parsed path, read as the store reads them: keys only on
-- objects, indexes only on arrays, [*] over an array's items or an object's
-- values (in key order here; a JSON object's order is gone after decoding).
local function walk(v, steps, i, out)
  if i > #steps then
    out[#out + 1] = v
    return
  end
  local s = steps[i]
  if s == path.ALL then
    if is_array(v) then
      for _, x in ipairs(v) do walk(x, steps, i + 1, out) end
    elseif is_object(v) then
      for _, k in ipairs(sorted_keys(v)) do walk(v[k], steps, i + 1, out) end
    end
  elseif math.type(s) == "integer" then
    if is_array(v) and v[s + 1] ~= nil then walk(v[s + 1], steps, i + 1, out) end
  elseif is_object(v) and v[s] ~= nil then
    walk(v[s], steps, i + 1, out)
  end
end

local function values_at(obj, steps)
  local out = {}
  walk(obj, steps, 1, out)
  return out
end

-- ---- label selectors (core/store/store.c selector_text, store/selector.c) ----

local function token_ok(t) return type(t) == "string" and t:match("^[%w%-_./]*$") ~= nil end

local function each_child(v, fn)
  if not is_table(v) then return true end
  if is_array(v) then
    for _, x in ipairs(v) do if fn(nil, x) == false then return false end end
  else
    for _, k in ipairs(sorted_keys(v)) do if fn(k, v[k]) == false then return false end end
  end
  return true
end

-- Requirements {key, op, values} of the selector value v, or nil when it can
-- match nothing (not an object, an empty plain map, malformed).
local function selector_reqs(v, form)
  if not is_object(v) then return nil end
  local ml, me = v.matchLabels, v.matchExpressions
  local labsel = form == "labelSelector" or (form == "auto" and (ml ~= nil or me ~= nil))
  if not labsel then ml, me = v, nil end
  local reqs = {}
  local ok = each_child(ml, function(k, val)
    if type(val) ~= "string" or not token_ok(k) or not token_ok(val) then return false end
    reqs[#reqs + 1] = { k, "in", { val } }
  end)
  ok = ok and each_child(me, function(_, e)
    local key, op = is_object(e) and str(e.key), is_object(e) and str(e.operator)
    if not key or not op or not token_ok(key) then return false end
    if op == "Exists" then
      reqs[#reqs + 1] = { key, "exists", {} }
    elseif op == "DoesNotExist" then
      reqs[#reqs + 1] = { key, "!exists", {} }
    elseif op == "In" or op == "NotIn" then
      local vals = {}
      local vok = each_child(e.values, function(_, x)
        if not token_ok(x) then return false end
        vals[#vals + 1] = x
      end)
      if not vok or #vals == 0 then return false end -- In/NotIn need values
      reqs[#reqs + 1] = { key, op == "In" and "in" or "notin", vals }
    else
      return false
    end
  end)
  if not ok then return nil end
  if #reqs == 0 and not labsel then return nil end -- a Service without selector selects nothing
  return reqs
end

local function labels_of(obj)
  local out = {}
  local l = is_object(obj.metadata) and obj.metadata.labels
  if is_object(l) then
    for k, v in pairs(l) do if type(k) == "string" and type(v) == "string" then out[k] = v end end
  end
  return out
end

local function matches(reqs, labels)
  for _, r in ipairs(reqs) do
    local v = labels[r[1]]
    local inset = false
    for _, x in ipairs(r[3]) do if x == v then inset = true end end
    if r[2] == "in" and not inset then return false end
    if r[2] == "notin" and v ~= nil and inset then return false end
    if r[2] == "exists" and v == nil then return false end
    if r[2] == "!exists" and v ~= nil then return false end
  end
  return true
end

-- ---- rules ----

local function list_of(v)
  if v == nil then return {} end
  if type(v) == "table" then return v end
  return { v }
end

local function canon_kind(k)
  if k == "*" then return k end
  return kinds.canonical(k) or k
end

-- A rule as the core holds it (script_relation_t): kinds canonical, lists
-- for to and path, parsed paths. Raises what graph_set_rules would reject.
local function compile(r, where)
  local function bad(msg) error(where .. ": " .. msg, 0) end
  local c = { rule = r.rule, src = r, type = r.type, label = r.label, target_label = r.target_label,
              cross_namespace = r.cross_namespace == true, selector = r.selector or "auto", match = r.match }
  if c.rule == "owner" then c.type = c.type or "owns" end
  if type(c.type) ~= "string" or c.type == "" then bad("relation without an edge type") end
  c.from = canon_kind(r.from or (c.rule == "owner" and "*") or nil)
  if not c.from then bad("relation without a source kind (from)") end
  if c.from == "*" and (c.rule == "selector" or c.rule == "ref") then
    bad(c.rule .. " rules need a source kind, not '*'")
  end
  c.to, c.to_any = {}, false
  local tos = list_of(r.to)
  if #tos == 0 then
    if c.rule == "selector" then bad("selector relation needs a target kind (to)") end
    c.to_any = true
  end
  for _, k in ipairs(tos) do
    if k == "*" then c.to_any = true else c.to[#c.to + 1] = canon_kind(k) end
  end
  c.paths = {}
  for _, p in ipairs(list_of(r.path)) do
    local steps, msg = path.parse(p)
    if not steps then bad(msg) end
    c.paths[#c.paths + 1] = steps
  end
  if (c.rule == "selector" or c.rule == "ref") and #c.paths == 0 then bad("relation needs at least one path") end
  if r.namespace_path then
    local steps, msg = path.parse(r.namespace_path)
    if not steps then bad(msg) end
    c.namespace_path = steps
  end
  if c.rule == "labelref" then
    if type(c.label) ~= "string" or c.label == "" then bad("labelref relation needs a label") end
    if c.to_any and not c.target_label then bad("labelref relation by name needs a target kind (to)") end
  elseif c.rule == "function" then
    if type(c.match) ~= "function" then bad("function relation without a match function") end
  elseif c.rule ~= "owner" and c.rule ~= "selector" and c.rule ~= "ref" then
    bad("unknown rule kind " .. tostring(c.rule))
  end
  return c
end

local function kind_in(c, kind)
  if c.to_any then return true end
  for _, k in ipairs(c.to) do if k == kind then return true end end
  return false
end

-- ---- the graph ----

local Graph = {}
Graph.__index = Graph

--- g:has(source, type, target) → true when the edge was drawn.
function Graph:has(source, ty, target) return self.set[source .. " " .. ty .. " " .. target] == true end

--- g:list() → every edge as "SOURCE TYPE TARGET", sorted.
function Graph:list()
  local out = {}
  for _, e in ipairs(self.edges) do out[#out + 1] = e.source .. " " .. e.type .. " " .. e.target end
  return out
end

--- g:from(id) → edges leaving id ({source=, type=, target=}, sorted).
function Graph:from(id)
  local out = {}
  for _, e in ipairs(self.edges) do if e.source == id then out[#out + 1] = e end end
  return out
end

--- g:to(id) → edges arriving at id.
function Graph:to(id)
  local out = {}
  for _, e in ipairs(self.edges) do if e.target == id then out[#out + 1] = e end end
  return out
end

--- g:dump() → the edges, then "missing ID: …" lines, one per line (for diffs).
function Graph:dump()
  local lines = self:list()
  for _, id in ipairs(sorted_keys(self.missing)) do
    lines[#lines + 1] = "missing " .. id .. ": " .. table.concat(self.missing[id], " ")
  end
  return table.concat(lines, "\n")
end

--- build(rules, objects [, opts]) → graph. rules as a plugin declares them
-- (each may carry plugin=, file=, line= for messages); objects decoded
-- Kubernetes objects. opts.call(rule, obj, find) runs a function rule's
-- match (default: a plain pcall) and returns ok, result. opts.cluster_scoped
-- adds kinds to treat as cluster-scoped.
function M.build(rules, objects, opts)
  opts = opts or {}
  local g = setmetatable({ edges = {}, set = {}, missing = {}, errors = {} }, Graph)
  local by_id, ns_of, kind_list = {}, {}, {}
  -- Which kinds are cluster-scoped: discovery says so in the server; here a
  -- kind whose fixture objects have no namespace is, else the built-in list.
  local seen_ns, seen_cluster = {}, {}
  for _, o in ipairs(objects) do
    local id, kind = M.id_of(o), M.kind_of(o)
    by_id[id] = o
    ns_of[o] = str(o.metadata.namespace) or ""
    kind_list[o] = kind
    if ns_of[o] == "" then seen_cluster[kind] = true else seen_ns[kind] = true end
  end
  local extra = {}
  for _, k in ipairs(opts.cluster_scoped or {}) do extra[k] = true end
  local function cluster_scoped(kind)
    if extra[kind] then return true end
    if seen_ns[kind] then return false end
    if seen_cluster[kind] then return true end
    return kinds.CLUSTER_SCOPED[kind] == true
  end
  local function target_ns(kind, ns) if cluster_scoped(kind) then return "" end return ns end

  local function edge(src, ty, dst)
    if src == dst then return end
    local key = src .. " " .. ty .. " " .. dst
    if g.set[key] then return end
    g.set[key] = true
    g.edges[#g.edges + 1] = { source = src, type = ty, target = dst }
  end
  local function miss(holder, id)
    local l = g.missing[holder] or {}
    for _, x in ipairs(l) do if x == id then return end end
    l[#l + 1] = id
    g.missing[holder] = l
  end
  -- An edge from (or, for owners, to) holder when the target exists; else a
  -- missing reference on holder.
  local function id_target(holder, ty, kind, ns, name, holder_is_source)
    local t = kind .. "/" .. ns .. "/" .. name
    if not by_id[t] then return miss(holder, t) end
    if holder_is_source then edge(holder, ty, t) else edge(t, ty, holder) end
  end

  local function projection(o)
    local m = o.metadata
    local p = { kind = o.kind, metadata = { name = m.name, labels = labels_of(o), ownerReferences = json.array() },
                kubilitics = { id = M.id_of(o), status = "unknown", reason = "" } }
    if ns_of[o] ~= "" then p.metadata.namespace = ns_of[o] end
    if str(m.uid) then p.metadata.uid = m.uid end
    p.metadata.resourceVersion = tostring(math.tointeger(tonumber(str(m.resourceVersion) or "") or 0) or 0)
    each_child(m.ownerReferences, function(_, r)
      if is_object(r) and str(r.kind) and str(r.name) then
        local ow = p.metadata.ownerReferences
        ow[#ow + 1] = { kind = r.kind, name = r.name, controller = r.controller == true }
      end
    end)
    return p
  end
  local function find(kind, ns, name)
    if type(kind) ~= "string" or type(name) ~= "string" then error("find(kind, namespace, name)", 2) end
    local o = by_id[kind .. "/" .. (ns or "") .. "/" .. name]
    if not o then return nil end
    return json.decode(json.encode(projection(o)))
  end
  local call = opts.call or function(rule, o, f) return pcall(rule.match, o, f) end

  for i, r in ipairs(rules) do
    local where = string.format("plugin %s %s:%s", tostring(r.plugin or "?"), tostring(r.file or "?"),
                                tostring(r.line or i))
    local c = compile(r, where)
    for _, o in ipairs(objects) do
      local id, kind, ns = M.id_of(o), kind_list[o], ns_of[o]
      if c.rule == "owner" then
        if kind_in(c, kind) then
          each_child(o.metadata.ownerReferences, function(_, ref)
            local okind, oname = is_object(ref) and str(ref.kind), is_object(ref) and str(ref.name)
            if not okind or not oname then return end
            local ok = M.kind_id(okind, M.group_of(str(ref.apiVersion)))
            if c.from ~= "*" and c.from ~= ok then return end
            local tns = target_ns(ok, ns)
            if not by_id[ok .. "/" .. tns .. "/" .. oname] and tns ~= "" and by_id[ok .. "//" .. oname] then
              tns = ""
            end
            id_target(id, c.type, ok, tns, oname, false)
          end)
        end
      elseif c.from == "*" or c.from == kind then
        if c.rule == "selector" then
          for _, steps in ipairs(c.paths) do
            for _, v in ipairs(values_at(o, steps)) do
              local reqs = selector_reqs(v, c.selector)
              if reqs then
                for _, t in ipairs(objects) do
                  if t ~= o and ns_of[t] == ns and kind_in(c, kind_list[t]) and matches(reqs, labels_of(t)) then
                    edge(id, c.type, M.id_of(t))
                  end
                end
              end
            end
          end
        elseif c.rule == "ref" then
          local ns_override
          if c.namespace_path then
            for _, v in ipairs(values_at(o, c.namespace_path)) do
              if type(v) == "string" and v ~= "" then ns_override = v break end
              if type(v) == "number" then ns_override = string.format("%d", math.floor(v)) break end
            end
          end
          for _, steps in ipairs(c.paths) do
            for _, v in ipairs(values_at(o, steps)) do
              local name, tkind, has_ns, vns
              if is_object(v) then
                name = str(v.name)
                local k = str(v.kind)
                if k and k ~= "" then
                  local grp = str(v.apiGroup) or str(v.group) or M.group_of(str(v.apiVersion))
                  tkind = M.kind_id(k, grp)
                end
                vns = str(v.namespace)
                has_ns = vns ~= nil
              elseif type(v) == "string" then
                name = v
              end
              if name and name ~= "" then
                local dns = has_ns and vns or ns_override or (c.cross_namespace and "" or ns)
                if tkind then
                  if kind_in(c, tkind) then id_target(id, c.type, tkind, target_ns(tkind, dns), name, true) end
                else
                  for _, tk in ipairs(c.to) do id_target(id, c.type, tk, target_ns(tk, dns), name, true) end
                end
              end
            end
          end
        elseif c.rule == "labelref" then
          local v = labels_of(o)[c.label]
          if v and v ~= "" then
            if not c.target_label then
              local lns = c.cross_namespace and "" or ns
              for _, tk in ipairs(c.to) do id_target(id, c.type, tk, target_ns(tk, lns), v, true) end
            elseif token_ok(v) then
              for _, t in ipairs(objects) do
                if t ~= o and ns_of[t] == ns and kind_in(c, kind_list[t]) and labels_of(t)[c.target_label] == v then
                  edge(id, c.type, M.id_of(t))
                end
              end
            end
          end
        elseif c.rule == "function" then
          local copy = json.decode(json.encode(o))
          local ok, res = call(c, copy, find)
          if not ok then
            g.errors[#g.errors + 1] = { rule = r, object = id, message = tostring(res) }
          elseif res ~= nil then
            -- Targets are taken one by one, as the host does: a bad entry
            -- stops the rule, and what came before it stays drawn.
            if type(res) ~= "table" then
              g.errors[#g.errors + 1] = { rule = r, object = id, message =
                "relation rule must return a list of target IDs (got " .. type(res) .. ")" }
            else
              for k = 1, rawlen(res) do
                local t, tid, ty = res[k], nil, c.type
                if type(t) == "string" then
                  tid = t
                elseif type(t) == "table" then
                  tid = str(t.id)
                  if type(t.type) == "string" then ty = t.type elseif t.type ~= nil then tid = nil end
                end
                if not tid then
                  g.errors[#g.errors + 1] = { rule = r, object = id, message = string.format(
                    "relation rule result [%d] must be an ID string or {id=, type=}", k) }
                  break
                end
                local tk, tns, tname = tid:match("^([^/]+)/([^/]*)/(.+)$")
                if tk then
                  id_target(id, ty ~= "" and ty or c.type, tk, tns, tname, true)
                end
              end
            end
          end
        end
      end
    end
  end
  table.sort(g.edges, function(a, b)
    if a.source ~= b.source then return a.source < b.source end
    if a.type ~= b.type then return a.type < b.type end
    return a.target < b.target
  end)
  for _, l in pairs(g.missing) do table.sort(l) end
  return g
end

return M
