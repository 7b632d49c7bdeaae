-- kubilitics.testing.json: the host's JSON rules (core/script/json.c) in Lua.
local json = require "kubilitics.testing.json"

describe("kubilitics.testing.json", function()
  it("sorts object keys and writes sequences as arrays", function()
    assert.equal('{"a":[true,null],"b":1,"c":{"x":"y"}}',
                 json.encode { b = 1, a = { true, json.null }, c = { x = "y" } })
  end)

  it("keeps marked empty arrays and writes other empty tables as objects", function()
    assert.equal('{"e":{},"l":[]}', json.encode { e = {}, l = json.array() })
  end)

  it("writes numbers as the host does", function()
    assert.equal("[1,1.0,0.5,1e+20,-3]", json.encode { 1, 1.0, 0.5, 1e20, -3 })
  end)

  it("escapes strings and replaces invalid UTF-8", function()
    assert.equal('"a\\"b\\\\c\\n\\u0001é\xEF\xBF\xBD"', json.encode("a\"b\\c\n\1é\xff"))
  end)

  it("returns nil and a message for what JSON cannot hold", function()
    local s, err = json.encode { f = print }
    assert.is_nil(s)
    assert.equal("json: cannot encode a value of type function", err)
    assert.matches("NaN", select(2, json.encode(0 / 0)))
    assert.matches("table key of type boolean", select(2, json.encode { [true] = 1 }))
    local t = {}
    t.t = t
    assert.matches("nested deeper than 128", select(2, json.encode(t)))
  end)

  it("decodes with marked arrays, integers and json.null", function()
    local v = json.decode(' {"a": [1, 2.5, 1e3, null], "s": "x\\u00e9\\ud83d\\ude00", "t": true} ')
    assert.equal(json.array_mt, getmetatable(v.a))
    assert.equal("integer", math.type(v.a[1]))
    assert.equal(2.5, v.a[2])
    assert.equal("integer", math.type(v.a[3]))
    assert.equal(json.null, v.a[4])
    assert.equal("xé😀", v.s)
    assert.is_true(v.t)
    assert.equal("[]", json.encode(json.decode("[]")))
  end)

  it("rejects bad JSON with a position", function()
    assert.matches("trailing data", select(2, json.decode("{} x")))
    assert.matches("near byte", select(2, json.decode('{"a":}')))
    assert.matches("unterminated string", select(2, json.decode('"abc')))
    assert.is_nil((json.decode("01")))
  end)
end)
