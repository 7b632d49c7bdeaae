-- kubilitics.testing.graph and kubilitics.path's fan-out: the rule
-- semantics of docs/topology.md on hand-built objects (the full comparison
-- with the C graph is tests/unit/test_script_testing.c).
local graph = require "kubilitics.testing.graph"
local path = require "kubilitics.path"
local kinds = require "kubilitics.testing.kinds"

local function obj(api, kind, ns, name, extra)
  local o = { apiVersion = api, kind = kind, metadata = { name = name, namespace = ns } }
  for k, v in pairs(extra or {}) do
    if k == "labels" then o.metadata.labels = v else o[k] = v end
  end
  return o
end

describe("kubilitics.testing.graph", function()
  it("names objects and kinds", function()
    assert.equal("Deployment.apps/shop/web", graph.id_of(obj("apps/v1", "Deployment", "shop", "web")))
    assert.equal("Node//n1", graph.id_of(obj("v1", "Node", nil, "n1")))
    assert.equal("", graph.group_of("v1"))
    assert.equal("Ingress.networking.k8s.io", graph.kind_id("Ingress", "networking.k8s.io"))
    assert.equal("Deployment.apps", graph.kind_of(obj("apps/v1", "Deployment", "a", "b")))
  end)

  it("selects in the source's namespace only, and a map selector needs entries", function()
    local objs = {
      obj("v1", "Service", "a", "s", { spec = { selector = { app = "x" } } }),
      obj("v1", "Service", "a", "empty", { spec = { selector = {} } }),
      obj("v1", "Pod", "a", "p", { labels = { app = "x" } }),
      obj("v1", "Pod", "b", "q", { labels = { app = "x" } }),
    }
    local g = graph.build({ { rule = "selector", type = "selects", from = "Service", path = "spec.selector",
                              selector = "map", to = "Pod" } }, objs)
    assert.same({ "Service/a/s selects Pod/a/p" }, g:list())
  end)

  it("looks references up without namespace for cluster-scoped kinds and reports missing ones", function()
    local objs = { obj("v1", "Pod", "a", "p", { spec = { nodeName = "n1", serviceAccountName = "sa" } }),
                   obj("v1", "Node", nil, "n1") }
    local g = graph.build({
      { rule = "ref", type = "runs-on", from = "Pod", path = "spec.nodeName", to = "Node" },
      { rule = "ref", type = "uses", from = "Pod", path = "spec.serviceAccountName", to = "ServiceAccount" },
    }, objs)
    assert.is_true(g:has("Pod/a/p", "runs-on", "Node//n1"))
    assert.same({ "ServiceAccount/a/sa" }, g.missing["Pod/a/p"])
    assert.equal(1, #g:from("Pod/a/p"))
    assert.equal(1, #g:to("Node//n1"))
    assert.matches("missing Pod/a/p: ServiceAccount/a/sa", g:dump())
  end)

  it("treats a kind whose fixtures have no namespace as cluster-scoped", function()
    local objs = { obj("v1", "Pod", "a", "p", { labels = { team = "t1" } }), obj("example.com/v1", "Team", nil, "t1") }
    local g = graph.build({ { rule = "labelref", type = "of", from = "*", label = "team", to = "Team.example.com" } }, objs)
    assert.is_true(g:has("Pod/a/p", "of", "Team.example.com//t1"))
    g = graph.build({ { rule = "labelref", type = "of", from = "*", label = "team", to = "Team.example.com" } },
                    { objs[1] }, { cluster_scoped = { "Team.example.com" } })
    assert.same({ "Team.example.com//t1" }, g.missing["Pod/a/p"])
  end)

  it("rejects what the core's compiler rejects", function()
    local ok, err = pcall(graph.build, { { rule = "labelref", type = "x", from = "*", label = "l", to = "*" } }, {})
    assert.is_false(ok)
    assert.equal("plugin ? ?:1: labelref relation by name needs a target kind (to)", err)
    assert.has_error(function() graph.build({ { rule = "ref", type = "x", from = "*", path = "a", to = "Pod" } }, {}) end)
  end)

  it("knows the host's kind names", function()
    assert.equal("Deployment.apps", kinds.canonical("deployments"))
    assert.equal("Policy", kinds.canonical("Policy") or "Policy")
    assert.is_nil(kinds.canonical("deploy"))
    assert.is_true(kinds.CLUSTER_SCOPED["Node"])
    assert.equal("Pod", kinds.BUILTIN[1][1])
  end)
end)

describe("kubilitics.path fan-out", function()
  it("goes over a map's values in key order, and a list's items in order", function()
    assert.same({ "one", "two" }, path.get({ spec = { m = { y = "two", x = "one" } } }, "spec.m[*]"))
    assert.same({ "a", "b" }, path.get({ l = { "a", "b" } }, "l[*]"))
    assert.same({}, path.get({ l = {} }, "l[*]"))
  end)
end)
