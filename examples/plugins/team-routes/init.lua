-- team-routes — who owns what, as a folder plugin with specs and fixtures.
--
-- Routes (under /api/v1/plugins/team-routes/):
--   GET  /teams                 every team: name, channel, owners
--   GET  /teams/{team}          one team, or 404
--   GET  /whoami                the caller's teams (401 when anonymous)
--   GET  /namespaces/{ns}/owner the team owning a namespace, or 404
--   POST /owners                {"namespaces":[…]} → {"owners":{ns: team}}
-- Relations (Team.example.com is a cluster-scoped custom resource):
--   owns-namespace  Team → the Namespaces its spec.namespaceSelector selects
--   belongs-to      anything labelled team.example.com/name=<team> → that Team
--   escalates-to    Team → its escalation ConfigMap (spec.escalation)
--   owned-by        Namespace → its Team from the directory in teams.lua,
--                   unless that Team is labelled retired
-- Run its specs: kubilitics plugin test examples/plugins/team-routes
local k = require "kubilitics"
local rel = require "kubilitics.relations"
local teams = require "teams"

local function sorted_names()
  local names = {}
  for name in pairs(teams) do names[#names + 1] = name end
  table.sort(names)
  return names
end

local function summary(name)
  local t = teams[name]
  return { name = name, channel = t.channel, owners = t.owners, namespaces = t.namespaces }
end

local function owner_of(ns)
  for _, name in ipairs(sorted_names()) do
    for _, n in ipairs(teams[name].namespaces) do
      if n == ns then return name end
    end
  end
end

return {
  name = "team-routes",
  version = "1.0.0",
  priority = 50,
  description = "Team directory routes and team ownership edges.",
  routes = {
    k.route { method = "GET", path = "/teams", handler = function()
      local list = k.json.array()
      for _, name in ipairs(sorted_names()) do list[#list + 1] = summary(name) end
      return { status = 200, body = { teams = list } }
    end },

    k.route { method = "GET", path = "/teams/{team}", handler = function(req)
      if not teams[req.params.team] then
        return { status = 404, body = { error = "no team '" .. req.params.team .. "'" } }
      end
      return { body = summary(req.params.team) }
    end },

    k.route { method = "GET", path = "/whoami", handler = function(req)
      if not req.user then return { status = 401, body = { error = "sign in to see your teams" } } end
      local mine = k.json.array()
      for _, name in ipairs(sorted_names()) do
        for _, owner in ipairs(teams[name].owners) do
          if owner == req.user then mine[#mine + 1] = name end
        end
      end
      return { body = { user = req.user, teams = mine } }
    end },

    k.route { method = "GET", path = "/namespaces/{ns}/owner", handler = function(req)
      local team = owner_of(req.params.ns)
      if not team then return { status = 404, body = { error = "nobody owns namespace " .. req.params.ns } } end
      return { body = { namespace = req.params.ns, team = team } }
    end },

    k.route { method = "POST", path = "/owners", handler = function(req)
      local doc, err = k.json.decode(req.body)
      if type(doc) ~= "table" or type(doc.namespaces) ~= "table" then
        k.log("info", "bad /owners request " .. tostring(k.http.request_id()) .. ": " .. tostring(err))
        return { status = 400, body = { error = 'want {"namespaces": ["…"]}' } }
      end
      local owners = {}
      for _, ns in ipairs(doc.namespaces) do
        if type(ns) == "string" then owners[ns] = owner_of(ns) or k.json.null end
      end
      return { body = { owners = owners } }
    end },
  },
  relations = {
    rel.selector { type = "owns-namespace", from = "Team.example.com", path = "spec.namespaceSelector",
                   selector = "labelSelector", to = "Namespace" },
    rel.labelref { type = "belongs-to", from = "*", label = "team.example.com/name", to = "Team.example.com" },
    rel.ref { type = "escalates-to", from = "Team.example.com", path = "spec.escalation.configMap",
              namespace_path = "spec.escalation.namespace", to = "ConfigMap" },
    rel.fn { type = "owned-by", from = "Namespace", to = "Team.example.com", match = function(ns, find)
      local team = owner_of(ns.metadata.name)
      if not team then return {} end
      local t = find("Team.example.com", "", team)
      if t and t.metadata.labels["team.example.com/retired"] == "true" then return {} end
      return { k.id("Team.example.com", "", team) }
    end },
  },
}
