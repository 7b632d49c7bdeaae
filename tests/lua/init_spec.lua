-- kubilitics (init.lua): helpers that work with or without the C host.
describe("kubilitics", function()
  local k

  before_each(function()
    package.loaded["kubilitics"] = nil
    package.preload["kubilitics.host"] = nil
    package.loaded["kubilitics.host"] = nil
    k = require "kubilitics"
  end)

  it("builds and parses object IDs", function()
    assert.equal("Pod/shop/web-1", k.id("Pod", "shop", "web-1"))
    assert.equal("Node//worker-1", k.id("Node", nil, "worker-1"))
    assert.same({ "Deployment.apps", "shop", "web" }, { k.parse_id("Deployment.apps/shop/web") })
    assert.same({ "Node", "", "worker-1" }, { k.parse_id("Node//worker-1") })
    local ok, msg = k.parse_id("nope")
    assert.is_nil(ok)
    assert.matches("bad ID", msg)
  end)

  it("records where a route was declared", function()
    local line = debug.getinfo(1, "l").currentline + 1
    local r = k.route { method = "GET", path = "/x", handler = function() end }
    assert.equal(line, r.line)
  end)

  it("uses the host module when one is loaded", function()
    package.loaded["kubilitics"] = nil
    package.preload["kubilitics.host"] = function()
      return { version = "9.9.9", phase = function() return "route" end, http = { request_id = function() return "r1" end } }
    end
    local kk = require "kubilitics"
    assert.equal("9.9.9", kk.version)
    assert.equal("route", kk.phase())
    assert.equal("r1", kk.http.request_id())
  end)

  it("falls back to plain Lua without a host", function()
    assert.equal("none", k.phase())
    assert.equal("Pod", k.kind("Pod"))
    assert.equal("Certificate.cert-manager.io", k.kind("Certificate.cert-manager.io"))
    assert.is_nil((k.kind("not a kind")))
  end)
end)
