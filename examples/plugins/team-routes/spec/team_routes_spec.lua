-- Specs of the team-routes example: its routes called as the server calls
-- them, and its relation rules evaluated on fixtures/. Run them with
--   kubilitics plugin test examples/plugins/team-routes
local testing = require "kubilitics.testing"

describe("team-routes", function()
  local plugin, objects

  setup(function()
    plugin = testing.load()
    objects = testing.fixtures()
  end)

  describe("routes", function()
    it("lists every team in name order", function()
      local res = plugin:request("GET", "/teams")
      assert.equal(200, res.status)
      assert.equal("application/json", res.content_type)
      local names = {}
      for i, t in ipairs(res.json.teams) do names[i] = t.name end
      assert.same({ "legacy", "payments", "search" }, names)
    end)

    it("answers one team, and 404 for an unknown one", function()
      assert.same({ "alice", "bob" }, plugin:request("GET", "/teams/payments").json.owners)
      local res = plugin:request("GET", "/teams/nope")
      assert.equal(404, res.status)
      assert.equal("no team 'nope'", res.json.error)
    end)

    it("tells a signed-in user their teams and asks anonymous callers to sign in", function()
      assert.same({ user = "carol", teams = { "search" } }, plugin:request("GET", "/whoami", { user = "carol" }).json)
      assert.equal('{"teams":[],"user":"zoe"}', plugin:request("GET", "/whoami", { user = "zoe" }).body)
      assert.equal(401, plugin:request("GET", "/whoami").status)
    end)

    it("finds the owner of a namespace, with escapes in the path decoded", function()
      assert.equal("payments", plugin:request("GET", "/namespaces/pay%2Dstaging/owner").json.team)
      assert.equal(404, plugin:request("GET", "/namespaces/kube-system/owner").status)
    end)

    it("maps namespaces to owners from a JSON body, and rejects a bad one", function()
      local res = plugin:request("POST", "/owners", { body = '{"namespaces":["pay","search","x"]}' })
      assert.equal('{"owners":{"pay":"payments","search":"search","x":null}}', res.body)
      res = plugin:request("POST", "/owners", { body = "not json" })
      assert.equal(400, res.status)
      assert.matches("bad /owners request test%-%d+", res.logs[1].message)
    end)

    it("leaves unknown paths and methods to the host's 404 and 405", function()
      assert.equal("not_found", plugin:request("GET", "/nothing/here").error.code)
      local res = plugin:request("DELETE", "/teams")
      assert.equal(405, res.status)
      assert.equal("GET", res.headers.Allow)
    end)
  end)

  describe("relations", function()
    local g
    setup(function() g = plugin:relations(objects) end)

    it("gives each Team the namespaces its selector picks", function()
      assert.is_true(g:has("Team.example.com//payments", "owns-namespace", "Namespace//pay"))
      assert.is_true(g:has("Team.example.com//payments", "owns-namespace", "Namespace//pay-staging"))
      assert.is_true(g:has("Team.example.com//search", "owns-namespace", "Namespace//search"))
      assert.same({}, g:from("Team.example.com//legacy"))
    end)

    it("links labelled workloads to their Team, and reports a missing one", function()
      assert.is_true(g:has("Deployment.apps/pay/api", "belongs-to", "Team.example.com//payments"))
      assert.is_true(g:has("Deployment.apps/search/indexer", "belongs-to", "Team.example.com//search"))
      assert.same({ "Team.example.com//ghost" }, g.missing["Deployment.apps/pay/batch"])
    end)

    it("follows the escalation reference into another namespace", function()
      assert.is_true(g:has("Team.example.com//payments", "escalates-to", "ConfigMap/ops/oncall"))
      assert.same({ "ConfigMap/ops/search-oncall" }, g.missing["Team.example.com//search"])
    end)

    it("runs the function rule: directory owners, retired teams skipped", function()
      assert.is_true(g:has("Namespace//pay", "owned-by", "Team.example.com//payments"))
      assert.is_true(g:has("Namespace//search", "owned-by", "Team.example.com//search"))
      assert.same({}, g:from("Namespace//old"))
      assert.same({}, g.errors)
    end)
  end)
end)
