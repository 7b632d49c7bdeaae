-- relation_eval.lua — a small pure-Lua evaluator of declared relation rules,
-- for specs: the same semantics the core compiles (core/graph, see
-- docs/topology.md), without the indexes. Given rules and a list of objects
-- it returns every edge and every missing reference.
--
--   local eval = require "relation_eval"
--   local g = eval.run(rules, objects)
--   g.edges["Service/shop/web selects Pod/shop/web-1"] --> true
--   g.missing["Pod/shop/web-1"]                      --> {"ConfigMap/shop/gone"}
local path = require "kubilitics.path"

local M = {}

-- Kinds that live outside namespaces (the core asks the store; the
-- evaluator knows the usual ones).
local CLUSTER_SCOPED = {
  Node = true, PersistentVolume = true, Namespace = true, ["StorageClass.storage.k8s.io"] = true,
  ["ClusterRole.rbac.authorization.k8s.io"] = true, ["ClusterRoleBinding.rbac.authorization.k8s.io"] = true,
  ["IngressClass.networking.k8s.io"] = true, ["ClusterIssuer.cert-manager.io"] = true,
  ["CustomResourceDefinition.apiextensions.k8s.io"] = true,
}

local function group_of(api_version)
  if not api_version then return "" end
  return api_version:match("^(.-)/") or ""
end

--- kind_id(kind, group) → "Kind" or "Kind.group".
function M.kind_id(kind, group)
  if group and group ~= "" then return kind .. "." .. group end
  return kind
end

--- id_of(obj) → the object's ID from apiVersion, kind and metadata.
function M.id_of(o)
  local m = o.metadata
  return M.kind_id(o.kind, group_of(o.apiVersion)) .. "/" .. (m.namespace or "") .. "/" .. m.name
end

local function kind_of(o) return M.kind_id(o.kind, group_of(o.apiVersion)) end

local function in_list(list, v)
  if type(list) ~= "table" then return list == "*" or list == v end
  for _, x in ipairs(list) do if x == "*" or x == v then return true end end
  return false
end

local function list_of(v) if type(v) == "table" then return v end return { v } end

-- A selector's requirements: {key, op ("in"|"notin"|"exists"|"!exists"), values}.
local function requirements(sel, form)
  if type(sel) ~= "table" then return nil end
  local labsel = form == "labelSelector" or (form ~= "map" and (sel.matchLabels or sel.matchExpressions))
  local reqs = {}
  if not labsel then
    for k, v in pairs(sel) do reqs[#reqs + 1] = { k, "in", { v } } end
    if #reqs == 0 then return nil end -- an empty map selects nothing
    return reqs
  end
  for k, v in pairs(sel.matchLabels or {}) do reqs[#reqs + 1] = { k, "in", { v } } end
  for _, e in ipairs(sel.matchExpressions or {}) do
    local op = ({ In = "in", NotIn = "notin", Exists = "exists", DoesNotExist = "!exists" })[e.operator]
    if not op then return nil end
    reqs[#reqs + 1] = { e.key, op, e.values or {} }
  end
  return reqs -- may be empty: selects everything
end

local function matches(reqs, labels)
  labels = labels or {}
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

--- run(rules, objects) → {edges = set of "SRC TYPE DST", missing = {[id] = sorted list}, list = sorted edge list}
function M.run(rules, objects)
  local by_id, out = {}, { edges = {}, missing = {}, list = {} }
  for _, o in ipairs(objects) do by_id[M.id_of(o)] = o end
  local function edge(src, ty, dst)
    if src == dst then return end
    local key = src .. " " .. ty .. " " .. dst
    if not out.edges[key] then
      out.edges[key] = true
      out.list[#out.list + 1] = key
    end
  end
  local function miss(holder, id)
    local l = out.missing[holder] or {}
    for _, x in ipairs(l) do if x == id then return end end
    l[#l + 1] = id
    table.sort(l)
    out.missing[holder] = l
  end
  local function target(kind, ns, name)
    if CLUSTER_SCOPED[kind] then ns = "" end
    return kind .. "/" .. ns .. "/" .. name
  end
  local function find(kind, ns, name) return by_id[target(kind, ns or "", name)] end

  for _, r in ipairs(rules) do
    local to = list_of(r.to or "*")
    for _, o in ipairs(objects) do
      local id, kind, ns = M.id_of(o), kind_of(o), o.metadata.namespace or ""
      if r.rule == "owner" then
        if in_list(to, kind) then
          for _, ref in ipairs(o.metadata.ownerReferences or {}) do
            local ok = M.kind_id(ref.kind, group_of(ref.apiVersion))
            if r.from == "*" or r.from == ok then
              local t = target(ok, ns, ref.name)
              if by_id[t] then edge(t, r.type, id) else miss(id, t) end
            end
          end
        end
      elseif r.from == "*" or r.from == kind then
        if r.rule == "selector" then
          for _, p in ipairs(list_of(r.path)) do
            for _, sel in ipairs(path.get(o, p)) do
              local reqs = requirements(sel, r.selector or "auto")
              if reqs then
                for _, t in ipairs(objects) do
                  if (t.metadata.namespace or "") == ns and in_list(to, kind_of(t)) and matches(reqs, t.metadata.labels) then
                    edge(id, r.type, M.id_of(t))
                  end
                end
              end
            end
          end
        elseif r.rule == "ref" then
          local nsv = r.namespace_path and path.get(o, r.namespace_path)[1]
          for _, p in ipairs(list_of(r.path)) do
            for _, v in ipairs(path.get(o, p)) do
              local name, tkinds, tns
              if type(v) == "table" then
                name = v.name
                if v.kind then
                  local g = v.apiGroup or v.group or group_of(v.apiVersion)
                  tkinds = { M.kind_id(v.kind, g) }
                  if not in_list(to, tkinds[1]) then name = nil end
                end
                tns = v.namespace
              else
                name = v
              end
              if type(name) == "string" and name ~= "" then
                tns = tns or nsv or (r.cross_namespace and "" or ns)
                for _, tk in ipairs(tkinds or to) do
                  local t = target(tk, tns, name)
                  if by_id[t] then edge(id, r.type, t) else miss(id, t) end
                end
              end
            end
          end
        elseif r.rule == "labelref" then
          local v = (o.metadata.labels or {})[r.label]
          if v and v ~= "" then
            if r.target_label then
              for _, t in ipairs(objects) do
                if (t.metadata.namespace or "") == ns and in_list(to, kind_of(t))
                  and (t.metadata.labels or {})[r.target_label] == v then
                  edge(id, r.type, M.id_of(t))
                end
              end
            else
              for _, tk in ipairs(to) do
                local t = target(tk, r.cross_namespace and "" or ns, v)
                if by_id[t] then edge(id, r.type, t) else miss(id, t) end
              end
            end
          end
        elseif r.rule == "function" then
          for _, t in ipairs(r.match(o, find) or {}) do
            local tid, ty = t, r.type
            if type(t) == "table" then tid, ty = t.id, t.type or r.type end
            if by_id[tid] then edge(id, ty, tid) else miss(id, tid) end
          end
        end
      end
    end
  end
  table.sort(out.list)
  return out
end

return M
