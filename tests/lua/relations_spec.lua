-- kubilitics.relations: rule constructors validate at once and point at the
-- declaring line. A small fake host stands in for the C kind table.
local KINDS = {
  Pod = "Pod", pods = "Pod", Service = "Service", ConfigMap = "ConfigMap", Secret = "Secret", Node = "Node",
  Deployment = "Deployment.apps", Role = "Role.rbac.authorization.k8s.io",
  ClusterRole = "ClusterRole.rbac.authorization.k8s.io", RoleBinding = "RoleBinding.rbac.authorization.k8s.io",
}

local function fake_host()
  return {
    version = "test",
    kind = function(name)
      if KINDS[name] then return KINDS[name] end
      if name:match("^[A-Z]%w*%.[%w-]+%.[%w.-]+$") then return name end
      return nil, "unknown kind '" .. name .. "' (use a built-in kind, or Kind.group for custom resources)"
    end,
  }
end

describe("kubilitics.relations", function()
  local rel

  before_each(function()
    for _, m in ipairs({ "kubilitics", "kubilitics.host", "kubilitics.relations", "kubilitics.path" }) do
      package.loaded[m] = nil
    end
    package.preload["kubilitics.host"] = fake_host
    rel = require "kubilitics.relations"
  end)

  after_each(function()
    package.preload["kubilitics.host"] = nil
    package.loaded["kubilitics.host"] = nil
  end)

  it("owner defaults to owns, any kind to any kind", function()
    local r = rel.owner {}
    assert.same({ "owner", "owns", "*", "*" }, { r.rule, r.type, r.from, r.to })
  end)

  it("canonicalizes kinds and keeps the fields the core reads", function()
    local r = rel.selector { type = "selects", from = "Service", path = "spec.selector", to = "pods", selector = "map" }
    assert.same({ "selector", "selects", "Service", "Pod", "spec.selector", "map" },
      { r.rule, r.type, r.from, r.to, r.path, r.selector })
    local g = rel.ref { type = "grants", from = "RoleBinding", path = "roleRef", to = { "Role", "ClusterRole" } }
    assert.same({ "Role.rbac.authorization.k8s.io", "ClusterRole.rbac.authorization.k8s.io" }, g.to)
    local n = rel.ref { type = "runs-on", from = "Pod", path = "spec.nodeName", to = "Node", cross_namespace = true }
    assert.is_true(n.cross_namespace)
  end)

  it("records the line of the call", function()
    local line = debug.getinfo(1, "l").currentline + 1
    local r = rel.ref { type = "mounts", from = "Pod", path = "spec.volumes[*].configMap.name", to = "ConfigMap" }
    assert.equal(line, r.line)
  end)

  it("rejects a bad path naming the declaring line", function()
    local line = debug.getinfo(1, "l").currentline + 2
    local ok, err = pcall(function()
      rel.ref { type = "mounts", from = "Pod", path = "spec..volumes", to = "ConfigMap" }
    end)
    assert.is_false(ok)
    assert.matches("relations_spec.lua:" .. line .. ": kubilitics.relations.ref: path: bad path 'spec..volumes'", err,
      1, true)
  end)

  it("rejects an unknown kind naming the declaring line", function()
    local line = debug.getinfo(1, "l").currentline + 2
    local ok, err = pcall(function()
      rel.selector { type = "selects", from = "Service", path = "spec.selector", to = "Pdo" }
    end)
    assert.is_false(ok)
    assert.matches(":" .. line .. ": kubilitics.relations.selector: to: unknown kind 'Pdo'", err, 1, true)
  end)

  it("accepts custom resources as Kind.group", function()
    local r = rel.labelref { type = "part-of", from = "*", label = "app.kubernetes.io/part-of",
      to = "Application.argoproj.io" }
    assert.equal("Application.argoproj.io", r.to)
  end)

  it("rejects what a rule kind does not use, and missing fields", function()
    assert.has_error(function() rel.owner { path = "x" } end)
    assert.has_error(function() rel.ref { type = "x", from = "Pod", to = "Secret" } end)
    assert.has_error(function() rel.ref { type = "Bad Type", from = "Pod", path = "a", to = "Secret" } end)
    assert.has_error(function() rel.selector { type = "s", from = "*", path = "a", to = "Pod" } end)
    assert.has_error(function() rel.labelref { type = "p", from = "Pod", to = "Pod" } end)
    assert.has_error(function() rel.fn { type = "f", from = "Pod" } end)
    assert.has_error(function() rel.ref { type = "x", from = "Pod", path = "a", to = "Secret", cross_namespace = "yes" } end)
  end)

  it("function rules run on fixture objects", function()
    local r = rel.fn { type = "issues", from = "Certificate.cert-manager.io", to = "Secret",
      match = function(obj, find)
        local out = {}
        for _, name in ipairs(rel.get(obj, "spec.secretName")) do
          if find("Secret", obj.metadata.namespace, name) then
            out[#out + 1] = "Secret/" .. obj.metadata.namespace .. "/" .. name
          end
        end
        return out
      end }
    local cert = { metadata = { namespace = "shop", name = "c" }, spec = { secretName = "tls" } }
    local store = { ["Secret/shop/tls"] = {} }
    local function find(kind, ns, name) return store[kind .. "/" .. ns .. "/" .. name] end
    assert.same({ "Secret/shop/tls" }, r.match(cert, find))
  end)
end)
