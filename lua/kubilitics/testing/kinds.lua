--- kubilitics.testing.kinds — Kubernetes kind names, as the host knows them.
--
-- The same table and rules as core/script/kinds.c (script_kind_canonical),
-- for the stand-in host of `kubilitics plugin test`; tests/unit/
-- test_script_testing.c checks that both give the same answers. Also the
-- kinds the store treats as cluster-scoped before discovery says otherwise
-- (core/store/store.c, store_kind_scope).
local M = {}

--- BUILTIN: { Kind, group, plural } rows; earlier rows win ("pods" is Pod, not PodMetrics).
M.BUILTIN = {
  { "Pod", "", "pods" },
  { "Service", "", "services" },
  { "ConfigMap", "", "configmaps" },
  { "Secret", "", "secrets" },
  { "PersistentVolumeClaim", "", "persistentvolumeclaims" },
  { "PersistentVolume", "", "persistentvolumes" },
  { "ServiceAccount", "", "serviceaccounts" },
  { "Node", "", "nodes" },
  { "Namespace", "", "namespaces" },
  { "Endpoints", "", "endpoints" },
  { "Event", "", "events" },
  { "ReplicationController", "", "replicationcontrollers" },
  { "LimitRange", "", "limitranges" },
  { "ResourceQuota", "", "resourcequotas" },
  { "PodTemplate", "", "podtemplates" },
  { "Deployment", "apps", "deployments" },
  { "ReplicaSet", "apps", "replicasets" },
  { "StatefulSet", "apps", "statefulsets" },
  { "DaemonSet", "apps", "daemonsets" },
  { "ControllerRevision", "apps", "controllerrevisions" },
  { "Job", "batch", "jobs" },
  { "CronJob", "batch", "cronjobs" },
  { "HorizontalPodAutoscaler", "autoscaling", "horizontalpodautoscalers" },
  { "Ingress", "networking.k8s.io", "ingresses" },
  { "IngressClass", "networking.k8s.io", "ingressclasses" },
  { "NetworkPolicy", "networking.k8s.io", "networkpolicies" },
  { "EndpointSlice", "discovery.k8s.io", "endpointslices" },
  { "PodDisruptionBudget", "policy", "poddisruptionbudgets" },
  { "Role", "rbac.authorization.k8s.io", "roles" },
  { "ClusterRole", "rbac.authorization.k8s.io", "clusterroles" },
  { "RoleBinding", "rbac.authorization.k8s.io", "rolebindings" },
  { "ClusterRoleBinding", "rbac.authorization.k8s.io", "clusterrolebindings" },
  { "StorageClass", "storage.k8s.io", "storageclasses" },
  { "CSIDriver", "storage.k8s.io", "csidrivers" },
  { "CSINode", "storage.k8s.io", "csinodes" },
  { "VolumeAttachment", "storage.k8s.io", "volumeattachments" },
  { "Lease", "coordination.k8s.io", "leases" },
  { "PriorityClass", "scheduling.k8s.io", "priorityclasses" },
  { "RuntimeClass", "node.k8s.io", "runtimeclasses" },
  { "CertificateSigningRequest", "certificates.k8s.io", "certificatesigningrequests" },
  { "ValidatingWebhookConfiguration", "admissionregistration.k8s.io", "validatingwebhookconfigurations" },
  { "MutatingWebhookConfiguration", "admissionregistration.k8s.io", "mutatingwebhookconfigurations" },
  { "CustomResourceDefinition", "apiextensions.k8s.io", "customresourcedefinitions" },
  { "APIService", "apiregistration.k8s.io", "apiservices" },
  { "Gateway", "gateway.networking.k8s.io", "gateways" },
  { "GatewayClass", "gateway.networking.k8s.io", "gatewayclasses" },
  { "HTTPRoute", "gateway.networking.k8s.io", "httproutes" },
  { "GRPCRoute", "gateway.networking.k8s.io", "grpcroutes" },
  { "PodMetrics", "metrics.k8s.io", "pods" },
  { "NodeMetrics", "metrics.k8s.io", "nodes" },
}

--- CLUSTER_SCOPED[kind] → true for the kinds known to live outside namespaces.
M.CLUSTER_SCOPED = {}
for _, k in ipairs {
  "Node", "PersistentVolume", "Namespace", "StorageClass.storage.k8s.io", "ClusterRole.rbac.authorization.k8s.io",
  "ClusterRoleBinding.rbac.authorization.k8s.io", "CustomResourceDefinition.apiextensions.k8s.io",
  "IngressClass.networking.k8s.io", "PriorityClass.scheduling.k8s.io", "CSIDriver.storage.k8s.io",
  "CSINode.storage.k8s.io", "VolumeAttachment.storage.k8s.io", "RuntimeClass.node.k8s.io",
  "APIService.apiregistration.k8s.io", "ValidatingWebhookConfiguration.admissionregistration.k8s.io",
  "MutatingWebhookConfiguration.admissionregistration.k8s.io", "GatewayClass.gateway.networking.k8s.io",
  "ClusterIssuer.cert-manager.io",
} do M.CLUSTER_SCOPED[k] = true end

local function canon(row)
  if row[2] ~= "" then return row[1] .. "." .. row[2] end
  return row[1]
end

local function singular_eq(name, plural)
  local n, pl = #name, #plural
  local lname = name:lower()
  if pl > 3 and plural:sub(-3) == "ies" and n == pl - 2 and lname:sub(1, n - 1) == plural:sub(1, n - 1)
    and lname:sub(n) == "y" then
    return true
  end
  if pl > 2 and plural:sub(-2) == "es" and n == pl - 2 and lname == plural:sub(1, n) then return true end
  return pl > 1 and plural:sub(-1) == "s" and n == pl - 1 and lname == plural:sub(1, n)
end

local function custom_kind(name)
  local base, group = name:match("^([A-Z][A-Za-z0-9]*)%.(.+)$")
  if not base then return false end
  if not group:find(".", 1, true) or #group > 253 then return false end
  if not group:match("^[a-z0-9.-]+$") then return false end
  return group:sub(1, 1) ~= "." and group:sub(-1) ~= "." and not group:find("..", 1, true)
end

--- canonical(name) → canonical ID kind ("deployments" → "Deployment.apps") | nil.
--   kinds.canonical("ingresses.networking.k8s.io") --> "Ingress.networking.k8s.io"
function M.canonical(name)
  if type(name) ~= "string" or name == "" or #name >= 256 then return nil end
  local dot = name:find(".", 1, true)
  local base = dot and name:sub(1, dot - 1) or name
  local group = dot and name:sub(dot + 1) or nil
  local lbase = base:lower()
  for pass = 0, 2 do
    for _, row in ipairs(M.BUILTIN) do
      if not group or group:lower() == row[2]:lower() then
        local hit
        if pass == 0 then hit = lbase == row[1]:lower()
        elseif pass == 1 then hit = lbase == row[3]:lower()
        else hit = singular_eq(base, row[3]) end
        if hit then return canon(row) end
      end
    end
  end
  if custom_kind(name) then return name end
  return nil
end

return M
