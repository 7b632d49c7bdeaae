// The topology's drawing. Two renderers sit behind one interface (GraphView), chosen when
// a view loads (createGraphView):
//   - TopologyCanvas, here: a graphology graph mirrored from the GraphStore and drawn by
//     sigma with WebGL — discs, arrows, hover effects — for ordinary graphs;
//   - PointsCanvas (topology-points.ts): a canvas-2D level-of-detail renderer for graphs
//     of LARGE_GRAPH_NODES and more, which WebGL draws too slowly when it is
//     software-rendered (a headless browser, a VM without GPU, a remote desktop).
// Both put nodes at the server's coordinates and pin the bounding box after the first
// frame, so later additions never rescale or shift what is on screen. The server's y axis
// points down (as in its SVG export); the graph's points up, so y is negated on the way in.
// Display-only concerns (dimming, hiding, highlighting) live in reducers here, so a
// filter change repaints without touching the graph. Group frames and labels (kind glyph +
// name, placed without overlaps) are drawn by the shared OverlayPainter on two 2D layers.
// Node discs grow with the zoom in proportion to the server's slot size, clamped.

import Graph from "graphology";
import Sigma from "sigma";
import type { TopoEdge, TopoNode } from "../api/types";
import { edgeKey, type Change, type GraphStore } from "../state/graph-store";
import { bareKind, kindGlyph, kindSize } from "../ui/kinds";
import { edgeStyle, type Palette, withAlpha } from "../ui/theme";
import type { ServerGroup } from "./topology-layers";
import { type Affine, DISC_MAX_PX, DISC_MIN_PX, DISC_UNITS, type FrameTitle, type NodeSource, type OverlayNode, OverlayPainter, passesFilter } from "./topology-overlay";
import { PointsCanvas } from "./topology-points";

export interface NodeAttrs extends OverlayNode {
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
  /** Kinds shown (given the node's kind as the server names it); null shows all. */
  kindOk?: ((kind: string) => boolean) | null;
  /** Nodes emphasised (selection neighbourhood, search hits); others dimmed. Null: none. */
  emphasis: Set<string> | null;
  selected: string | null;
  hiddenEdgeTypes: Set<string>;
  /** Search hits: always labelled. */
  hits?: Set<string> | null;
}

export interface CanvasEvents {
  onClick(id: string): void;
  onHover(id: string | null, x: number, y: number): void;
  onStageClick(): void;
  onCamera(): void;
}

/** Why a renderer was chosen: graph size, software WebGL, or the URL's `render=`. */
export type RenderWhy = "size" | "software-webgl" | "forced";

/** What the level of detail is doing now (tests, benchmarks, the status line). */
export interface LodState {
  /** "webgl": sigma, everything drawn every frame; "points": the large-graph renderer. */
  mode: "webgl" | "points";
  why: RenderWhy;
  /** Node shape in the last frame: discs, or squares when many small ones are on screen. */
  shape: "disc" | "square";
  /** Nodes drawn in the last frame (on screen and shown). */
  nodesOnScreen: number;
  /** Relations in the last complete edge drawing (points mode; all of them in webgl mode). */
  edgesDrawn: number;
  /** Why relations are not drawn now, or null when they are. */
  edgesHidden: string | null;
  labels: number;
  moving: boolean;
  /** A complete picture (relations, frames, labels) for the current camera is on screen. */
  settled: boolean;
}

/** The interface of a topology renderer, whichever draws. */
export interface GraphView {
  readonly mode: LodState["mode"];
  readonly why: RenderWhy;
  /** Counts draws, so tests and benchmarks can see frames happen. */
  readonly renders: number;
  /** Labels drawn in the last frame (tests and benchmarks). */
  readonly labelsDrawn: number;
  mount(store: GraphStore): void;
  apply(ch: Change, store: GraphStore): void;
  setServerGroups(groups: ServerGroup[] | null): void;
  setAggregates(groups: { key: string; label: string; members: string[]; status: string }[]): void;
  setFilter(f: DisplayFilter): void;
  setPalette(p: Palette): void;
  /** A drawn node's attributes (aggregates included), or null. */
  nodeAttrs(id: string): NodeAttrs | null;
  drawnNodes(): number;
  drawnEdges(): number;
  lod(): LodState;
  /** Where a shown node is drawn, in pixels from the stage's top left; null if hidden. */
  screenOf(id: string): { x: number; y: number } | null;
  jumpTo(id: string): void;
  fit(ids?: Iterable<string>, animate?: boolean): void;
  getCamera(): { x: number; y: number; ratio: number } | null;
  setCamera(c: { x: number; y: number; ratio: number }): void;
  resetCamera(): void;
  zoom(inOut: 1 | -1): void;
  pan(dx: number, dy: number): void;
  toPng(): Promise<Blob | null>;
  resize(): void;
  kill(): void;
}

/**
 * From this many nodes a view is drawn by the points renderer. Sigma's WebGL is fine far
 * beyond it on a GPU, but software WebGL (SwiftShader, llvmpipe) takes seconds per frame
 * at 10,000 nodes, and the points renderer loses only hover halos.
 */
export const LARGE_GRAPH_NODES = 5000;

let softwareGl: boolean | undefined;

/**
 * True when WebGL is missing or rendered on the CPU (a headless browser, a VM or remote
 * desktop without GPU). There sigma needs ~300 ms a frame at 1,000 nodes and ~80 ms at
 * 100, while the points renderer draws 10,000 in under 20 ms, so it is used at any size.
 * Asked once per page (creating a WebGL context costs 10–30 ms); call it early.
 */
export function softwareWebGL(): boolean {
  if (softwareGl !== undefined) return softwareGl;
  try {
    const gl = document.createElement("canvas").getContext("webgl");
    if (!gl) return (softwareGl = true);
    const ext = gl.getExtension("WEBGL_debug_renderer_info");
    const name = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    gl.getExtension("WEBGL_lose_context")?.loseContext();
    softwareGl = /swiftshader|llvmpipe|softpipe|software|basic render/i.test(name);
  } catch {
    softwareGl = true;
  }
  return softwareGl;
}

/** The renderer for a graph of `nodes` nodes; `force` is the URL's `render=` choice. */
export function createGraphView(nodes: number, force: "auto" | "webgl" | "points", container: HTMLElement, palette: Palette, events: CanvasEvents): GraphView {
  if (force === "webgl") return new TopologyCanvas(container, palette, events, "forced");
  if (force === "points") return new PointsCanvas(container, palette, events, "forced");
  if (nodes >= LARGE_GRAPH_NODES) return new PointsCanvas(container, palette, events, "size");
  if (softwareWebGL()) return new PointsCanvas(container, palette, events, "software-webgl");
  return new TopologyCanvas(container, palette, events, "size");
}

export function statusColour(p: Palette, status: string): string {
  return p.node[status as keyof Palette["node"]] ?? p.node.unknown;
}

/** Edge thickness per unit of edgeStyle().width, as a fraction of the pod disc radius. */
const EDGE_FACTOR = 0.3;
/** Above this many nodes, labels are left out while the camera moves (redrawn when it stops). */
const LABELS_ON_MOVE_MAX = 2000;

export class TopologyCanvas implements GraphView {
  readonly mode = "webgl" as const;
  readonly graph = new Graph<NodeAttrs, EdgeAttrs>({ multi: true, type: "directed", allowSelfLoops: true });
  private sigma: Sigma<NodeAttrs, EdgeAttrs> | null = null;
  private filter: DisplayFilter = { visible: null, emphasis: null, selected: null, hiddenEdgeTypes: new Set() };
  private pinned = false;
  /** Pixels per graph unit at camera ratio 1 (the bounding box is pinned, so it only changes on resize). */
  private ppu1 = 1;
  private readonly overlay = new OverlayPainter();
  private hovered: string | null = null;
  private moving = false;
  private movingTimer: ReturnType<typeof setTimeout> | null = null;
  /** Memo of filter.kindOk per kind: reducers run per node and edge on every refresh. */
  private kindMemo = new Map<string, boolean>();
  renders = 0;
  labelsDrawn = 0;

  constructor(
    private readonly container: HTMLElement,
    private palette: Palette,
    private readonly events: CanvasEvents,
    readonly why: RenderWhy = "size",
  ) {}

  /** Loads everything from the store (first snapshot) and starts drawing. */
  mount(store: GraphStore): void {
    this.graph.clear();
    for (const n of store.nodes.values()) this.addNode(n);
    for (const e of store.drawableEdges()) this.addEdge(e);
    this.overlay.markFramesDirty();
    this.sigma = new Sigma(this.graph, this.container, {
      allowInvalidContainer: true,
      defaultEdgeType: "arrow",
      renderEdgeLabels: false,
      // Labels are placed and drawn by drawLabels (no overlaps), not by sigma's grid.
      renderLabels: false,
      hideEdgesOnMove: this.graph.size > 2000,
      enableCameraRotation: false,
      minEdgeThickness: 1.4,
      stagePadding: 24,
      zIndex: true,
      zoomToSizeRatioFunction: (ratio) => this.sizeRatio(ratio),
      nodeReducer: (id, data) => this.reduceNode(id, data),
      edgeReducer: (id, data) => this.reduceEdge(id, data),
      defaultDrawNodeHover: (ctx, data) => this.drawHover(ctx, data as unknown as NodeAttrs & { key: string; x: number; y: number; size: number }),
    });
    const s = this.sigma;
    // Sigma passes beforeLayer through to createCanvas; its typing omits it.
    s.createCanvasContext("frames", { beforeLayer: "edges" } as unknown as { style?: Partial<CSSStyleDeclaration> });
    s.resize(true); // sizes the new layer like the others
    s.on("clickNode", ({ node }) => this.events.onClick(node));
    s.on("enterNode", ({ node, event }) => {
      this.hovered = node;
      this.events.onHover(node, event.x, event.y);
    });
    s.on("leaveNode", () => {
      this.hovered = null;
      this.events.onHover(null, 0, 0);
    });
    s.on("clickStage", () => this.events.onStageClick());
    s.on("afterRender", () => {
      this.renders++;
      this.afterRender();
    });
    s.getCamera().on("updated", () => {
      this.moving = true;
      if (this.movingTimer) clearTimeout(this.movingTimer);
      this.movingTimer = setTimeout(() => {
        this.movingTimer = null;
        this.moving = false;
        if (this.graph.order > LABELS_ON_MOVE_MAX) this.sigma?.scheduleRender();
      }, 150);
      this.events.onCamera();
    });
    this.pinBox();
    this.measure();
    s.refresh();
  }

  /** Sigma's divisor of node and edge sizes at a camera ratio: sizes follow the zoom, clamped. */
  private sizeRatio(ratio: number): number {
    const px = Math.min(DISC_MAX_PX, Math.max(DISC_MIN_PX, (this.ppu1 / ratio) * DISC_UNITS));
    return 1 / px;
  }

  /** Recomputes pixels per graph unit at ratio 1 (after the box is pinned or the stage resized). */
  private measure(): boolean {
    if (!this.sigma) return false;
    const cam = this.sigma.getCamera().getState();
    const a = this.sigma.graphToViewport({ x: 0, y: 0 });
    const b = this.sigma.graphToViewport({ x: 1000, y: 0 });
    const ppu = (Math.abs(b.x - a.x) / 1000) * cam.ratio;
    if (!Number.isFinite(ppu) || ppu <= 0) return false;
    const changed = Math.abs(ppu - this.ppu1) > this.ppu1 * 1e-3;
    this.ppu1 = ppu;
    return changed;
  }

  /** Fixes the graph-to-screen mapping so added nodes do not move the others. */
  private pinBox(): void {
    if (!this.sigma || this.pinned || this.graph.order === 0) return;
    this.sigma.refresh({ skipIndexation: false });
    const box = this.sigma.getBBox();
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
      else this.graph.mergeNodeAttributes(n.id, this.toAttrs(n, this.graph.getNodeAttributes(n.id)));
    }
    for (const e of ch.addedEdges) this.addEdge(e);
    // An edge that arrived before one of its ends becomes drawable once the end exists.
    for (const n of ch.addedNodes) for (const e of store.edgesOf(n.id)) this.addEdge(e);
    if (ch.addedNodes.length || ch.removedNodes.length || ch.updatedNodes.length) this.overlay.markFramesDirty();
    this.pinBox();
  }

  /** Group geometry sent by the server (drawn as is); null derives frames from the nodes. */
  setServerGroups(groups: ServerGroup[] | null): void {
    this.overlay.setServerGroups(groups);
    this.sigma?.scheduleRender();
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

  private toAttrs(n: TopoNode, prev?: NodeAttrs): NodeAttrs {
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
    this.graph.addNode(n.id, this.toAttrs(n));
  }

  private edgeColour(type: string): string {
    return withAlpha(this.palette.edge[type] ?? this.palette.edgeDefault, edgeStyle(type).alpha);
  }

  private addEdge(e: TopoEdge): void {
    const k = edgeKey(e);
    if (this.graph.hasEdge(k) || !this.graph.hasNode(e.source) || !this.graph.hasNode(e.target)) return;
    this.graph.addDirectedEdgeWithKey(k, e.source, e.target, {
      edgeType: e.type,
      size: edgeStyle(e.type).width * EDGE_FACTOR,
      color: this.edgeColour(e.type),
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
        size: 2.4,
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
    this.overlay.markFramesDirty();
  }

  setFilter(f: DisplayFilter): void {
    this.filter = f;
    this.kindMemo = new Map();
    this.overlay.markFramesDirty();
    this.sigma?.refresh({ skipIndexation: true });
  }

  setPalette(p: Palette): void {
    this.palette = p;
    this.graph.updateEachNodeAttributes((_, a) => ({ ...a, color: statusColour(p, a.status) }));
    this.graph.updateEachEdgeAttributes((_, a) => ({ ...a, color: this.edgeColour(a.edgeType) }));
    this.sigma?.refresh({ skipIndexation: true });
  }

  private nodeShown(id: string, a: NodeAttrs): boolean {
    return passesFilter(this.filter, this.kindMemo, id, a);
  }

  private reduceNode(id: string, data: NodeAttrs): Partial<NodeAttrs> & Record<string, unknown> {
    const f = this.filter;
    const out: Record<string, unknown> = { ...data };
    if (!this.nodeShown(id, data)) out.hidden = true;
    if (f.emphasis && !f.emphasis.has(id) && data.aggregate === undefined) {
      out.color = this.palette.dim;
      out.zIndex = 0;
    } else if (f.emphasis) out.zIndex = 1;
    if (f.selected === id) {
      out.highlighted = true;
      out.size = data.size * 1.4;
      out.zIndex = 2;
    }
    return out as Partial<NodeAttrs>;
  }

  private reduceEdge(id: string, data: EdgeAttrs): Partial<EdgeAttrs> & Record<string, unknown> {
    const f = this.filter;
    const out: Record<string, unknown> = { ...data };
    if (f.hiddenEdgeTypes.has(data.edgeType)) out.hidden = true;
    else if (f.visible || f.kindOk || f.emphasis || f.selected) {
      const [s, t] = this.graph.extremities(id);
      if (!this.nodeShown(s, this.graph.getNodeAttributes(s)) || !this.nodeShown(t, this.graph.getNodeAttributes(t))) out.hidden = true;
      else if (f.selected && (s === f.selected || t === f.selected)) {
        // The selection's own relations: full colour, thicker, on top.
        out.color = this.palette.edge[data.edgeType] ?? this.palette.edgeDefault;
        out.size = data.size * 1.8;
        out.zIndex = 2;
      } else if (f.emphasis && (!f.emphasis.has(s) || !f.emphasis.has(t))) out.color = this.palette.dim;
    }
    return out as Partial<EdgeAttrs>;
  }

  // ---- the 2D layers ----

  /** Calls fn for every node this renderer shows (what the reducers do not hide). */
  private readonly shownNodes: NodeSource = (fn) => {
    this.graph.forEachNode((id, a) => {
      if (this.nodeShown(id, a)) fn(id, a);
    });
  };

  private afterRender(): void {
    const s = this.sigma;
    if (!s) return;
    // The first frame after a resize or the box pin may have used an old scale.
    if (this.measure()) {
      s.scheduleRender();
      return;
    }
    const cam = s.getCamera().getState();
    const o = s.graphToViewport({ x: 0, y: 0 });
    const u = s.graphToViewport({ x: 1000, y: 1000 });
    const t: Affine = { ax: (u.x - o.x) / 1000, bx: o.x, ay: (u.y - o.y) / 1000, by: o.y };
    const { width, height } = s.getDimensions();
    const f = this.filter;
    let titles: FrameTitle[] = [];
    const fctx = s.getCanvases().frames?.getContext("2d");
    if (fctx) {
      fctx.clearRect(0, 0, width, height);
      const frames = this.overlay.frameList(this.shownNodes, !!(f.visible || f.kindOk));
      titles = this.overlay.drawFrames(fctx, frames, t, width, height, this.palette);
    }
    const lctx = s.getCanvases().labels?.getContext("2d");
    if (!lctx) return;
    if (this.moving && this.graph.order > LABELS_ON_MOVE_MAX) {
      this.labelsDrawn = 0;
      return;
    }
    this.labelsDrawn = this.overlay.drawLabels(lctx, this.shownNodes, {
      t,
      width,
      height,
      slotPx: (220 * this.ppu1) / cam.ratio,
      discPx: 1 / this.sizeRatio(cam.ratio),
      selected: f.selected,
      hovered: this.hovered,
      hits: f.hits,
      emphasis: f.emphasis,
      palette: this.palette,
    }, titles);
  }

  nodeAttrs(id: string): NodeAttrs | null {
    return this.graph.hasNode(id) ? this.graph.getNodeAttributes(id) : null;
  }

  drawnNodes(): number {
    return this.graph.order;
  }

  screenOf(id: string): { x: number; y: number } | null {
    const d = this.sigma?.getNodeDisplayData(id);
    if (!this.sigma || !d || d.hidden) return null;
    const v = this.sigma.framedGraphToViewport(d);
    return { x: v.x, y: v.y };
  }

  drawnEdges(): number {
    return this.graph.size;
  }

  lod(): LodState {
    let shown = 0;
    this.graph.forEachNode((id, a) => {
      if (this.nodeShown(id, a)) shown++;
    });
    const hideOnMove = this.sigma?.getSetting("hideEdgesOnMove") ?? false;
    return {
      mode: this.mode,
      why: this.why,
      shape: "disc",
      nodesOnScreen: shown,
      edgesDrawn: this.graph.size,
      edgesHidden: this.moving && hideOnMove ? "camera moving" : null,
      labels: this.labelsDrawn,
      moving: this.moving,
      settled: !this.moving && this.renders > 0,
    };
  }

  private drawHover(ctx: CanvasRenderingContext2D, d: NodeAttrs & { key: string; x: number; y: number; size: number }): void {
    ctx.beginPath();
    ctx.arc(d.x, d.y, d.size + 3, 0, Math.PI * 2);
    ctx.strokeStyle = this.palette.accent;
    ctx.lineWidth = 2;
    ctx.stroke();
  }

  /** Centres the camera on a node and zooms in until labels show. */
  jumpTo(id: string): void {
    if (!this.sigma || !this.graph.hasNode(id)) return;
    const d = this.sigma.getNodeDisplayData(id);
    if (!d) return;
    // Ratio at which a server slot is ~180 px wide: names readable, neighbours in view.
    const ratio = Math.min(this.sigma.getCamera().getState().ratio, (220 * this.ppu1) / 180);
    void this.sigma.getCamera().animate({ x: d.x, y: d.y, ratio }, { duration: 400 });
  }

  /** Fits the camera to some nodes (all when none given), e.g. after a filter leaves few. */
  fit(ids?: Iterable<string>, animate = true): void {
    const s = this.sigma;
    if (!s) return;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    let n = 0;
    const take = (id: string) => {
      const d = s.getNodeDisplayData(id);
      if (!d || d.hidden) return;
      n++;
      if (d.x < x0) x0 = d.x;
      if (d.x > x1) x1 = d.x;
      if (d.y < y0) y0 = d.y;
      if (d.y > y1) y1 = d.y;
    };
    if (ids) for (const id of ids) take(id);
    else this.graph.forEachNode((id) => take(id));
    if (!n) return;
    // Display data are in sigma's framed (0..1) space, where the camera lives.
    const cam = s.getCamera();
    const { width, height } = s.getDimensions();
    const aspect = width / Math.max(1, height);
    // The framed space maps its larger side to the smaller viewport side: ratio 1 shows ~[0,1].
    const span = Math.max(x1 - x0, (y1 - y0) * Math.min(1, aspect), 1e-3);
    const minRatio = (220 * this.ppu1) / 200; // never closer than a 200 px slot
    const ratio = Math.min(1, Math.max(span * 1.25, minRatio));
    const state = { x: (x0 + x1) / 2, y: (y0 + y1) / 2, ratio };
    if (animate) void cam.animate(state, { duration: 300 });
    else cam.setState(state);
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

  /** A PNG of exactly what is on screen: every layer composited over the background. */
  async toPng(): Promise<Blob | null> {
    if (!this.sigma) return null;
    // WebGL buffers are not preserved: draw and copy in the same task.
    this.sigma.refresh();
    const layers = this.sigma.getCanvases();
    const first = layers.nodes ?? Object.values(layers)[0];
    if (!first) return null;
    const out = document.createElement("canvas");
    out.width = first.width;
    out.height = first.height;
    const c = out.getContext("2d");
    if (!c) return null;
    c.fillStyle = this.palette.bg;
    c.fillRect(0, 0, out.width, out.height);
    for (const name of ["frames", "edges", "nodes", "edgeLabels", "labels", "hovers", "hoverNodes"]) {
      const layer = layers[name];
      if (layer) c.drawImage(layer, 0, 0);
    }
    return new Promise((resolve) => out.toBlob((b) => resolve(b), "image/png"));
  }

  /** After a container size change: resizing clears the canvases, so draw again. */
  resize(): void {
    if (!this.sigma) return;
    this.sigma.resize();
    this.measure();
    this.sigma.refresh({ skipIndexation: true });
  }

  kill(): void {
    if (this.movingTimer) clearTimeout(this.movingTimer);
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
