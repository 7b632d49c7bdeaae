// The normalised topology of one subscription scope: nodes by object ID, edges by key,
// and adjacency sets, kept in step with the server by snapshots (replace) and
// WebSocket deltas (applyDelta). Each change reports exactly what moved so the view
// patches its drawing in place instead of redrawing or re-laying out.

import type { DeltaMessage, ObjectId, TopoEdge, TopoNode, Topology } from "../api/types";

export type EdgeKey = string;

export function edgeKey(e: Pick<TopoEdge, "source" | "target" | "type">): EdgeKey {
  return `${e.type}|${e.source}|${e.target}`;
}

export interface Change {
  addedNodes: TopoNode[];
  updatedNodes: TopoNode[];
  removedNodes: ObjectId[];
  addedEdges: TopoEdge[];
  removedEdges: EdgeKey[];
  /** True when the delta was older than what the store holds and was ignored. */
  stale: boolean;
}

function emptyChange(): Change {
  return { addedNodes: [], updatedNodes: [], removedNodes: [], addedEdges: [], removedEdges: [], stale: false };
}

/**
 * Orders two resourceVersions. Kubernetes calls them opaque; this server's are decimal
 * counters, so they are compared as numbers when both are, and otherwise never called older.
 */
export function rvOlder(a: string, b: string): boolean {
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  if (a.length !== b.length) return a.length < b.length;
  return a < b;
}

export class GraphStore {
  readonly nodes = new Map<ObjectId, TopoNode>();
  readonly edges = new Map<EdgeKey, TopoEdge>();
  /** Edge keys touching each node, whether or not the other end is present. */
  private readonly adj = new Map<ObjectId, Set<EdgeKey>>();
  /** Edge names given by the server, for removals that name edges by id. */
  private readonly edgeIds = new Map<string, EdgeKey>();
  resourceVersion = "";
  truncated = false;
  /** When the data was last confirmed by the server (snapshot or delta), ms since epoch. */
  confirmedAt = 0;

  /** Replaces everything with a snapshot and reports the difference from before. */
  replace(t: Topology, now = Date.now()): Change {
    const ch = emptyChange();
    const incoming = new Map(t.nodes.map((n) => [n.id, n]));
    for (const id of [...this.nodes.keys()]) if (!incoming.has(id)) this.removeNode(id, ch);
    for (const n of t.nodes) this.upsertNode(n, ch);
    const incomingEdges = new Set(t.edges.map(edgeKey));
    for (const k of [...this.edges.keys()]) if (!incomingEdges.has(k)) this.removeEdge(k, ch);
    for (const e of t.edges) this.upsertEdge(e, ch);
    this.resourceVersion = t.resourceVersion;
    this.truncated = t.truncated;
    this.confirmedAt = now;
    return ch;
  }

  /** Applies one delta: node upserts first, then edges, then removals. */
  applyDelta(d: Pick<DeltaMessage, "resourceVersion" | "nodes" | "edges">, now = Date.now()): Change {
    const ch = emptyChange();
    if (d.resourceVersion && this.resourceVersion && rvOlder(d.resourceVersion, this.resourceVersion)) {
      ch.stale = true;
      return ch;
    }
    for (const n of d.nodes?.upsert ?? []) this.upsertNode(n, ch);
    for (const e of d.edges?.upsert ?? []) this.upsertEdge(e, ch);
    for (const r of d.edges?.remove ?? []) {
      const key = typeof r === "string" ? (this.edgeIds.get(r) ?? r) : r.id && this.edgeIds.has(r.id) ? this.edgeIds.get(r.id)! : edgeKey(r);
      this.removeEdge(key, ch);
    }
    for (const r of d.nodes?.remove ?? []) this.removeNode(typeof r === "string" ? r : r.id, ch);
    if (d.resourceVersion) this.resourceVersion = d.resourceVersion;
    this.confirmedAt = now;
    return ch;
  }

  /** Edges whose both ends are present — the ones that can be drawn. */
  drawableEdges(): TopoEdge[] {
    return [...this.edges.values()].filter((e) => this.nodes.has(e.source) && this.nodes.has(e.target));
  }

  edgesOf(id: ObjectId): TopoEdge[] {
    const keys = this.adj.get(id);
    if (!keys) return [];
    const out: TopoEdge[] = [];
    for (const k of keys) {
      const e = this.edges.get(k);
      if (e) out.push(e);
    }
    return out;
  }

  /** Object IDs within `hops` edges of `id`, in either direction, including `id`. */
  neighbourhood(id: ObjectId, hops: number): Set<ObjectId> {
    const seen = new Set<ObjectId>([id]);
    let frontier = [id];
    for (let h = 0; h < hops && frontier.length; h++) {
      const next: ObjectId[] = [];
      for (const n of frontier) {
        for (const e of this.edgesOf(n)) {
          const other = e.source === n ? e.target : e.source;
          if (!seen.has(other) && this.nodes.has(other)) {
            seen.add(other);
            next.push(other);
          }
        }
      }
      frontier = next;
    }
    return seen;
  }

  private upsertNode(n: TopoNode, ch: Change): void {
    const prev = this.nodes.get(n.id);
    if (!prev) {
      this.nodes.set(n.id, n);
      ch.addedNodes.push(n);
      return;
    }
    // Keep the drawn position when an update carries none: no jumps on status changes.
    const next: TopoNode = {
      ...prev,
      ...n,
      x: Number.isFinite(n.x) ? n.x : prev.x,
      y: Number.isFinite(n.y) ? n.y : prev.y,
    };
    this.nodes.set(n.id, next);
    ch.updatedNodes.push(next);
  }

  private removeNode(id: ObjectId, ch: Change): void {
    if (!this.nodes.delete(id)) return;
    ch.removedNodes.push(id);
    // Edges of a removed node are dropped with it; the server may also list them.
    for (const k of [...(this.adj.get(id) ?? [])]) this.removeEdge(k, ch);
    this.adj.delete(id);
  }

  private upsertEdge(e: TopoEdge, ch: Change): void {
    const k = edgeKey(e);
    if (e.id) this.edgeIds.set(e.id, k);
    if (this.edges.has(k)) {
      this.edges.set(k, e);
      return;
    }
    this.edges.set(k, e);
    this.link(e.source, k);
    this.link(e.target, k);
    ch.addedEdges.push(e);
  }

  private removeEdge(k: EdgeKey, ch: Change): void {
    const e = this.edges.get(k);
    if (!e) return;
    this.edges.delete(k);
    this.adj.get(e.source)?.delete(k);
    this.adj.get(e.target)?.delete(k);
    if (e.id) this.edgeIds.delete(e.id);
    ch.removedEdges.push(k);
  }

  private link(id: ObjectId, k: EdgeKey): void {
    let s = this.adj.get(id);
    if (!s) this.adj.set(id, (s = new Set()));
    s.add(k);
  }
}
