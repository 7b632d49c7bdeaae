-- teams.lua — the team directory team-routes serves: who owns which
-- namespaces and where to reach them. A module of the folder plugin
-- (require "teams"); edit it and the running server reloads the plugin.
return {
  payments = { owners = { "alice", "bob" }, channel = "#payments", namespaces = { "pay", "pay-staging" } },
  search = { owners = { "carol" }, channel = "#search", namespaces = { "search" } },
  legacy = { owners = { "dave" }, channel = "#legacy", namespaces = { "old" } },
}
