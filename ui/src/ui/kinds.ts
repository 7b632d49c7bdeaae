// Kind glyphs drawn inside graph labels and table cells, and the sections of the resource
// browser. The browser lists exactly the types GET /clusters/{c} reports (the cluster's
// catalogue, CRDs included); the tables here only decide which section each one goes in
// and in what order, never which types exist.

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

/** The {kind} of a resources path and of the URL: "Pod", "Deployment.apps", "Widget.example.com". */
export function typeRef(t: { kind: string; group: string }): string {
  return t.group ? `${t.kind}.${t.group}` : t.kind;
}

export const CUSTOM_RESOURCES = "Custom resources";

/**
 * Known built-in types by section, in the order shown (the usual ones first). Sections
 * follow the Kubernetes API reference's grouping of resources, merged into five.
 */
export const RESOURCE_GROUPS: { name: string; kinds: string[] }[] = [
  {
    name: "Workloads",
    kinds: [
      "Pod",
      "Deployment.apps",
      "ReplicaSet.apps",
      "StatefulSet.apps",
      "DaemonSet.apps",
      "Job.batch",
      "CronJob.batch",
      "HorizontalPodAutoscaler.autoscaling",
      "ReplicationController",
      "PodTemplate",
      "ControllerRevision.apps",
      "PriorityClass.scheduling.k8s.io",
    ],
  },
  {
    name: "Services & networking",
    kinds: [
      "Service",
      "Ingress.networking.k8s.io",
      "IngressClass.networking.k8s.io",
      "NetworkPolicy.networking.k8s.io",
      "Endpoints",
      "EndpointSlice.discovery.k8s.io",
      "Gateway.gateway.networking.k8s.io",
      "GatewayClass.gateway.networking.k8s.io",
      "HTTPRoute.gateway.networking.k8s.io",
      "GRPCRoute.gateway.networking.k8s.io",
    ],
  },
  {
    name: "Config & storage",
    kinds: [
      "ConfigMap",
      "Secret",
      "PersistentVolumeClaim",
      "PersistentVolume",
      "StorageClass.storage.k8s.io",
      "VolumeAttachment.storage.k8s.io",
      "CSIDriver.storage.k8s.io",
      "CSINode.storage.k8s.io",
      "CSIStorageCapacity.storage.k8s.io",
    ],
  },
  {
    name: "RBAC & policy",
    kinds: [
      "ServiceAccount",
      "Role.rbac.authorization.k8s.io",
      "RoleBinding.rbac.authorization.k8s.io",
      "ClusterRole.rbac.authorization.k8s.io",
      "ClusterRoleBinding.rbac.authorization.k8s.io",
      "PodDisruptionBudget.policy",
      "ResourceQuota",
      "LimitRange",
      "ValidatingAdmissionPolicy.admissionregistration.k8s.io",
      "ValidatingAdmissionPolicyBinding.admissionregistration.k8s.io",
      "ValidatingWebhookConfiguration.admissionregistration.k8s.io",
      "MutatingWebhookConfiguration.admissionregistration.k8s.io",
      "CertificateSigningRequest.certificates.k8s.io",
    ],
  },
  {
    name: "Cluster",
    kinds: [
      "Node",
      "Namespace",
      "Event",
      "Event.events.k8s.io",
      "Lease.coordination.k8s.io",
      "RuntimeClass.node.k8s.io",
      "CustomResourceDefinition.apiextensions.k8s.io",
      "APIService.apiregistration.k8s.io",
      "FlowSchema.flowcontrol.apiserver.k8s.io",
      "PriorityLevelConfiguration.flowcontrol.apiserver.k8s.io",
    ],
  },
];

/**
 * Sections for types of the built-in API groups that the table above does not name (a
 * newer Kubernetes adds some). A group missing here is not Kubernetes' own: its types are
 * custom resources.
 */
const GROUP_SECTIONS: Record<string, string> = {
  "": "Cluster",
  apps: "Workloads",
  batch: "Workloads",
  autoscaling: "Workloads",
  "scheduling.k8s.io": "Workloads",
  "resource.k8s.io": "Workloads",
  "networking.k8s.io": "Services & networking",
  "discovery.k8s.io": "Services & networking",
  "gateway.networking.k8s.io": "Services & networking",
  "storage.k8s.io": "Config & storage",
  "rbac.authorization.k8s.io": "RBAC & policy",
  policy: "RBAC & policy",
  "admissionregistration.k8s.io": "RBAC & policy",
  "certificates.k8s.io": "RBAC & policy",
  "authentication.k8s.io": "RBAC & policy",
  "authorization.k8s.io": "RBAC & policy",
  "events.k8s.io": "Cluster",
  "coordination.k8s.io": "Cluster",
  "node.k8s.io": "Cluster",
  "apiextensions.k8s.io": "Cluster",
  "apiregistration.k8s.io": "Cluster",
  "flowcontrol.apiserver.k8s.io": "Cluster",
  "internal.apiserver.k8s.io": "Cluster",
  "storagemigration.k8s.io": "Cluster",
};

const SECTION_ORDER = [...RESOURCE_GROUPS.map((g) => g.name), CUSTOM_RESOURCES];

/** Position of each known type: [section, index within it]. */
const KNOWN = new Map<string, [string, number]>(RESOURCE_GROUPS.flatMap((g) => g.kinds.map((k, i) => [k, [g.name, i]] as const)));

/** What the browser needs of one entry of GET /clusters/{c} `types`. */
export interface CatalogueType {
  group: string;
  resource: string;
  kind: string;
  state: string;
  objects: number;
  synced: boolean;
}

/** One type as the browser's navigation shows it. */
export interface BrowserType {
  /** typeRef(): what links and the resources request use. */
  ref: string;
  kind: string;
  group: string;
  resource: string;
  /** The API group shown beside the kind: always for custom resources, else only where two groups share the kind. */
  groupHint: string | null;
  /** The object count once the type has been listed; null while unknown (never listed, or forbidden). */
  objects: number | null;
  /** The cluster refuses to let Kubilitics list the type: shown, but not selectable. */
  forbidden: boolean;
  /** Tooltip: why the entry is disabled or its count missing or old; "" when there is nothing to say. */
  note: string;
}

export interface BrowserSection {
  name: string;
  types: BrowserType[];
}

function sectionOf(t: CatalogueType): string {
  return KNOWN.get(typeRef(t))?.[0] ?? GROUP_SECTIONS[t.group] ?? CUSTOM_RESOURCES;
}

function noteOf(t: CatalogueType, forbidden: boolean): string {
  const name = t.group ? `${t.resource}.${t.group}` : t.resource;
  if (forbidden) return `Forbidden: the identity Kubilitics watches this cluster as may not list ${name}.`;
  if (!t.synced) return `Not listed yet (${t.state}); the count comes once the first list completes.`;
  if (t.state !== "watching") return `Watch ${t.state}: the count is as of the last successful list.`;
  return "";
}

/**
 * Groups the cluster's catalogue into the browser's sections, in SECTION_ORDER, leaving
 * out empty ones. Known types keep the table's order; the rest follow by kind, and
 * custom resources by API group, then kind. Duplicates (one group/kind served in several
 * versions) are listed once.
 */
export function groupResourceTypes(types: readonly CatalogueType[]): BrowserSection[] {
  const seen = new Set<string>();
  const unique = types.filter((t) => {
    const ref = typeRef(t);
    if (seen.has(ref)) return false;
    seen.add(ref);
    return true;
  });
  const kindCount = new Map<string, number>();
  for (const t of unique) kindCount.set(t.kind, (kindCount.get(t.kind) ?? 0) + 1);

  const bySection = new Map<string, BrowserType[]>(SECTION_ORDER.map((n) => [n, []]));
  for (const t of unique) {
    const section = sectionOf(t);
    const forbidden = t.state === "forbidden";
    const shared = (kindCount.get(t.kind) ?? 0) > 1;
    bySection.get(section)!.push({
      ref: typeRef(t),
      kind: t.kind,
      group: t.group,
      resource: t.resource,
      groupHint: section === CUSTOM_RESOURCES || shared ? t.group || "core" : null,
      objects: forbidden || !t.synced ? null : t.objects,
      forbidden,
      note: noteOf(t, forbidden),
    });
  }
  const rank = (b: BrowserType) => KNOWN.get(b.ref)?.[1] ?? Number.MAX_SAFE_INTEGER;
  const out: BrowserSection[] = [];
  for (const [name, list] of bySection) {
    if (!list.length) continue;
    list.sort((a, b) =>
      name === CUSTOM_RESOURCES
        ? a.group.localeCompare(b.group) || a.kind.localeCompare(b.kind)
        : rank(a) - rank(b) || a.kind.localeCompare(b.kind) || a.group.localeCompare(b.group),
    );
    out.push({ name, types: list });
  }
  return out;
}

/**
 * The entry a URL's kind names, accepting what the server accepts: "Deployment.apps",
 * "deployments", "deployments.apps" (case-insensitive). Unqualified, the core group wins,
 * then the first in the list — as the server resolves it.
 */
export function findType(sections: readonly BrowserSection[], wanted: string): BrowserType | null {
  const w = wanted.toLowerCase();
  const all = sections.flatMap((s) => s.types);
  const exact = all.find((t) => t.ref.toLowerCase() === w || (t.group ? `${t.resource}.${t.group}` : t.resource) === w);
  if (exact) return exact;
  const byName = all.filter((t) => t.kind.toLowerCase() === w || t.resource === w);
  return byName.find((t) => t.group === "") ?? byName[0] ?? null;
}
