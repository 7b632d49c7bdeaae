-- kubilitics.path: the field-path grammar shared with core/script/path.c.
local path = require "kubilitics.path"

describe("kubilitics.path", function()
  describe("parse", function()
    it("splits keys, list steps and indexes", function()
      local steps = path.parse("spec.volumes[*].configMap.name")
      assert.same({ "spec", "volumes", path.ALL, "configMap", "name" }, steps)
      assert.same({ "spec", "ports", 0, "port" }, path.parse("spec.ports[0].port"))
    end)

    it("takes quoted keys with dots and slashes", function()
      assert.same({ "metadata", "labels", "app.kubernetes.io/name" },
        path.parse('metadata.labels["app.kubernetes.io/name"]'))
    end)

    it("rejects malformed paths with the column", function()
      for _, bad in ipairs({ "", "a.", ".a", "a..b", "a[", "a[x]", 'a[""]', "a b", "a[*]b" }) do
        local steps, msg = path.parse(bad)
        assert.is_nil(steps, bad)
        assert.matches("bad path", msg)
      end
      local _, msg = path.parse("spec..volumes")
      assert.equal("bad path 'spec..volumes': expected a key at column 6", msg)
    end)

    it("limits length", function()
      assert.is_nil((path.parse(string.rep("a", 257))))
    end)
  end)

  describe("get", function()
    local pod = {
      metadata = { labels = { ["app.kubernetes.io/name"] = "web" } },
      spec = {
        nodeName = "worker-1",
        volumes = {
          { name = "a", configMap = { name = "app-config" } },
          { name = "b", secret = { secretName = "tls" } },
          { name = "c", configMap = { name = "extra" } },
        },
      },
    }

    it("fans out over lists", function()
      assert.same({ "app-config", "extra" }, path.get(pod, "spec.volumes[*].configMap.name"))
    end)

    it("reads a plain value, an index and a quoted key", function()
      assert.same({ "worker-1" }, path.get(pod, "spec.nodeName"))
      assert.same({ "b" }, path.get(pod, "spec.volumes[1].name"))
      assert.same({ "web" }, path.get(pod, 'metadata.labels["app.kubernetes.io/name"]'))
    end)

    it("gives an empty list when absent", function()
      assert.same({}, path.get(pod, "spec.missing.deeper"))
      assert.same({}, path.get(pod, "spec.nodeName.x"))
    end)

    it("raises on a bad path", function()
      assert.has_error(function() path.get(pod, "a..b") end)
    end)
  end)
end)
