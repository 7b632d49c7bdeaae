// Typed wrappers for every HTTP endpoint of the contract (prefix /api/v1).
// Each call resolves with the parsed body or rejects with an ApiError carrying the
// code, message, status and request ID; nothing here invents data.

import { ApiError, networkError, parseErrorResponse } from "./errors";
import type {
  Alert,
  AuditRecord,
  Cluster,
  ClusterDetail,
  KubeEvent,
  ObjectId,
  Plugin,
  PromQueryResult,
  ResourceList,
  Topology,
} from "./types";

type Query = Record<string, string | number | boolean | null | undefined | string[]>;

/** Builds "?a=1&b=x" from the set values; arrays are joined with commas. */
export function queryString(q: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === "" || v === false) continue;
    if (Array.isArray(v)) {
      if (v.length) p.set(k, v.join(","));
    } else p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : "";
}

const seg = encodeURIComponent;

/** Splits an object ID into its parts; namespace is "" for cluster-scoped objects. */
export function parseObjectId(id: ObjectId): { kind: string; namespace: string; name: string } {
  const first = id.indexOf("/");
  const second = first < 0 ? -1 : id.indexOf("/", first + 1);
  if (first < 0 || second < 0) return { kind: id, namespace: "", name: "" };
  return { kind: id.slice(0, first), namespace: id.slice(first + 1, second), name: id.slice(second + 1) };
}

export function objectId(kind: string, namespace: string, name: string): ObjectId {
  return `${kind}/${namespace}/${name}`;
}

/** The path of an object: resources/{kind}/{ns}/{name}; ns stays empty for cluster scope. */
export function objectPath(id: ObjectId): string {
  const { kind, namespace, name } = parseObjectId(id);
  return `${seg(kind)}/${seg(namespace)}/${seg(name)}`;
}

export interface TopologyQuery {
  namespaces?: string[];
  focus?: ObjectId | null;
  depth?: number | null;
  kinds?: string[];
  labelSelector?: string;
  limit?: number;
}

export interface LogQuery {
  container?: string;
  tail?: number;
  since?: string;
  previous?: boolean;
  follow?: boolean;
  timestamps?: boolean;
}

export interface ApiClientOptions {
  baseUrl?: string;
  fetchImpl?: typeof fetch;
  /** Called with every failure, so the app can count and surface them. */
  onError?: (err: ApiError) => void;
}

export class ApiClient {
  readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private readonly onError: ((err: ApiError) => void) | undefined;

  constructor(opts: ApiClientOptions = {}) {
    this.base = (opts.baseUrl ?? "").replace(/\/$/, "") + "/api/v1";
    this.fetchImpl = opts.fetchImpl ?? ((...a) => fetch(...a));
    this.onError = opts.onError;
  }

  /** Low level: performs the request and returns the Response when it is 2xx. */
  async raw(method: string, path: string, init: RequestInit = {}): Promise<Response> {
    const label = `${method} ${this.base}${path}`;
    let res: Response;
    try {
      res = await this.fetchImpl(this.base + path, {
        ...init,
        method,
        credentials: "same-origin",
        headers: { Accept: "application/json", ...(init.headers ?? {}) },
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === "AbortError") throw e;
      const err = networkError(label, e);
      this.onError?.(err);
      throw err;
    }
    if (!res.ok) {
      const body = await res.text().catch(() => "");
      const err = parseErrorResponse(res.status, body, res.headers.get("X-Request-Id"), label);
      this.onError?.(err);
      throw err;
    }
    return res;
  }

  async json<T>(method: string, path: string, init: RequestInit = {}): Promise<T> {
    const res = await this.raw(method, path, init);
    const text = await res.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError({
        code: "bad_response",
        message: "The server answered with something that is not JSON.",
        status: res.status,
        requestId: res.headers.get("X-Request-Id"),
        request: `${method} ${this.base}${path}`,
      });
    }
  }

  private send<T>(method: string, path: string, body: unknown, signal?: AbortSignal, headers: Record<string, string> = {}): Promise<T> {
    return this.json<T>(method, path, {
      body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", ...headers },
      signal: signal ?? null,
    });
  }

  // --- clusters ---
  clusters(signal?: AbortSignal): Promise<Cluster[]> {
    return this.json<Cluster[]>("GET", "/clusters", { signal: signal ?? null });
  }
  /** One cluster with its resource catalogue (every type it serves that is watched). */
  cluster(c: string, signal?: AbortSignal): Promise<ClusterDetail> {
    return this.json<ClusterDetail>("GET", `/clusters/${seg(c)}`, { signal: signal ?? null });
  }
  /** Register a cluster from a kubeconfig context, or from an uploaded kubeconfig. */
  addCluster(body: { context?: string; kubeconfig?: string; name?: string }): Promise<Cluster> {
    return this.send<Cluster>("POST", "/clusters", body);
  }
  removeCluster(c: string): Promise<void> {
    return this.json<void>("DELETE", `/clusters/${seg(c)}`);
  }

  // --- resources ---
  resources(
    c: string,
    kind: string,
    q: { namespace?: string; labelSelector?: string; fieldSelector?: string; limit?: number; continue?: string | null } = {},
    signal?: AbortSignal,
  ): Promise<ResourceList> {
    return this.json<ResourceList>("GET", `/clusters/${seg(c)}/resources/${seg(kind)}${queryString(q)}`, {
      signal: signal ?? null,
    });
  }
  /** The live object as the user sees it; Secret values come back as "<redacted>". */
  object(c: string, id: ObjectId, signal?: AbortSignal): Promise<Record<string, unknown>> {
    return this.json("GET", `/clusters/${seg(c)}/resources/${objectPath(id)}`, { signal: signal ?? null });
  }

  // --- topology ---
  topologyPath(c: string, q: TopologyQuery, suffix = "topology"): string {
    return `/clusters/${seg(c)}/${suffix}${queryString({
      namespace: q.namespaces ?? [],
      focus: q.focus ?? null,
      depth: q.focus ? (q.depth ?? null) : null,
      kinds: q.kinds ?? [],
      labelSelector: q.labelSelector ?? "",
      limit: q.limit ?? null,
    })}`;
  }
  topology(c: string, q: TopologyQuery, signal?: AbortSignal): Promise<Topology> {
    return this.json<Topology>("GET", this.topologyPath(c, q), { signal: signal ?? null });
  }
  /** URL of the server's SVG export of the same view (what is shown, laid out the same). */
  topologySvgUrl(c: string, q: TopologyQuery): string {
    return this.base + this.topologyPath(c, q, "topology.svg");
  }

  // --- logs, events, metrics ---
  logsUrl(c: string, ns: string, pod: string, q: LogQuery): string {
    return `${this.base}/clusters/${seg(c)}/pods/${seg(ns)}/${seg(pod)}/logs${queryString({ ...q })}`;
  }
  /** Opens the log stream; read res.body incrementally while following. */
  logs(c: string, ns: string, pod: string, q: LogQuery, signal?: AbortSignal): Promise<Response> {
    return this.raw("GET", `/clusters/${seg(c)}/pods/${seg(ns)}/${seg(pod)}/logs${queryString({ ...q })}`, {
      signal: signal ?? null,
      headers: { Accept: "text/plain" },
    });
  }
  events(
    c: string,
    q: { namespace?: string; object?: ObjectId; type?: string; limit?: number } = {},
    signal?: AbortSignal,
  ): Promise<{ items: KubeEvent[] }> {
    return this.json("GET", `/clusters/${seg(c)}/events${queryString(q)}`, { signal: signal ?? null });
  }
  metrics(c: string, what: "pods" | "nodes", namespace?: string, signal?: AbortSignal): Promise<unknown> {
    return this.json("GET", `/clusters/${seg(c)}/metrics/${what}${queryString({ namespace })}`, { signal: signal ?? null });
  }

  /** One named Prometheus query (pod_cpu, node_memory, …); `range` makes it a range query. */
  promQuery(
    c: string,
    name: string,
    q: { namespace?: string; pod?: string; node?: string; workload?: string; range?: string; step?: string },
    signal?: AbortSignal,
  ): Promise<PromQueryResult> {
    return this.json("GET", `/clusters/${seg(c)}/metrics/query/${seg(name)}${queryString(q)}`, { signal: signal ?? null });
  }

  // --- mutations (need write mode and a confirmation token; audited) ---
  apply(c: string, manifest: unknown, confirmToken?: string): Promise<unknown> {
    return this.send("POST", `/clusters/${seg(c)}/apply`, manifest, undefined, confirmToken ? { "X-Confirm-Token": confirmToken } : {});
  }
  deleteObject(c: string, id: ObjectId, confirmToken?: string): Promise<unknown> {
    return this.json("DELETE", `/clusters/${seg(c)}/resources/${objectPath(id)}`, {
      headers: confirmToken ? { "X-Confirm-Token": confirmToken } : {},
    });
  }

  // --- audit, plugins, alerts, runbooks, health ---
  audit(q: { actor?: string; cluster?: string; object?: string; since?: string; until?: string; limit?: number } = {}): Promise<AuditRecord[] | { items: AuditRecord[] }> {
    return this.json("GET", `/audit${queryString(q)}`);
  }
  auditVerify(): Promise<unknown> {
    return this.json("GET", "/audit/verify");
  }
  plugins(): Promise<Plugin[] | { items: Plugin[] }> {
    return this.json("GET", "/plugins");
  }
  reloadPlugins(): Promise<unknown> {
    return this.send("POST", "/plugins/reload", {});
  }
  alerts(): Promise<Alert[] | { items: Alert[] }> {
    return this.json("GET", "/alerts");
  }
  runRunbook(name: string, params: Record<string, unknown> = {}, dryRun = true): Promise<unknown> {
    return this.send("POST", `/runbooks/${seg(name)}/run${queryString({ dryRun: dryRun ? "true" : "false" })}`, params);
  }
  /** /healthz and /readyz live at the root, not under /api/v1. */
  async health(which: "healthz" | "readyz"): Promise<boolean> {
    try {
      const res = await this.fetchImpl(this.base.replace(/\/api\/v1$/, "") + "/" + which);
      return res.ok;
    } catch {
      return false;
    }
  }
}

/** Accepts both a bare array and an {items:[…]} envelope, since lists differ by endpoint. */
export function itemsOf<T>(v: T[] | { items: T[] } | null | undefined): T[] {
  if (!v) return [];
  return Array.isArray(v) ? v : (v.items ?? []);
}
