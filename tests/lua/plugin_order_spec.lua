-- Pins the order plugins run in: priority descending, then name ascending.
-- The C host (core/script/set.c) pins the same fixtures in
-- tests/unit/test_script.c (plugins_run_in_priority_then_name_order).
local plugins = require "kubilitics.plugins"

describe("plugin order", function()
  it("is priority descending, then name ascending", function()
    local list = {}
    for _, f in ipairs({ "a", "b", "c", "d", "e", "f" }) do
      list[#list + 1] = dofile("tests/lua/fixtures/order/" .. f .. ".lua")
    end
    local names = {}
    for i, p in ipairs(plugins.order(list)) do names[i] = p.name end
    assert.same({ "top", "alpha", "zeta", "beta", "mid", "low" }, names)
  end)

  it("does not depend on the input order", function()
    local a = { { name = "b" }, { name = "a" }, { name = "c", priority = 1 } }
    local b = { { name = "c", priority = 1 }, { name = "a" }, { name = "b" } }
    local function names(l) local o = {} for i, p in ipairs(plugins.order(l)) do o[i] = p.name end return o end
    assert.same(names(a), names(b))
    assert.same({ "c", "a", "b" }, names(a))
  end)

  it("leaves the input list alone", function()
    local l = { { name = "b" }, { name = "a" } }
    plugins.order(l)
    assert.equal("b", l[1].name)
  end)

  it("checks plugin names", function()
    assert.is_true(plugins.valid_name("acme-relations"))
    assert.is_false(plugins.valid_name("Acme"))
    assert.is_false(plugins.valid_name(""))
    assert.is_false(plugins.valid_name(string.rep("a", 64)))
  end)
end)
