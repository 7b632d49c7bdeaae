-- examples/plugins/hello.lua: its handlers, called as the host calls them.
describe("hello plugin", function()
  local plugin

  setup(function()
    package.loaded["kubilitics"] = nil
    package.loaded["kubilitics.host"] = nil
    package.preload["kubilitics.host"] = function()
      return { version = "test", log = function() end, http = { request_id = function() return "r1" end } }
    end
    plugin = dofile("examples/plugins/hello.lua")
  end)

  teardown(function()
    package.preload["kubilitics.host"] = nil
    package.loaded["kubilitics.host"] = nil
  end)

  local function route(method, path)
    for _, r in ipairs(plugin.routes) do
      if r.method == method and r.path == path then return r end
    end
  end

  it("declares a valid manifest", function()
    assert.equal("hello", plugin.name)
    assert.matches("^%d+%.%d+%.%d+$", plugin.version)
  end)

  it("says hello to the user, or to anonymous", function()
    local h = route("GET", "/hello").handler
    assert.same({ status = 200, body = { message = "hello", from = "alice" } }, h { user = "alice", headers = {} })
    assert.same({ message = "hello", from = "anonymous" }, h { headers = {} }.body)
  end)

  it("echoes the body with its content type", function()
    local res = route("POST", "/echo").handler { body = "ping", headers = { ["content-type"] = "application/json" } }
    assert.equal("ping", res.body)
    assert.equal("application/json", res.headers["Content-Type"])
  end)
end)
