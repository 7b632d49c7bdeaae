-- org-relations.lua — an organisation's own relations, on top of
-- plugins/core-relations.lua. Copy it next to your plugins and adapt it:
-- nothing here is built in, and nothing needs a restart (the host reloads
-- the plugin set when a file changes; a broken edit keeps the old rules).
--
--   groups      Application (app.k8s.io) → everything labelled
--               app.kubernetes.io/part-of=<its name> in its namespace
--   manages     Argo CD Application → the objects it deployed (status.resources)
--   issues      cert-manager Certificate → the Secret it writes
--   issued-by   cert-manager Certificate → its Issuer or ClusterIssuer (a
--               function rule: issuerRef.kind defaults to Issuer, which no
--               declaration can say)
local rel = require "kubilitics.relations"

return {
  name = "org-relations",
  version = "0.3.0",
  priority = 100,
  description = "Application grouping, Argo CD and cert-manager relations.",
  relations = {
    -- An Application selects its members by label value: label references
    -- by target label run through the same selector index as Services.
    rel.labelref{ type = "groups", from = "Application.app.k8s.io", label = "app.kubernetes.io/name",
                  target_label = "app.kubernetes.io/part-of", to = "*" },

    -- Argo CD records what it manages as {group, kind, namespace, name}
    -- objects; each names its target completely (cluster-scoped ones have no
    -- namespace).
    rel.ref{ type = "manages", from = "Application.argoproj.io", path = "status.resources[*]",
             to = { "Deployment.apps", "StatefulSet.apps", "DaemonSet.apps", "Service", "ConfigMap", "Secret",
                    "ServiceAccount", "PersistentVolumeClaim", "Ingress.networking.k8s.io", "Job.batch",
                    "CronJob.batch", "HorizontalPodAutoscaler.autoscaling", "NetworkPolicy.networking.k8s.io",
                    "Role.rbac.authorization.k8s.io", "RoleBinding.rbac.authorization.k8s.io",
                    "ClusterRole.rbac.authorization.k8s.io", "ClusterRoleBinding.rbac.authorization.k8s.io",
                    "Certificate.cert-manager.io" } },

    rel.ref{ type = "issues", from = "Certificate.cert-manager.io", path = "spec.secretName", to = "Secret" },

    rel.fn{ type = "issued-by", from = "Certificate.cert-manager.io",
            to = { "Issuer.cert-manager.io", "ClusterIssuer.cert-manager.io" },
            match = function(cert)
              local ref = rel.get(cert, "spec.issuerRef")[1]
              if type(ref) ~= "table" or not ref.name then return {} end
              if ref.kind == "ClusterIssuer" then return { "ClusterIssuer.cert-manager.io//" .. ref.name } end
              return { "Issuer.cert-manager.io/" .. cert.metadata.namespace .. "/" .. ref.name }
            end },
  },
}
