// Kind glyphs drawn inside graph labels and table cells, and the resource groups of the
// browser, named the way kubectl groups them. The browser lists these kinds plus any
// kind the cluster's topology shows; the contract has no discovery endpoint yet.

const GLYPHS: Record<string, string> = {
  Pod: "Po",
  Deployment: "De",
  ReplicaSet: "RS",
  StatefulSet: "SS",
  DaemonSet: "DS",
  Job: "Jb",
  CronJob: "CJ",
  Service: "Sv",
  Ingress: "Ig",
  HTTPRoute: "HR",
  Endpoints: "Ep",
  EndpointSlice: "ES",
  NetworkPolicy: "NP",
  ConfigMap: "CM",
  Secret: "Se",
  PersistentVolumeClaim: "PVC",
  PersistentVolume: "PV",
  StorageClass: "SC",
  Node: "No",
  Namespace: "Ns",
  ServiceAccount: "SA",
  Role: "Ro",
  ClusterRole: "CR",
  RoleBinding: "RB",
  ClusterRoleBinding: "CRB",
  HorizontalPodAutoscaler: "HPA",
  PodDisruptionBudget: "PDB",
};

/** The kind without its API group: "Deployment.apps" → "Deployment". */
export function bareKind(kind: string): string {
  const dot = kind.indexOf(".");
  return dot < 0 ? kind : kind.slice(0, dot);
}

export function kindGlyph(kind: string): string {
  const k = bareKind(kind);
  return GLYPHS[k] ?? (k.replace(/[^A-Z]/g, "").slice(0, 3) || k.slice(0, 2));
}

/**
 * Relative disc size on the graph (the canvas scales it with the zoom): infrastructure
 * large, workloads and their entry points medium, pods 1, configuration and the rest small.
 */
export function kindSize(kind: string): number {
  switch (bareKind(kind)) {
    case "Node":
    case "Namespace":
      return 1.6;
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "CronJob":
    case "Ingress":
    case "HTTPRoute":
    case "Service":
      return 1.35;
    case "Pod":
    case "ReplicaSet":
    case "Job":
    case "PersistentVolumeClaim":
      return 1;
    default:
      return 0.8;
  }
}

/**
 * Importance of a kind when several objects compete (label placement, palette ties):
 * infrastructure and entry points, then workloads, pods, then the rest.
 */
export function kindRank(kind: string): number {
  const order = ["Node", "Namespace", "Ingress", "HTTPRoute", "Service", "Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job", "Pod", "PersistentVolumeClaim", "ReplicaSet", "ConfigMap", "Secret"];
  const i = order.indexOf(bareKind(kind));
  return i < 0 ? order.length : i;
}

export const RESOURCE_GROUPS: { name: string; kinds: string[] }[] = [
  { name: "Workloads", kinds: ["Pod", "Deployment.apps", "ReplicaSet.apps", "StatefulSet.apps", "DaemonSet.apps", "Job.batch", "CronJob.batch"] },
  {
    name: "Networking",
    kinds: ["Service", "Ingress.networking.k8s.io", "NetworkPolicy.networking.k8s.io", "EndpointSlice.discovery.k8s.io"],
  },
  { name: "Config", kinds: ["ConfigMap", "Secret", "ServiceAccount"] },
  { name: "Storage", kinds: ["PersistentVolumeClaim", "PersistentVolume", "StorageClass.storage.k8s.io"] },
  {
    name: "Access control",
    kinds: [
      "Role.rbac.authorization.k8s.io",
      "RoleBinding.rbac.authorization.k8s.io",
      "ClusterRole.rbac.authorization.k8s.io",
      "ClusterRoleBinding.rbac.authorization.k8s.io",
    ],
  },
  { name: "Scaling & policy", kinds: ["HorizontalPodAutoscaler.autoscaling", "PodDisruptionBudget.policy"] },
  { name: "Cluster", kinds: ["Node", "Namespace", "Event"] },
];
