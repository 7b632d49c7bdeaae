-- kubilitics.testing: loading a plugin as the host does, calling its routes,
-- evaluating its rules, reading fixtures.
local testing = require "kubilitics.testing"

local DIR = "tests/lua/fixtures/testing"

describe("kubilitics.testing", function()
  local probe
  setup(function() probe = testing.load(DIR .. "/probe.lua") end)

  it("loads the manifest", function()
    assert.equal("probe", probe.name)
    assert.equal("0.1.0-rc.1+build.5", probe.version)
    assert.equal(7, probe.priority)
  end)

  it("gives the plugin the server's sandbox", function()
    local env = probe:request("GET", "/env").json
    assert.same({ io = "nil", debug = "nil", coroutine = "nil", package = "nil", dofile = "nil", exec = "nil",
                  dump = "nil", loaded_phase = "load", phase = "route", version = env.version }, env)
  end)

  it("allows loaded modules at request time but no new ones", function()
    local r = probe:request("GET", "/require").json
    assert.is_true(r.again)
    assert.is_false(r.new)
    assert.matches("only available while the plugin loads", r.why)
  end)

  it("refuses __gc metamethods", function()
    local res = probe:request("GET", "/gc")
    assert.equal(500, res.status)
    assert.matches("__gc metamethods are not available to plugins", res.lua_error)
  end)

  it("stops a runaway handler with a sticky kill and answers 503", function()
    local res = probe:request("GET", "/loop")
    assert.equal(503, res.status)
    assert.equal("plugin_budget_exceeded", res.error.code)
    assert.matches("^plugin probe stopped: .*probe%.lua:%d+: instruction budget exceeded %(10000000 instructions%)",
                   res.error.message)
    assert.equal(1, probe.budget_kills_total)
    -- and the plugin still answers afterwards
    assert.equal(200, probe:request("GET", "/env").status)
  end)

  it("passes params, query and headers, and prefers literal segments", function()
    local res = probe:request("GET", "/api/v1/plugins/probe/items/a%20b?q=x+y&q=z", { headers = { ["X-Thing"] = "t" } })
    assert.equal(201, res.status)
    assert.equal("a b|x y|t", res.body)
    assert.equal("text/x-id", res.content_type)
    assert.equal("a b", res.headers["X-Id"])
    assert.equal("literal wins", probe:request("GET", "/items/new").body)
  end)

  it("answers the host's errors: 400, 404, 405, 500", function()
    assert.equal(400, probe:request("GET", "/items/%zz").status)
    assert.equal(404, probe:request("GET", "/nothing").status)
    assert.equal(404, probe:request("GET", "/api/v1/plugins/other/env").status)
    local res = probe:request("POST", "/env")
    assert.equal(405, res.status)
    assert.equal("GET", res.headers.Allow)
    res = probe:request("GET", "/bad")
    assert.equal(500, res.status)
    assert.equal("plugin probe failed to handle GET /bad (see the server log for this request)", res.error.message)
    assert.equal("route handler returned a bad status (want an integer 200-599)", res.lua_error)
    assert.matches("may not set the header 'Content%-Length'", probe:request("GET", "/reserved").lua_error)
    assert.matches("probe%.lua:%d+: attempt to index a nil value", probe:request("GET", "/fail").lua_error)
  end)

  it("collects logs and prints, and gives the request ID", function()
    local res = probe:request("POST", "/log", { body = "x", request_id = "r-9" })
    assert.equal("r-9", res.json.id)
    assert.same({ { level = "warn", message = "got x" }, { level = "info", message = "printed\t1", print = true } },
                res.logs)
  end)

  it("checks phases in relation rules like the host", function()
    local g = probe:relations({ { apiVersion = "v1", kind = "Pod", metadata = { name = "p", namespace = "n" } } })
    assert.equal(1, #g.errors)
    assert.matches("kubilitics.http.request_id is only available in route handlers %(called during relation%)",
                   g.errors[1].message)
    assert.same({}, g.edges)
  end)

  it("reports a plugin that does not load with file and line", function()
    local ok, err = pcall(testing.load, "tests/lua/fixtures/order/a.lua")
    assert.is_true(ok, err)
    ok, err = pcall(testing.load, DIR .. "/nope.lua")
    assert.is_false(ok)
    assert.matches("cannot read", err)
  end)

  it("reads YAML and JSON fixtures, flattening lists", function()
    local objs = testing.fixtures(DIR .. "/fixtures")
    local ids = {}
    for i, o in ipairs(objs) do ids[i] = testing.id(o) end
    assert.same({ "Deployment.apps/shop/web", "Pod/shop/web-1", "Node//n1", "ConfigMap/shop/app" }, ids)
    assert.equal(80, testing.find(objs, "Pod/shop/web-1").spec.containers[1].ports[1].containerPort)
    assert.equal("integer", math.type(testing.find(objs, "Pod/shop/web-1").spec.containers[1].ports[1].containerPort))
    assert.is_nil(testing.find(objs, "Pod/shop/nope"))
  end)

  it("names the fixture file of a bad object", function()
    local ok, err = pcall(testing.fixtures, DIR .. "/bad-fixtures")
    assert.is_false(ok)
    assert.matches("nameless%.yaml: Pod without metadata%.name", err)
  end)

  it("refuses to be required by a plugin", function()
    local f = os.tmpname()
    local h = io.open(f .. ".lua", "w")
    h:write('local t = require "kubilitics.testing"\nreturn { name = "x", version = "1.0.0" }\n')
    h:close()
    local ok, err = pcall(testing.load, f .. ".lua")
    os.remove(f .. ".lua")
    os.remove(f)
    assert.is_false(ok)
    assert.matches("is for specs", err)
  end)
end)
