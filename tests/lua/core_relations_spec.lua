-- core_relations_spec.lua — plugins/core-relations.lua on fixture objects:
-- every edge type of the contract is drawn where a careful reader of the
-- manifests would draw it, and nothing else. The rules are evaluated by
-- kubilitics.testing.graph, the evaluator `kubilitics plugin test` uses, which
-- tests/unit/test_script_testing.c holds to the C graph's results.
package.path = "tests/lua/?.lua;" .. package.path

-- The evaluator's result in the shape these specs read: edges as a set of
-- "SOURCE TYPE TARGET" keys, the same keys as a sorted list, missing by holder.
local function evaluator()
  local tg = require "kubilitics.testing.graph"
  return {
    run = function(rules, objects)
      local g = tg.build(rules, objects)
      local list = g:list()
      table.sort(list)
      return { edges = g.set, list = list, missing = g.missing }
    end,
  }
end

local KINDS = {
  Pod = "Pod", Service = "Service", ConfigMap = "ConfigMap", Secret = "Secret", Node = "Node",
  ServiceAccount = "ServiceAccount", PersistentVolumeClaim = "PersistentVolumeClaim",
  PersistentVolume = "PersistentVolume",
}

local function fake_host()
  return {
    version = "test",
    kind = function(name)
      if name == "*" then return name end
      if KINDS[name] then return KINDS[name] end
      if name:match("^[A-Z]%w*%.[%w-]+[%w.-]*$") then return name end
      return nil, "unknown kind '" .. name .. "'"
    end,
  }
end

local function load_plugin(file)
  for _, m in ipairs({ "kubilitics", "kubilitics.host", "kubilitics.relations", "kubilitics.path" }) do
    package.loaded[m] = nil
  end
  package.preload["kubilitics.host"] = fake_host
  return dofile(file)
end

local function obj(api, kind, ns, name, extra)
  local o = extra or {}
  o.apiVersion, o.kind = api, kind
  o.metadata = o.metadata or {}
  o.metadata.name, o.metadata.namespace = name, ns
  return o
end

local function owner(api, kind, name) return { { apiVersion = api, kind = kind, name = name, uid = name .. "-uid", controller = true } } end

-- A small shop: one Deployment with its ReplicaSet and two Pods, a Service,
-- an Ingress with TLS, an HTTPRoute, a PDB, a NetworkPolicy, config, storage,
-- RBAC, an HPA, and things that must not be connected.
local function shop()
  local web = { app = "web" }
  return {
    obj("v1", "Node", nil, "worker-1"),
    obj("apps/v1", "Deployment", "shop", "web", { metadata = { labels = web },
      spec = { selector = { matchLabels = web } } }),
    obj("apps/v1", "ReplicaSet", "shop", "web-7d", { metadata = { labels = web, ownerReferences = owner("apps/v1", "Deployment", "web") },
      spec = { selector = { matchLabels = web } } }),
    obj("v1", "Pod", "shop", "web-7d-a", { metadata = { labels = { app = "web", tier = "front" },
      ownerReferences = owner("apps/v1", "ReplicaSet", "web-7d") },
      spec = {
        nodeName = "worker-1", serviceAccountName = "web",
        imagePullSecrets = { { name = "regcred" } },
        volumes = {
          { name = "cfg", configMap = { name = "web-config" } },
          { name = "tls", secret = { secretName = "web-tls" } },
          { name = "data", persistentVolumeClaim = { claimName = "web-data" } },
          { name = "api", projected = { sources = { { serviceAccountToken = { path = "token" } },
                                                    { configMap = { name = "kube-root-ca.crt" } } } } },
          { name = "tmp", emptyDir = {} },
        },
        containers = { {
          name = "app",
          env = { { name = "A", value = "1" },
                  { name = "DB", valueFrom = { secretKeyRef = { name = "db", key = "url" } } },
                  { name = "F", valueFrom = { configMapKeyRef = { name = "features", key = "f" } } },
                  { name = "P", valueFrom = { fieldRef = { fieldPath = "metadata.name" } } } },
          envFrom = { { configMapRef = { name = "web-env" } } },
        } },
        initContainers = { { name = "migrate", envFrom = { { secretRef = { name = "db" } } } } },
      } }),
    obj("v1", "Pod", "shop", "web-7d-b", { metadata = { labels = { app = "web", tier = "canary" },
      ownerReferences = owner("apps/v1", "ReplicaSet", "web-7d") },
      spec = { nodeName = "worker-1", serviceAccountName = "web",
               volumes = { { name = "cfg", configMap = { name = "missing-config" } } } } }),
    obj("v1", "Pod", "other", "stray", { metadata = { labels = web } }),
    obj("v1", "Service", "shop", "web", { spec = { selector = web } }),
    obj("v1", "Service", "shop", "headless", { spec = {} }),
    obj("networking.k8s.io/v1", "Ingress", "shop", "front", { spec = {
      tls = { { hosts = { "shop.example.com" }, secretName = "web-tls" } },
      defaultBackend = { service = { name = "web", port = { number = 80 } } },
      rules = { { http = { paths = { { path = "/api", backend = { service = { name = "api", port = { number = 80 } } } } } } } },
    } }),
    obj("v1", "Service", "shop", "api", { spec = { selector = { app = "api" } } }),
    obj("gateway.networking.k8s.io/v1", "HTTPRoute", "shop", "route", { spec = {
      rules = { { backendRefs = { { name = "web", port = 80 }, { kind = "Service", name = "api", port = 80 } } } },
    } }),
    obj("policy/v1", "PodDisruptionBudget", "shop", "web", { spec = { selector = {
      matchLabels = web, matchExpressions = { { key = "tier", operator = "NotIn", values = { "canary" } } } } } }),
    obj("networking.k8s.io/v1", "NetworkPolicy", "shop", "default-deny", { spec = { podSelector = {} } }),
    obj("v1", "ConfigMap", "shop", "web-config"),
    obj("v1", "ConfigMap", "shop", "features"),
    obj("v1", "ConfigMap", "shop", "web-env"),
    obj("v1", "ConfigMap", "shop", "kube-root-ca.crt"),
    obj("v1", "Secret", "shop", "web-tls"),
    obj("v1", "Secret", "shop", "db"),
    obj("v1", "Secret", "shop", "regcred"),
    obj("v1", "ServiceAccount", "shop", "web"),
    obj("v1", "PersistentVolumeClaim", "shop", "web-data", { spec = { volumeName = "pv-1", storageClassName = "fast" } }),
    obj("v1", "PersistentVolume", nil, "pv-1", { spec = { storageClassName = "fast" } }),
    obj("storage.k8s.io/v1", "StorageClass", nil, "fast"),
    obj("rbac.authorization.k8s.io/v1", "Role", "shop", "reader"),
    obj("rbac.authorization.k8s.io/v1", "ClusterRole", nil, "view"),
    obj("rbac.authorization.k8s.io/v1", "RoleBinding", "shop", "web-reader", {
      roleRef = { apiGroup = "rbac.authorization.k8s.io", kind = "Role", name = "reader" },
      subjects = { { kind = "ServiceAccount", name = "web", namespace = "shop" },
                   { kind = "User", apiGroup = "rbac.authorization.k8s.io", name = "alice" } } }),
    obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", nil, "web-view", {
      roleRef = { apiGroup = "rbac.authorization.k8s.io", kind = "ClusterRole", name = "view" },
      subjects = { { kind = "ServiceAccount", name = "web", namespace = "shop" },
                   { kind = "Group", apiGroup = "rbac.authorization.k8s.io", name = "devs" } } }),
    obj("autoscaling/v2", "HorizontalPodAutoscaler", "shop", "web", { spec = {
      scaleTargetRef = { apiVersion = "apps/v1", kind = "Deployment", name = "web" }, minReplicas = 2, maxReplicas = 5 } }),
  }
end

local EXPECTED = {
  "ClusterRoleBinding.rbac.authorization.k8s.io//web-view grants ClusterRole.rbac.authorization.k8s.io//view",
  "ClusterRoleBinding.rbac.authorization.k8s.io//web-view grants ServiceAccount/shop/web",
  "Deployment.apps/shop/web owns ReplicaSet.apps/shop/web-7d",
  "HTTPRoute.gateway.networking.k8s.io/shop/route routes Service/shop/api",
  "HTTPRoute.gateway.networking.k8s.io/shop/route routes Service/shop/web",
  "HorizontalPodAutoscaler.autoscaling/shop/web scales Deployment.apps/shop/web",
  "Ingress.networking.k8s.io/shop/front routes Service/shop/api",
  "Ingress.networking.k8s.io/shop/front routes Service/shop/web",
  "Ingress.networking.k8s.io/shop/front terminates Secret/shop/web-tls",
  "NetworkPolicy.networking.k8s.io/shop/default-deny selects Pod/shop/web-7d-a",
  "NetworkPolicy.networking.k8s.io/shop/default-deny selects Pod/shop/web-7d-b",
  "PersistentVolume//pv-1 binds StorageClass.storage.k8s.io//fast",
  "PersistentVolumeClaim/shop/web-data binds PersistentVolume//pv-1",
  "PersistentVolumeClaim/shop/web-data binds StorageClass.storage.k8s.io//fast",
  "Pod/shop/web-7d-a mounts ConfigMap/shop/kube-root-ca.crt",
  "Pod/shop/web-7d-a mounts ConfigMap/shop/web-config",
  "Pod/shop/web-7d-a mounts PersistentVolumeClaim/shop/web-data",
  "Pod/shop/web-7d-a mounts Secret/shop/web-tls",
  "Pod/shop/web-7d-a references ConfigMap/shop/features",
  "Pod/shop/web-7d-a references ConfigMap/shop/web-env",
  "Pod/shop/web-7d-a references Secret/shop/db",
  "Pod/shop/web-7d-a references Secret/shop/regcred",
  "Pod/shop/web-7d-a runs-on Node//worker-1",
  "Pod/shop/web-7d-a uses ServiceAccount/shop/web",
  "Pod/shop/web-7d-b runs-on Node//worker-1",
  "Pod/shop/web-7d-b uses ServiceAccount/shop/web",
  "PodDisruptionBudget.policy/shop/web selects Pod/shop/web-7d-a",
  "ReplicaSet.apps/shop/web-7d owns Pod/shop/web-7d-a",
  "ReplicaSet.apps/shop/web-7d owns Pod/shop/web-7d-b",
  "RoleBinding.rbac.authorization.k8s.io/shop/web-reader grants Role.rbac.authorization.k8s.io/shop/reader",
  "RoleBinding.rbac.authorization.k8s.io/shop/web-reader grants ServiceAccount/shop/web",
  "Service/shop/web selects Pod/shop/web-7d-a",
  "Service/shop/web selects Pod/shop/web-7d-b",
}

describe("plugins/core-relations.lua", function()
  local eval, plugin

  before_each(function()
    plugin = load_plugin("plugins/core-relations.lua")
    eval = evaluator()
  end)

  it("is a valid plugin that runs first", function()
    assert.are.equal("core-relations", plugin.name)
    assert.truthy(plugin.version:match("^%d+%.%d+%.%d+$"))
    assert.are.equal(1000, plugin.priority)
    assert.truthy(#plugin.relations >= 20)
    for _, r in ipairs(plugin.relations) do
      assert.truthy(r.rule and r.type and r.from and r.line, "rule without its fields")
    end
  end)

  it("declares every edge type of the contract", function()
    local types = {}
    for _, r in ipairs(plugin.relations) do types[r.type] = true end
    for _, t in ipairs({ "owns", "selects", "routes", "mounts", "references", "uses", "runs-on", "binds", "grants",
                         "scales", "terminates" }) do
      assert.is_true(types[t] == true, "missing edge type " .. t)
    end
  end)

  it("uses declarations only, so nothing runs in Lua per event", function()
    for _, r in ipairs(plugin.relations) do assert.are_not.equal("function", r.rule) end
  end)

  it("draws exactly the edges a reader of the manifests would", function()
    local g = eval.run(plugin.relations, shop())
    assert.are.same(EXPECTED, g.list)
  end)

  it("keeps references to absent objects as missing on the referring node", function()
    local g = eval.run(plugin.relations, shop())
    assert.are.same({ "ConfigMap/shop/missing-config" }, g.missing["Pod/shop/web-7d-b"])
    assert.is_nil(g.missing["Pod/shop/web-7d-a"])
    -- User and Group subjects are not objects: not missing either
    assert.is_nil(g.missing["RoleBinding.rbac.authorization.k8s.io/shop/web-reader"])
  end)

  it("selects only in the selector's namespace", function()
    local g = eval.run(plugin.relations, shop())
    assert.is_nil(g.edges["Service/shop/web selects Pod/other/stray"])
  end)

  it("does not draw controllers' selectors", function()
    local g = eval.run(plugin.relations, shop())
    assert.is_nil(g.edges["Deployment.apps/shop/web selects Pod/shop/web-7d-a"])
    assert.is_nil(g.edges["ReplicaSet.apps/shop/web-7d selects Pod/shop/web-7d-a"])
  end)

  it("a Service without selector selects nothing; an empty NetworkPolicy selector everything", function()
    local g = eval.run(plugin.relations, shop())
    for e in pairs(g.edges) do assert.is_nil(e:match("^Service/shop/headless ")) end
    assert.is_true(g.edges["NetworkPolicy.networking.k8s.io/shop/default-deny selects Pod/shop/web-7d-b"])
  end)

  it("an owner arriving resolves the missing owner reference", function()
    local objs = shop()
    local rs
    for i, o in ipairs(objs) do if o.kind == "ReplicaSet" then rs = table.remove(objs, i) break end end
    local g = eval.run(plugin.relations, objs)
    assert.are.same({ "ConfigMap/shop/missing-config", "ReplicaSet.apps/shop/web-7d" }, g.missing["Pod/shop/web-7d-b"])
    objs[#objs + 1] = rs
    g = eval.run(plugin.relations, objs)
    assert.is_true(g.edges["ReplicaSet.apps/shop/web-7d owns Pod/shop/web-7d-b"])
  end)
end)

describe("examples/plugins/org-relations.lua", function()
  local eval, plugin

  before_each(function()
    plugin = load_plugin("examples/plugins/org-relations.lua")
    eval = evaluator()
  end)

  local function objects()
    return {
      obj("app.k8s.io/v1beta1", "Application", "shop", "shop", { metadata = { labels = { ["app.kubernetes.io/name"] = "shop" } } }),
      obj("apps/v1", "Deployment", "shop", "web", { metadata = { labels = { ["app.kubernetes.io/part-of"] = "shop" } } }),
      obj("v1", "Service", "shop", "web", { metadata = { labels = { ["app.kubernetes.io/part-of"] = "shop" } } }),
      obj("v1", "Service", "shop", "unrelated", { metadata = { labels = { ["app.kubernetes.io/part-of"] = "blog" } } }),
      obj("argoproj.io/v1alpha1", "Application", "argocd", "shop", { status = { resources = {
        { group = "apps", version = "v1", kind = "Deployment", namespace = "shop", name = "web" },
        { version = "v1", kind = "Service", namespace = "shop", name = "web" },
        { group = "rbac.authorization.k8s.io", version = "v1", kind = "ClusterRole", name = "shop-reader" },
        { group = "example.com", version = "v1", kind = "Widget", namespace = "shop", name = "w" },
      } } }),
      obj("rbac.authorization.k8s.io/v1", "ClusterRole", nil, "shop-reader"),
      obj("cert-manager.io/v1", "Certificate", "shop", "web-tls", { spec = { secretName = "web-tls",
        issuerRef = { name = "letsencrypt", kind = "ClusterIssuer", group = "cert-manager.io" } } }),
      obj("cert-manager.io/v1", "Certificate", "shop", "internal", { spec = { secretName = "internal-tls",
        issuerRef = { name = "ca" } } }),
      obj("cert-manager.io/v1", "ClusterIssuer", nil, "letsencrypt"),
      obj("cert-manager.io/v1", "Issuer", "shop", "ca"),
      obj("v1", "Secret", "shop", "web-tls"),
    }
  end

  it("loads with a lower priority than the core rules", function()
    assert.are.equal("org-relations", plugin.name)
    assert.is_true(plugin.priority < 1000)
  end)

  it("draws grouping, Argo CD and cert-manager edges", function()
    local g = eval.run(plugin.relations, objects())
    assert.are.same({
      "Application.app.k8s.io/shop/shop groups Deployment.apps/shop/web",
      "Application.app.k8s.io/shop/shop groups Service/shop/web",
      "Application.argoproj.io/argocd/shop manages ClusterRole.rbac.authorization.k8s.io//shop-reader",
      "Application.argoproj.io/argocd/shop manages Deployment.apps/shop/web",
      "Application.argoproj.io/argocd/shop manages Service/shop/web",
      "Certificate.cert-manager.io/shop/internal issued-by Issuer.cert-manager.io/shop/ca",
      "Certificate.cert-manager.io/shop/web-tls issued-by ClusterIssuer.cert-manager.io//letsencrypt",
      "Certificate.cert-manager.io/shop/web-tls issues Secret/shop/web-tls",
    }, g.list)
  end)

  it("reports the Secret a Certificate has not written yet as missing", function()
    local g = eval.run(plugin.relations, objects())
    assert.are.same({ "Secret/shop/internal-tls" }, g.missing["Certificate.cert-manager.io/shop/internal"])
  end)

  it("leaves kinds it does not list alone (the Widget)", function()
    local g = eval.run(plugin.relations, objects())
    assert.is_nil(g.missing["Application.argoproj.io/argocd/shop"])
  end)
end)
