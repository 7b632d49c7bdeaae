// The WebGL drawing of a topology: a graphology graph mirrored from the GraphStore and
// drawn by sigma. Nodes sit at the server's coordinates; after the first frame the
// bounding box is pinned so later additions never rescale or shift what is on screen.
// The server's y axis points down (as in its SVG export); sigma's points up, so y is
// negated on the way in and the drawing matches the export.
// Display-only concerns (dimming, hiding, highlighting) live in reducers, so changing a
// filter repaints without touching the graph.

import Graph from "graphology";
import Sigma from "sigma";
import type { TopoEdge, TopoNode } from "../api/types";
import { edgeKey, type Change, type GraphStore } from "../state/graph-store";
import { bareKind, kindGlyph, kindSize } from "../ui/kinds";
import type { Palette } from "../ui/theme";

export interface NodeAttrs {
  x: number;
  y: number;
  size: number;
  label: string;
  kind: string;
  glyph: string;
  status: string;
  namespace: string;
  group: string;
  /** Set on aggregate nodes standing for a collapsed group. */
  aggregate?: number;
  [k: string]: unknown;
}

export interface EdgeAttrs {
  edgeType: string;
  size: number;
  [k: string]: unknown;
}

export interface DisplayFilter {
  /** Nodes not in this set are hidden; null shows all. */
  visible: Set<string> | null;
  /** Nodes emphasised (selection neighbourhood, search hits); others dimmed. Null: none. */
  emphasis: Set<string> | null;
  selected: string | null;
  hiddenEdgeTypes: Set<string>;
}

export interface CanvasEvents {
  onClick(id: string): void;
  onHover(id: string | null, x: number, y: number): void;
  onStageClick(): void;
  onCamera(): void;
}

function statusColour(p: Palette, status: string): string {
  return p.node[status as keyof Palette["node"]] ?? p.node.unknown;
}

export class TopologyCanvas {
  readonly graph = new Graph<NodeAttrs, EdgeAttrs>({ multi: true, type: "directed", allowSelfLoops: true });
  private sigma: Sigma<NodeAttrs, EdgeAttrs> | null = null;
  private filter: DisplayFilter = { visible: null, emphasis: null, selected: null, hiddenEdgeTypes: new Set() };
  private pinned = false;
  /** Counts draws, so tests and benchmarks can see frames happen. */
  renders = 0;

  constructor(
    private readonly container: HTMLElement,
    private palette: Palette,
    private readonly events: CanvasEvents,
  ) {}

  /** Loads everything from the store (first snapshot) and starts drawing. */
  mount(store: GraphStore): void {
    this.graph.clear();
    for (const n of store.nodes.values()) this.addNode(n);
    for (const e of store.drawableEdges()) this.addEdge(e);
    this.sigma = new Sigma(this.graph, this.container, {
      allowInvalidContainer: true,
      defaultEdgeType: "arrow",
      renderEdgeLabels: false,
      hideEdgesOnMove: this.graph.size > 20_000,
      hideLabelsOnMove: this.graph.order > 5_000,
      labelRenderedSizeThreshold: 7,
      labelDensity: 0.6,
      labelFont: "system-ui, sans-serif",
      labelColor: { color: this.palette.text },
      zIndex: true,
      nodeReducer: (id, data) => this.reduceNode(id, data),
      edgeReducer: (id, data) => this.reduceEdge(id, data),
      defaultDrawNodeLabel: (ctx, data) => this.drawLabel(ctx, data as unknown as NodeAttrs & { x: number; y: number; size: number }),
      defaultDrawNodeHover: (ctx, data) => this.drawHover(ctx, data as unknown as NodeAttrs & { x: number; y: number; size: number }),
    });
    const s = this.sigma;
    s.on("clickNode", ({ node }) => this.events.onClick(node));
    s.on("enterNode", ({ node, event }) => this.events.onHover(node, event.x, event.y));
    s.on("leaveNode", () => this.events.onHover(null, 0, 0));
    s.on("clickStage", () => this.events.onStageClick());
    s.on("afterRender", () => this.renders++);
    s.getCamera().on("updated", () => this.events.onCamera());
    this.pinBox();
  }

  /** Fixes the graph-to-screen mapping so added nodes do not move the others. */
  private pinBox(): void {
    if (!this.sigma || this.pinned || this.graph.order === 0) return;
    const box = this.sigma.getBBox();
    // Some room around the initial extent; nodes placed beyond it are still drawn.
    this.sigma.setCustomBBox(box);
    this.pinned = true;
  }

  /** Patches the drawing with exactly what changed in the store. No relayout. */
  apply(ch: Change, store: GraphStore): void {
    for (const id of ch.removedNodes) if (this.graph.hasNode(id)) this.graph.dropNode(id);
    for (const k of ch.removedEdges) if (this.graph.hasEdge(k)) this.graph.dropEdge(k);
    for (const n of ch.addedNodes) this.addNode(this.placed(n, store));
    for (const n of ch.updatedNodes) {
      if (!this.graph.hasNode(n.id)) this.addNode(this.placed(n, store));
      else this.graph.mergeNodeAttributes(n.id, this.nodeAttrs(n, this.graph.getNodeAttributes(n.id)));
    }
    for (const e of ch.addedEdges) this.addEdge(e);
    // An edge that arrived before one of its ends becomes drawable once the end exists.
    for (const n of ch.addedNodes) for (const e of store.edgesOf(n.id)) this.addEdge(e);
    this.pinBox();
  }

  /** A node without coordinates is placed next to a drawn neighbour, never at the origin. */
  private placed(n: TopoNode, store: GraphStore): TopoNode {
    if (Number.isFinite(n.x) && Number.isFinite(n.y)) return n;
    for (const e of store.edgesOf(n.id)) {
      const other = e.source === n.id ? e.target : e.source;
      if (this.graph.hasNode(other)) {
        const a = this.graph.getNodeAttributes(other);
        const jitter = (hash(n.id) % 628) / 100;
        return { ...n, x: a.x + Math.cos(jitter) * 20, y: -a.y + Math.sin(jitter) * 20 };
      }
    }
    return { ...n, x: 0, y: 0 };
  }

  private nodeAttrs(n: TopoNode, prev?: NodeAttrs): NodeAttrs {
    return {
      x: Number.isFinite(n.x) ? n.x : (prev?.x ?? 0),
      y: Number.isFinite(n.y) ? -n.y : (prev?.y ?? 0),
      size: kindSize(n.kind),
      label: n.name,
      kind: n.kind,
      glyph: kindGlyph(n.kind),
      status: n.status,
      namespace: n.namespace,
      group: n.group ?? n.namespace,
      color: statusColour(this.palette, n.status),
    };
  }

  private addNode(n: TopoNode): void {
    if (this.graph.hasNode(n.id)) return;
    this.graph.addNode(n.id, this.nodeAttrs(n));
  }

  private addEdge(e: TopoEdge): void {
    const k = edgeKey(e);
    if (this.graph.hasEdge(k) || !this.graph.hasNode(e.source) || !this.graph.hasNode(e.target)) return;
    this.graph.addDirectedEdgeWithKey(k, e.source, e.target, {
      edgeType: e.type,
      size: e.type === "owns" ? 1.5 : 1,
      color: this.palette.edge[e.type] ?? this.palette.edgeDefault,
    });
  }

  /** Adds a stand-in for a collapsed group (at the centroid of its members). */
  setAggregates(groups: { key: string; label: string; members: string[]; status: string }[]): void {
    for (const id of this.graph.filterNodes((_, a) => a.aggregate !== undefined)) this.graph.dropNode(id);
    for (const g of groups) {
      let x = 0;
      let y = 0;
      let n = 0;
      for (const m of g.members) {
        if (!this.graph.hasNode(m)) continue;
        const a = this.graph.getNodeAttributes(m);
        x += a.x;
        y += a.y;
        n++;
      }
      if (!n) continue;
      this.graph.addNode(g.key, {
        x: x / n,
        y: y / n,
        size: 14,
        label: `${g.label} (${n})`,
        kind: "Group",
        glyph: "▣",
        status: g.status,
        namespace: g.label,
        group: g.label,
        aggregate: n,
        color: statusColour(this.palette, g.status),
      });
    }
  }

  setFilter(f: DisplayFilter): void {
    this.filter = f;
    this.sigma?.refresh({ skipIndexation: true });
  }

  setPalette(p: Palette): void {
    this.palette = p;
    this.graph.updateEachNodeAttributes((_, a) => ({ ...a, color: statusColour(p, a.status) }));
    this.graph.updateEachEdgeAttributes((_, a) => ({ ...a, color: p.edge[a.edgeType] ?? p.edgeDefault }));
    this.sigma?.setSetting("labelColor", { color: p.text });
  }

  private reduceNode(id: string, data: NodeAttrs): Partial<NodeAttrs> & Record<string, unknown> {
    const f = this.filter;
    const out: Record<string, unknown> = { ...data };
    if (f.visible && !f.visible.has(id) && data.aggregate === undefined) out.hidden = true;
    if (f.emphasis && !f.emphasis.has(id) && data.aggregate === undefined) {
      out.color = this.palette.dim;
      out.label = "";
      out.zIndex = 0;
    } else if (f.emphasis) out.zIndex = 1;
    if (f.selected === id) {
      out.highlighted = true;
      out.size = data.size * 1.6;
      out.zIndex = 2;
    }
    return out as Partial<NodeAttrs>;
  }

  private reduceEdge(id: string, data: EdgeAttrs): Partial<EdgeAttrs> & Record<string, unknown> {
    const f = this.filter;
    const out: Record<string, unknown> = { ...data };
    if (f.hiddenEdgeTypes.has(data.edgeType)) out.hidden = true;
    else if (f.visible || f.emphasis) {
      const [s, t] = this.graph.extremities(id);
      if (f.visible && (!f.visible.has(s) || !f.visible.has(t))) out.hidden = true;
      else if (f.emphasis && (!f.emphasis.has(s) || !f.emphasis.has(t))) out.color = this.palette.dim;
    }
    return out as Partial<EdgeAttrs>;
  }

  /** Label: a kind glyph in a small box, then the object's name. */
  private drawLabel(ctx: CanvasRenderingContext2D, d: NodeAttrs & { x: number; y: number; size: number }): void {
    if (!d.label) return;
    const size = 12;
    ctx.font = `600 ${size - 2}px system-ui, sans-serif`;
    const gw = ctx.measureText(d.glyph).width + 6;
    const x = d.x + d.size + 3;
    const y = d.y + size / 3;
    ctx.fillStyle = this.palette.surface2;
    ctx.fillRect(x, y - size + 1, gw, size + 2);
    ctx.fillStyle = this.palette.muted;
    ctx.fillText(d.glyph, x + 3, y);
    ctx.font = `${size}px system-ui, sans-serif`;
    ctx.fillStyle = this.palette.text;
    ctx.fillText(d.label, x + gw + 4, y);
  }

  private drawHover(ctx: CanvasRenderingContext2D, d: NodeAttrs & { x: number; y: number; size: number }): void {
    ctx.beginPath();
    ctx.arc(d.x, d.y, d.size + 3, 0, Math.PI * 2);
    ctx.strokeStyle = this.palette.accent;
    ctx.lineWidth = 2;
    ctx.stroke();
    this.drawLabel(ctx, { ...d, label: d.label || String(d.glyph) });
  }

  /** Centres the camera on a node and zooms in. */
  jumpTo(id: string): void {
    if (!this.sigma || !this.graph.hasNode(id)) return;
    const d = this.sigma.getNodeDisplayData(id);
    if (!d) return;
    void this.sigma.getCamera().animate({ x: d.x, y: d.y, ratio: 0.25 }, { duration: 400 });
  }

  getCamera(): { x: number; y: number; ratio: number } | null {
    if (!this.sigma) return null;
    const c = this.sigma.getCamera().getState();
    return { x: c.x, y: c.y, ratio: c.ratio };
  }

  setCamera(c: { x: number; y: number; ratio: number }): void {
    this.sigma?.getCamera().setState(c);
  }

  resetCamera(): void {
    void this.sigma?.getCamera().animatedReset({ duration: 300 });
  }

  zoom(inOut: 1 | -1): void {
    const cam = this.sigma?.getCamera();
    if (!cam) return;
    if (inOut > 0) void cam.animatedZoom({ duration: 200 });
    else void cam.animatedUnzoom({ duration: 200 });
  }

  /** Pans by a fraction of the viewport (keyboard navigation). */
  pan(dx: number, dy: number): void {
    const cam = this.sigma?.getCamera();
    if (!cam) return;
    const st = cam.getState();
    cam.setState({ x: st.x + dx * st.ratio, y: st.y + dy * st.ratio });
  }

  /** A PNG of exactly what is on screen: every sigma layer composited over the background. */
  async toPng(): Promise<Blob | null> {
    if (!this.sigma) return null;
    this.sigma.refresh();
    const layers = this.sigma.getCanvases();
    const first = Object.values(layers)[0];
    if (!first) return null;
    const out = document.createElement("canvas");
    out.width = first.width;
    out.height = first.height;
    const c = out.getContext("2d");
    if (!c) return null;
    c.fillStyle = this.palette.bg;
    c.fillRect(0, 0, out.width, out.height);
    for (const name of ["edges", "nodes", "edgeLabels", "labels", "hovers", "hoverNodes"]) {
      const layer = layers[name];
      if (layer) c.drawImage(layer, 0, 0);
    }
    return new Promise((resolve) => out.toBlob((b) => resolve(b), "image/png"));
  }

  /** After a container size change: resizing clears the canvases, so draw again. */
  resize(): void {
    if (!this.sigma) return;
    this.sigma.resize();
    this.sigma.refresh({ skipIndexation: true });
  }

  kill(): void {
    this.sigma?.kill();
    this.sigma = null;
    this.graph.clear();
  }
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export { bareKind };
