-- core-relations.lua — the relationships between built-in Kubernetes objects
-- that every topology shows: the edge types of the contract (shared/API.md,
-- docs/topology.md). Every rule here is declarative, so the core compiles it
-- into indexes and no Lua runs on the event path.
--
-- Edge direction follows the table: source → target. Controllers' own
-- selectors (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job) are not
-- drawn as `selects`: ownership already says it.
local rel = require "kubilitics.relations"

-- Every place a Pod spec names a ConfigMap or Secret for its environment,
-- in regular and init containers (ephemeral containers cannot add envFrom).
local function env_paths(ref_key, from_key)
  local out = {}
  for _, c in ipairs({ "containers", "initContainers" }) do
    out[#out + 1] = "spec." .. c .. "[*].env[*].valueFrom." .. ref_key .. ".name"
    out[#out + 1] = "spec." .. c .. "[*].envFrom[*]." .. from_key .. ".name"
  end
  return out
end

local secret_refs = env_paths("secretKeyRef", "secretRef")
secret_refs[#secret_refs + 1] = "spec.imagePullSecrets[*].name"

return {
  name = "core-relations",
  version = "1.0.0",
  priority = 1000, -- first: organisation plugins add to these, they never replace them
  description = "Edges between built-in Kubernetes objects (owns, selects, routes, mounts, references, uses, "
    .. "runs-on, binds, grants, scales, terminates).",
  relations = {
    -- owns: owner → owned, from metadata.ownerReferences of any object.
    rel.owner{ type = "owns" },

    -- selects: label selectors in the selector's namespace. A Service's is a
    -- plain map (no selector → selects nothing); PDBs and NetworkPolicies use
    -- LabelSelectors (an empty one selects every Pod of the namespace).
    rel.selector{ type = "selects", from = "Service", path = "spec.selector", selector = "map", to = "Pod" },
    rel.selector{ type = "selects", from = "PodDisruptionBudget.policy", path = "spec.selector",
                  selector = "labelSelector", to = "Pod" },
    rel.selector{ type = "selects", from = "NetworkPolicy.networking.k8s.io", path = "spec.podSelector",
                  selector = "labelSelector", to = "Pod" },

    -- routes: HTTP routing objects → the Services they send traffic to.
    rel.ref{ type = "routes", from = "Ingress.networking.k8s.io", to = "Service",
             path = { "spec.rules[*].http.paths[*].backend.service.name", "spec.defaultBackend.service.name" } },
    -- Gateway API backendRefs are objects {group, kind, name, namespace}:
    -- the namespace, when given, is the target's (ReferenceGrant permitting).
    rel.ref{ type = "routes", from = "HTTPRoute.gateway.networking.k8s.io", to = "Service",
             path = "spec.rules[*].backendRefs[*]" },

    -- mounts: volumes, including projected sources.
    rel.ref{ type = "mounts", from = "Pod", to = "ConfigMap",
             path = { "spec.volumes[*].configMap.name", "spec.volumes[*].projected.sources[*].configMap.name" } },
    rel.ref{ type = "mounts", from = "Pod", to = "Secret",
             path = { "spec.volumes[*].secret.secretName", "spec.volumes[*].projected.sources[*].secret.name" } },
    rel.ref{ type = "mounts", from = "Pod", to = "PersistentVolumeClaim",
             path = "spec.volumes[*].persistentVolumeClaim.claimName" },

    -- references: environment (valueFrom, envFrom) and image pull secrets.
    rel.ref{ type = "references", from = "Pod", to = "ConfigMap", path = env_paths("configMapKeyRef", "configMapRef") },
    rel.ref{ type = "references", from = "Pod", to = "Secret", path = secret_refs },

    -- uses: the Pod's ServiceAccount.
    rel.ref{ type = "uses", from = "Pod", to = "ServiceAccount", path = "spec.serviceAccountName" },

    -- runs-on: the Node the Pod is scheduled to (cluster-scoped).
    rel.ref{ type = "runs-on", from = "Pod", to = "Node", path = "spec.nodeName", cross_namespace = true },

    -- binds: claims to volumes, both to their StorageClass.
    rel.ref{ type = "binds", from = "PersistentVolumeClaim", to = "PersistentVolume", path = "spec.volumeName",
             cross_namespace = true },
    rel.ref{ type = "binds", from = "PersistentVolumeClaim", to = "StorageClass.storage.k8s.io",
             path = "spec.storageClassName", cross_namespace = true },
    rel.ref{ type = "binds", from = "PersistentVolume", to = "StorageClass.storage.k8s.io",
             path = "spec.storageClassName", cross_namespace = true },

    -- grants: bindings → the role they grant and the ServiceAccounts they
    -- grant it to. roleRef and subjects[*] are objects with kind (and the
    -- subject's namespace); User and Group subjects are not objects, so the
    -- kind filter leaves them out.
    rel.ref{ type = "grants", from = "RoleBinding.rbac.authorization.k8s.io",
             to = { "Role.rbac.authorization.k8s.io", "ClusterRole.rbac.authorization.k8s.io" }, path = "roleRef" },
    rel.ref{ type = "grants", from = "ClusterRoleBinding.rbac.authorization.k8s.io",
             to = "ClusterRole.rbac.authorization.k8s.io", path = "roleRef" },
    rel.ref{ type = "grants", from = "RoleBinding.rbac.authorization.k8s.io", to = "ServiceAccount",
             path = "subjects[*]" },
    rel.ref{ type = "grants", from = "ClusterRoleBinding.rbac.authorization.k8s.io", to = "ServiceAccount",
             path = "subjects[*]" },

    -- scales: the HPA's target ({apiVersion, kind, name}).
    rel.ref{ type = "scales", from = "HorizontalPodAutoscaler.autoscaling",
             to = { "Deployment.apps", "StatefulSet.apps", "ReplicaSet.apps" }, path = "spec.scaleTargetRef" },

    -- terminates: the Secrets holding an Ingress's TLS certificates.
    rel.ref{ type = "terminates", from = "Ingress.networking.k8s.io", to = "Secret", path = "spec.tls[*].secretName" },
  },
}
