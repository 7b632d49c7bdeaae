// Types of the Kubilitics HTTP/WebSocket contract (shared/API.md).
// Fields the contract lists are required; anything else the server adds is optional
// and read defensively, so a newer server never breaks an older UI.

/** KIND[.GROUP]/NAMESPACE/NAME — the one way every surface names an object. */
export type ObjectId = string;

export type ClusterStatus = "connected" | "syncing" | "disconnected" | "error" | "forbidden";

export interface Cluster {
  id: string;
  name: string;
  server: string;
  status: ClusterStatus | string;
  error: string | null;
  version: string | null;
  objects: number | null;
  lastSync: string | null;
  /** A Prometheus is configured for the cluster: the named queries can answer. */
  prometheus?: boolean;
}

/** Where the server's watch of one resource type stands (reflector state). */
export type ResourceTypeState = "listing" | "watching" | "backoff" | "forbidden" | "error" | "stopped";

/** One resource type the cluster serves and Kubilitics watches (GET /clusters/{c}). */
export interface ResourceType {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  /** "forbidden": the cluster refuses to let Kubilitics list this type. */
  state: ResourceTypeState | string;
  /** Objects of the type in the server's store; final only once `synced`. */
  objects: number;
  /** Listed at least once. */
  synced: boolean;
}

/** GET /clusters/{c}: the summary plus the cluster's resource catalogue. */
export interface ClusterDetail extends Cluster {
  types: ResourceType[];
}

export interface ResourceItem {
  id: ObjectId;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  created: string;
  status: string;
  columns: Record<string, unknown>;
}

/** One column of a kind's table, in display order (kubectl's table column definitions). */
export interface ColumnDefinition {
  /** The key of the value in each item's `columns` (READY, STATUS, REPLICAS, …). */
  name: string;
  /** string | integer | number | boolean | date (a date cell is an age: "5m", "3d"). */
  type: string;
  /** > 0: shown only in the wide view, as with `kubectl -o wide`. */
  priority: number;
  description?: string;
}

export interface ResourceList {
  items: ResourceItem[];
  continue: string | null;
  resourceVersion: string;
  kind?: string;
  /** The kind's columns in display order, AGE last; older servers leave it out. */
  columnDefinitions?: ColumnDefinition[];
  remaining?: number;
}

/** GET /clusters/{c}/metrics/query/{name}: one named Prometheus query's answer. */
export interface PromQueryResult {
  cluster: string;
  query: string;
  unit: string;
  promql?: string;
  rangeSeconds?: number;
  stepSeconds?: number;
  resultType: string;
  truncated: boolean;
  /** `points` are [epoch ms, value]; NaN and ±Inf arrive as null. */
  series: { labels: Record<string, string>; points: [number, number | null][] }[];
}

export type NodeStatus = "ok" | "warning" | "error" | "unknown";

export interface TopoNode {
  id: ObjectId;
  kind: string;
  namespace: string;
  name: string;
  status: NodeStatus | string;
  x: number;
  y: number;
  group?: string;
  /** kubectl's word for a status that is not ok (CrashLoopBackOff, Pending, …). */
  reason?: string;
  /** References to objects that do not exist; reported on the source, not drawn. */
  missing?: ObjectId[];
  labels?: Record<string, string>;
}

export interface TopoEdge {
  source: ObjectId;
  target: ObjectId;
  type: string;
  /** Optional: a server may name edges; removals may then use the name. */
  id?: string;
}

export interface Topology {
  cluster: string;
  resourceVersion: string;
  truncated: boolean;
  nodes: TopoNode[];
  edges: TopoEdge[];
  /** Optional: the layout's frames (namespace / application bands) in node coordinates. */
  groups?: { namespace?: string; app?: string | null; title?: string; x: number; y: number; w: number; h: number }[];
}

export interface KubeEvent {
  id: string;
  object: ObjectId;
  type: string;
  reason: string;
  message: string;
  count: number;
  first: string;
  last: string;
}

export interface AuditRecord {
  [field: string]: unknown;
}

export interface Plugin {
  name: string;
  version: string;
  status: string;
  errors?: string[];
  [field: string]: unknown;
}

export interface Alert {
  [field: string]: unknown;
}

/** Server → client WebSocket messages. */
export interface DeltaMessage {
  sub: string;
  type: "delta";
  resourceVersion: string;
  nodes?: { upsert?: TopoNode[]; remove?: (ObjectId | { id: ObjectId })[] };
  edges?: { upsert?: TopoEdge[]; remove?: (string | TopoEdge)[] };
}
export interface ResyncMessage {
  type: "resync";
  sub?: string;
}
export interface ClusterMessage {
  type: "cluster";
  id: string;
  status: string;
  error?: string;
}
export type ServerMessage = DeltaMessage | ResyncMessage | ClusterMessage | { type: string; [k: string]: unknown };

/** The scope of one WebSocket subscription. */
export interface SubscriptionScope {
  cluster: string;
  namespace: string | null;
  focus: ObjectId | null;
  /** Extensions the contract does not list; a server that ignores them is fine. */
  depth?: number;
  kinds?: string[];
}
