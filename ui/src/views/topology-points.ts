// The large-graph renderer of the topology (GraphView "points" mode): one 2D canvas,
// chosen by createGraphView for graphs of LARGE_GRAPH_NODES nodes and more. Sigma's
// WebGL path redraws every node, edge and picking buffer each frame; where WebGL is
// software-rendered that costs seconds per frame at 10,000 nodes. Here the work per
// frame is bounded by what is on screen, and everything costly is drawn once and reused:
//
//   - Nodes are drawn live every frame from typed arrays (no per-frame allocation),
//     culled to the viewport and batched by colour: one fillStyle per status, squares
//     (fillRect, the cheapest primitive) when more than DISC_MAX_NODES are on screen,
//     discs otherwise. Failing nodes are drawn last, so they stay on top.
//   - Group frames and relations are drawn into an off-screen "back" buffer when the
//     camera is still, a slice per animation frame (FRAME_BUDGET_MS), double-buffered so
//     the finished picture replaces the old at once. While the camera moves, the last
//     buffer is reused, moved and scaled with the camera (as a map moves its tiles), and
//     redrawn sharp once it stops. Relations are left out when more than
//     EDGES_ON_SCREEN_MAX would be on screen (the view says so: zoom in to see them); the
//     selection's own relations are drawn live, thicker, always.
//   - Labels and frame titles are placed (topology-overlay.ts) into a second buffer after
//     the back buffer completes, and reused the same way while the camera moves.
//   - Picking (hover, click) uses a grid of the nodes' positions, rebuilt when nodes move.
//   - Changes (deltas) mark what they touch dirty; one animation frame redraws at most
//     once, and the buffers are redrawn at most every REDRAW_MIN_MS while changes stream.
//
// The camera is {x, y, ratio}: the view's centre in the pinned bounding box's unit
// square (y up) and the zoom ratio (1 shows the whole box), like sigma's, so keyboard,
// URL and fit/jump behave the same in both modes.

import type { TopoEdge, TopoNode } from "../api/types";
import { edgeKey, type Change, type GraphStore } from "../state/graph-store";
import { kindGlyph, kindSize } from "../ui/kinds";
import { EDGE_TYPES, edgeStyle, type Palette, withAlpha } from "../ui/theme";
import type { CanvasEvents, DisplayFilter, GraphView, LodState, NodeAttrs, RenderWhy } from "./topology-canvas";
import { panCamera, pinchCamera, type Pt, type Viewport } from "./gesture";
import type { Frame, ServerGroup } from "./topology-layers";
import { type Affine, DISC_MAX_PX, DISC_UNITS, type FrameTitle, LABEL_FONT_PX, type NodeSource, OverlayPainter, passesFilter } from "./topology-overlay";

/** Smallest node radius (pixels per kind-size unit) when zoomed out: dots, not blobs. */
const POINT_MIN_PX = 1.5;
/** The same for graphs of at most DISC_MAX_NODES nodes, which have room for discs. */
const SMALL_GRAPH_MIN_PX = 3.5;
/** More nodes than this on screen are drawn as squares (fillRect), fewer as discs. */
const DISC_MAX_NODES = 2500;
/** Relations are drawn when at most this many are estimated to be on screen. */
const EDGES_ON_SCREEN_MAX = 60_000;
/** Relations get arrowheads once a kind-size unit is this many pixels (zoomed in). */
const ARROW_MIN_DISC_PX = 5;
/** Time per animation frame spent drawing the back buffer, so frames stay short. */
const FRAME_BUDGET_MS = 8;
/** While changes stream in, the buffers are redrawn at most this often. */
const REDRAW_MIN_MS = 1000;
/** The camera counts as moving until it has been still this long. */
const STILL_MS = 150;
/** Stage padding (pixels) around the whole graph at ratio 1, as sigma's stagePadding. */
const PAD = 24;
/** The selection's relations are drawn live, up to this many. */
const LIVE_EDGES_MAX = 2000;
/** Picking grid cell, graph units (half a server slot). */
const CELL = 110;

const STATUS_CODES = ["ok", "warning", "error", "unknown"] as const;
const DIM = 4;
/** Styles drawn in this order: dimmed first, failing last (on top). */
const STYLE_ORDER = [DIM, 0, 3, 1, 2];

function statusCode(s: string): number {
  const i = (STATUS_CODES as readonly string[]).indexOf(s);
  return i < 0 ? 3 : i;
}

interface Camera {
  x: number;
  y: number;
  ratio: number;
}

/** An off-screen layer drawn at some camera and reused (moved, scaled) at others. */
interface Layer {
  canvas: HTMLCanvasElement;
  ctx: CanvasRenderingContext2D;
  /** Transform it was drawn with, or null when it holds nothing usable. */
  t: Affine | null;
  /** The data and view versions it shows (see PointsCanvas.version, .viewVersion). */
  version: number;
  view: number;
}

/** The back buffer being drawn, a slice per frame. */
interface BackJob {
  layer: Layer;
  t: Affine;
  version: number;
  view: number;
  frames: Frame[];
  titles: FrameTitle[];
  /** 0: frames, 1: relations (dimmed, or all), 2: emphasised relations, 3: done. */
  phase: number;
  i: number;
  drawn: number;
  edges: boolean;
}

export class PointsCanvas implements GraphView {
  readonly mode = "points" as const;
  renders = 0;
  labelsDrawn = 0;

  // ---- nodes: slot arrays (a removed node's slot is reused) ----
  private cap = 0;
  private hi = 0;
  private alive = 0;
  private ids: (string | null)[] = [];
  private attrs: (NodeAttrs | null)[] = [];
  private readonly slotOf = new Map<string, number>();
  private freeSlots: number[] = [];
  private xs = new Float64Array(0);
  private ys = new Float64Array(0);
  private sizes = new Float32Array(0);
  private status = new Uint8Array(0);
  /** 1 when the display filter shows the node. */
  private shown = new Uint8Array(0);
  /** 1 when emphasised (or no emphasis is active). */
  private emph = new Uint8Array(0);
  private buckets: Int32Array[] = [];
  /** Nodes per style in the frame being drawn. */
  private readonly counts = new Int32Array(5);
  /** Pixel buffer for many small nodes (rasterSquares) and the style colours as RGBA words. */
  private pixels: { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D; buf: Uint32Array; img: ImageData; w: number; h: number } | null = null;
  private rgba: number[] = [];
  private rgbaFor: Palette | null = null;

  // ---- edges ----
  private ecap = 0;
  private ehi = 0;
  private ealive = 0;
  private eSrc = new Int32Array(0);
  private eDst = new Int32Array(0);
  /** Type code + 1; 0 marks a free slot. */
  private eType = new Uint8Array(0);
  private readonly edgeSlot = new Map<string, number>();
  private freeEdges: number[] = [];
  private readonly typeCodes = new Map<string, number>();
  private readonly typeNames: string[] = [];
  /** Edge slots sorted by type, rebuilt when edges change. */
  private edgeOrder = new Int32Array(0);
  private edgeOrderDirty = true;
  /** Edges whose both ends are shown (estimate of what the back buffer draws). */
  private shownEdges = 0;
  private edgeCountDirty = true;
  private liveEdges: number[] = [];

  // ---- view ----
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private width = 1;
  private height = 1;
  private dpr = 1;
  private cam: Camera = { x: 0.5, y: 0.5, ratio: 1 };
  /** Pinned bounding box (graph units): centre and larger side. */
  private box: { cx: number; cy: number; d: number } | null = null;
  private readonly t: Affine = { ax: 1, bx: 0, ay: -1, by: 0 };
  private filter: DisplayFilter = { visible: null, emphasis: null, selected: null, hiddenEdgeTypes: new Set() };
  private kindMemo = new Map<string, boolean>();
  private readonly overlay = new OverlayPainter();
  private hovered: string | null = null;

  // ---- scheduling ----
  private frameReq = 0;
  private moving = false;
  private movingTimer: ReturnType<typeof setTimeout> | null = null;
  private redrawTimer: ReturnType<typeof setTimeout> | null = null;
  private anim: { from: Camera; to: Camera; t0: number; ms: number } | null = null;
  /** Bumped by data changes (deltas): the buffers follow at most every REDRAW_MIN_MS. */
  private version = 0;
  /** Bumped by view changes (filter, selection, theme, groups): the buffers follow at once. */
  private viewVersion = 0;
  private shownLayer: Layer;
  private spareLayer: Layer;
  private labelLayer: Layer;
  private job: BackJob | null = null;
  private lastBackStart = 0;
  private lastEdgesDrawn = 0;
  private edgesHidden: string | null = null;
  private lastShape: LodState["shape"] = "square";
  private lastOnScreen = 0;
  private gridDirty = true;
  private grid = new Map<number, number[]>();
  private readonly off: (() => void)[] = [];

  constructor(
    private readonly container: HTMLElement,
    private palette: Palette,
    private readonly events: CanvasEvents,
    readonly why: RenderWhy = "size",
  ) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "points-canvas";
    this.canvas.style.cssText = "position:absolute;inset:0;width:100%;height:100%;touch-action:none;display:block";
    this.ctx = this.canvas.getContext("2d", { alpha: false })!;
    this.shownLayer = this.newLayer();
    this.spareLayer = this.newLayer();
    this.labelLayer = this.newLayer();
    for (let i = 0; i < EDGE_TYPES.length; i++) this.typeCode(EDGE_TYPES[i]!);
  }

  private newLayer(): Layer {
    const canvas = document.createElement("canvas");
    return { canvas, ctx: canvas.getContext("2d")!, t: null, version: -1, view: -1 };
  }

  // ---- data ----

  mount(store: GraphStore): void {
    this.container.appendChild(this.canvas);
    this.bindInput();
    this.ensureNodeCap(store.nodes.size + 16);
    for (const n of store.nodes.values()) this.addNode(n);
    const edges = store.drawableEdges();
    this.ensureEdgeCap(edges.length + 16);
    for (const e of edges) this.addEdge(e);
    this.pinBox();
    this.measure();
    this.recomputeShown();
    this.request();
  }

  apply(ch: Change, store: GraphStore): void {
    for (const k of ch.removedEdges) this.dropEdge(k);
    for (const id of ch.removedNodes) this.dropNode(id);
    for (const n of ch.addedNodes) this.addNode(this.placed(n, store));
    let moved = false;
    for (const n of ch.updatedNodes) {
      const i = this.slotOf.get(n.id);
      if (i === undefined) {
        this.addNode(this.placed(n, store));
        continue;
      }
      const a = this.attrs[i]!;
      const x = Number.isFinite(n.x) ? n.x : a.x;
      const y = Number.isFinite(n.y) ? -n.y : a.y;
      if (x !== a.x || y !== a.y) moved = true;
      this.setNode(i, n, x, y);
    }
    for (const e of ch.addedEdges) this.addEdge(e);
    // An edge that arrived before one of its ends becomes drawable once the end exists.
    for (const n of ch.addedNodes) for (const e of store.edgesOf(n.id)) this.addEdge(e);
    if (moved || ch.addedNodes.length || ch.removedNodes.length) {
      this.gridDirty = true;
      this.overlay.markFramesDirty();
    }
    if (!this.box) this.pinBox();
    this.changed(ch.addedNodes.length + ch.removedNodes.length + ch.addedEdges.length + ch.removedEdges.length > 0 || moved);
  }

  /** Something changed: nodes redraw next frame; buffers when due (see REDRAW_MIN_MS). */
  private changed(structure: boolean, view = false): void {
    if (structure) this.edgeCountDirty = true;
    this.version++;
    if (view) this.viewVersion++;
    this.request();
  }

  private ensureNodeCap(n: number): void {
    if (n <= this.cap) return;
    const cap = Math.max(n, this.cap * 2, 64);
    const grow = <T extends Float64Array | Float32Array | Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.xs = grow(this.xs, (k) => new Float64Array(k));
    this.ys = grow(this.ys, (k) => new Float64Array(k));
    this.sizes = grow(this.sizes, (k) => new Float32Array(k));
    this.status = grow(this.status, (k) => new Uint8Array(k));
    this.shown = grow(this.shown, (k) => new Uint8Array(k));
    this.emph = grow(this.emph, (k) => new Uint8Array(k));
    this.buckets = STYLE_ORDER.map(() => new Int32Array(cap));
    this.cap = cap;
  }

  private ensureEdgeCap(n: number): void {
    if (n <= this.ecap) return;
    const cap = Math.max(n, this.ecap * 2, 64);
    const s = new Int32Array(cap);
    s.set(this.eSrc);
    const d = new Int32Array(cap);
    d.set(this.eDst);
    const t = new Uint8Array(cap);
    t.set(this.eType);
    this.eSrc = s;
    this.eDst = d;
    this.eType = t;
    this.ecap = cap;
  }

  private typeCode(type: string): number {
    let c = this.typeCodes.get(type);
    if (c === undefined) {
      c = this.typeNames.length;
      // Codes are stored +1 in a byte: unknown types beyond 254 share the last code.
      if (c >= 254) return 253;
      this.typeCodes.set(type, c);
      this.typeNames.push(type);
    }
    return c;
  }

  private setNode(i: number, n: TopoNode, x: number, y: number): void {
    const prev = this.attrs[i];
    const a: NodeAttrs = prev ?? { x, y, size: 1, label: "", kind: "", glyph: "", status: "", namespace: "", group: "" };
    a.x = x;
    a.y = y;
    a.size = kindSize(n.kind);
    a.label = n.name;
    if (a.kind !== n.kind) {
      a.kind = n.kind;
      a.glyph = kindGlyph(n.kind);
    }
    a.status = n.status;
    a.namespace = n.namespace;
    a.group = n.group ?? n.namespace;
    this.attrs[i] = a;
    this.xs[i] = x;
    this.ys[i] = y;
    this.sizes[i] = a.size;
    this.status[i] = statusCode(n.status);
    this.shown[i] = this.computeShown(n.id, a) ? 1 : 0;
    this.emph[i] = !this.filter.emphasis || this.filter.emphasis.has(n.id) ? 1 : 0;
  }

  private takeSlot(id: string): number {
    let i = this.freeSlots.pop();
    if (i === undefined) {
      this.ensureNodeCap(this.hi + 1);
      i = this.hi++;
    }
    this.ids[i] = id;
    this.slotOf.set(id, i);
    this.alive++;
    return i;
  }

  private addNode(n: TopoNode): void {
    if (this.slotOf.has(n.id)) return;
    const i = this.takeSlot(n.id);
    this.attrs[i] = null;
    this.setNode(i, n, Number.isFinite(n.x) ? n.x : 0, Number.isFinite(n.y) ? -n.y : 0);
  }

  private dropNode(id: string): void {
    const i = this.slotOf.get(id);
    if (i === undefined) return;
    this.slotOf.delete(id);
    this.ids[i] = null;
    this.attrs[i] = null;
    this.shown[i] = 0;
    this.freeSlots.push(i);
    this.alive--;
    if (this.hovered === id) {
      this.hovered = null;
      this.events.onHover(null, 0, 0);
    }
  }

  private addEdge(e: TopoEdge): void {
    const k = edgeKey(e);
    if (this.edgeSlot.has(k)) return;
    const s = this.slotOf.get(e.source);
    const d = this.slotOf.get(e.target);
    if (s === undefined || d === undefined) return;
    let j = this.freeEdges.pop();
    if (j === undefined) {
      this.ensureEdgeCap(this.ehi + 1);
      j = this.ehi++;
    }
    this.eSrc[j] = s;
    this.eDst[j] = d;
    this.eType[j] = this.typeCode(e.type) + 1;
    this.edgeSlot.set(k, j);
    this.ealive++;
    this.edgeOrderDirty = true;
  }

  private dropEdge(k: string): void {
    const j = this.edgeSlot.get(k);
    if (j === undefined) return;
    this.edgeSlot.delete(k);
    this.eType[j] = 0;
    this.freeEdges.push(j);
    this.ealive--;
    this.edgeOrderDirty = true;
  }

  /** A node without coordinates is placed next to a drawn neighbour, never at the origin. */
  private placed(n: TopoNode, store: GraphStore): TopoNode {
    if (Number.isFinite(n.x) && Number.isFinite(n.y)) return n;
    for (const e of store.edgesOf(n.id)) {
      const other = this.slotOf.get(e.source === n.id ? e.target : e.source);
      if (other !== undefined) {
        const jitter = (hash(n.id) % 628) / 100;
        return { ...n, x: this.xs[other]! + Math.cos(jitter) * 20, y: -this.ys[other]! + Math.sin(jitter) * 20 };
      }
    }
    return { ...n, x: 0, y: 0 };
  }

  setServerGroups(groups: ServerGroup[] | null): void {
    this.overlay.setServerGroups(groups);
    this.changed(false, true);
  }

  setAggregates(groups: { key: string; label: string; members: string[]; status: string }[]): void {
    for (let i = 0; i < this.hi; i++) if (this.attrs[i]?.aggregate !== undefined) this.dropNode(this.ids[i]!);
    for (const g of groups) {
      let x = 0;
      let y = 0;
      let n = 0;
      for (const m of g.members) {
        const i = this.slotOf.get(m);
        if (i === undefined) continue;
        x += this.xs[i]!;
        y += this.ys[i]!;
        n++;
      }
      if (!n) continue;
      const i = this.takeSlot(g.key);
      const a: NodeAttrs = { x: x / n, y: y / n, size: 2.4, label: `${g.label} (${n})`, kind: "Group", glyph: "▣", status: g.status, namespace: g.label, group: g.label, aggregate: n };
      this.attrs[i] = a;
      this.xs[i] = a.x;
      this.ys[i] = a.y;
      this.sizes[i] = a.size;
      this.status[i] = statusCode(g.status);
      this.shown[i] = 1;
      this.emph[i] = 1;
    }
    this.gridDirty = true;
    this.overlay.markFramesDirty();
    this.changed(false, true);
  }

  setFilter(f: DisplayFilter): void {
    this.filter = f;
    this.kindMemo = new Map();
    this.recomputeShown();
    this.overlay.markFramesDirty();
    this.changed(false, true);
  }

  setPalette(p: Palette): void {
    this.palette = p;
    this.changed(false, true);
  }

  private computeShown(id: string, a: NodeAttrs): boolean {
    return passesFilter(this.filter, this.kindMemo, id, a);
  }

  private recomputeShown(): void {
    const f = this.filter;
    for (let i = 0; i < this.hi; i++) {
      const id = this.ids[i];
      const a = this.attrs[i];
      if (!id || !a) {
        this.shown[i] = 0;
        continue;
      }
      this.shown[i] = this.computeShown(id, a) ? 1 : 0;
      this.emph[i] = !f.emphasis || a.aggregate !== undefined || f.emphasis.has(id) ? 1 : 0;
    }
    this.edgeCountDirty = true;
    // The selection's relations are drawn live, over everything, at full colour.
    this.liveEdges = [];
    const sel = f.selected !== null ? this.slotOf.get(f.selected) : undefined;
    if (sel !== undefined) {
      for (let j = 0; j < this.ehi && this.liveEdges.length < LIVE_EDGES_MAX; j++) {
        if (this.eType[j] && (this.eSrc[j] === sel || this.eDst[j] === sel) && this.edgeVisible(j)) this.liveEdges.push(j);
      }
    }
  }

  private recountShownEdges(): void {
    this.edgeCountDirty = false;
    let n = 0;
    for (let j = 0; j < this.ehi; j++) if (this.eType[j] && this.edgeVisible(j)) n++;
    this.shownEdges = n;
  }

  private edgeVisible(j: number): boolean {
    return this.shown[this.eSrc[j]!] === 1 && this.shown[this.eDst[j]!] === 1 && !this.filter.hiddenEdgeTypes.has(this.typeNames[this.eType[j]! - 1] ?? "");
  }

  nodeAttrs(id: string): NodeAttrs | null {
    const i = this.slotOf.get(id);
    return i === undefined ? null : this.attrs[i]!;
  }

  drawnNodes(): number {
    let n = 0;
    for (let i = 0; i < this.hi; i++) if (this.attrs[i] && this.attrs[i]!.aggregate === undefined) n++;
    return n;
  }

  drawnEdges(): number {
    return this.ealive;
  }

  screenOf(id: string): { x: number; y: number } | null {
    const i = this.slotOf.get(id);
    if (i === undefined || !this.shown[i]) return null;
    const t = this.transform(this.cam, { ax: 1, bx: 0, ay: 1, by: 0 });
    return { x: t.ax * this.xs[i]! + t.bx, y: t.ay * this.ys[i]! + t.by };
  }

  lod(): LodState {
    return {
      mode: this.mode,
      why: this.why,
      shape: this.lastShape,
      nodesOnScreen: this.lastOnScreen,
      edgesDrawn: this.lastEdgesDrawn,
      edgesHidden: this.edgesHidden,
      labels: this.labelsDrawn,
      moving: this.moving,
      settled: this.settled(),
    };
  }

  private settled(): boolean {
    if (this.moving || this.anim || !this.renders) return false;
    const t = this.transform(this.cam, { ax: 1, bx: 0, ay: 1, by: 0 });
    // Data streaming in may lag (REDRAW_MIN_MS); the camera and view may not.
    const l = this.shownLayer;
    return !!l.t && sameT(l.t, t) && l.view === this.viewVersion && !!this.labelLayer.t && sameT(this.labelLayer.t, t);
  }

  // ---- camera ----

  private pinBox(): void {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (let i = 0; i < this.hi; i++) {
      if (!this.ids[i]) continue;
      const x = this.xs[i]!;
      const y = this.ys[i]!;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    if (x0 === Infinity) return;
    this.box = { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, d: Math.max(x1 - x0, y1 - y0, 1) };
  }

  /** Sizes the canvas to its container; true when the size changed. */
  private measure(): boolean {
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    const dpr = window.devicePixelRatio || 1;
    if (w === this.width && h === this.height && dpr === this.dpr && this.canvas.width === Math.round(w * dpr)) return false;
    this.width = w;
    this.height = h;
    this.dpr = dpr;
    for (const c of [this.canvas, this.shownLayer.canvas, this.spareLayer.canvas, this.labelLayer.canvas]) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    this.shownLayer.t = null;
    this.spareLayer.t = null;
    this.labelLayer.t = null;
    this.job = null;
    return true;
  }

  /** Unit-square side in pixels at ratio 1. */
  private scale1(): number {
    return Math.max(1, Math.min(this.width, this.height) - 2 * PAD);
  }

  /** Pixels per graph unit at ratio 1. */
  private ppu1(): number {
    return this.scale1() / (this.box?.d ?? 1);
  }

  /** Writes the graph → viewport transform of a camera into `out`. */
  private transform(c: Camera, out: Affine): Affine {
    const b = this.box ?? { cx: 0, cy: 0, d: 1 };
    const k = this.scale1() / c.ratio;
    out.ax = k / b.d;
    out.bx = this.width / 2 + (0.5 - b.cx / b.d - c.x) * k;
    out.ay = -k / b.d;
    out.by = this.height / 2 - (0.5 - b.cy / b.d - c.y) * k;
    return out;
  }

  private discPx(ratio: number): number {
    const min = this.alive <= DISC_MAX_NODES ? SMALL_GRAPH_MIN_PX : POINT_MIN_PX;
    return Math.min(DISC_MAX_PX, Math.max(min, (this.ppu1() / ratio) * DISC_UNITS));
  }

  private setCam(c: Camera): void {
    const minRatio = (220 * this.ppu1()) / 900;
    const ratio = Math.min(8, Math.max(minRatio, c.ratio));
    if (c.x === this.cam.x && c.y === this.cam.y && ratio === this.cam.ratio) return;
    this.cam = { x: c.x, y: c.y, ratio };
    this.moving = true;
    if (this.movingTimer) clearTimeout(this.movingTimer);
    this.movingTimer = setTimeout(() => {
      this.movingTimer = null;
      this.moving = false;
      this.request();
    }, STILL_MS);
    this.events.onCamera();
    this.request();
  }

  private animateTo(to: Camera, ms: number): void {
    if (ms <= 0) {
      this.anim = null;
      this.setCam(to);
      return;
    }
    this.anim = { from: { ...this.cam }, to, t0: performance.now(), ms };
    this.request();
  }

  getCamera(): Camera | null {
    return { ...this.cam };
  }

  setCamera(c: Camera): void {
    this.anim = null;
    this.setCam(c);
  }

  resetCamera(): void {
    this.animateTo({ x: 0.5, y: 0.5, ratio: 1 }, 300);
  }

  zoom(inOut: 1 | -1): void {
    const to = this.anim?.to ?? this.cam;
    this.animateTo({ ...to, ratio: inOut > 0 ? to.ratio / 1.5 : to.ratio * 1.5 }, 200);
  }

  /** Pans by a fraction of the viewport; positive dy moves the view down (as sigma's does). */
  pan(dx: number, dy: number): void {
    this.anim = null;
    this.setCam({ x: this.cam.x + dx * this.cam.ratio, y: this.cam.y - dy * this.cam.ratio, ratio: this.cam.ratio });
  }

  /** A node's position in the unit square. */
  private unit(i: number): { x: number; y: number } {
    const b = this.box ?? { cx: 0, cy: 0, d: 1 };
    return { x: 0.5 + (this.xs[i]! - b.cx) / b.d, y: 0.5 + (this.ys[i]! - b.cy) / b.d };
  }

  jumpTo(id: string): void {
    const i = this.slotOf.get(id);
    if (i === undefined) return;
    const u = this.unit(i);
    // Ratio at which a server slot is ~180 px wide: names readable, neighbours in view.
    const ratio = Math.min(this.cam.ratio, (220 * this.ppu1()) / 180);
    this.animateTo({ x: u.x, y: u.y, ratio }, 400);
  }

  fit(ids?: Iterable<string>, animate = true): void {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    const take = (i: number) => {
      if (!this.shown[i]) return;
      const u = this.unit(i);
      if (u.x < x0) x0 = u.x;
      if (u.x > x1) x1 = u.x;
      if (u.y < y0) y0 = u.y;
      if (u.y > y1) y1 = u.y;
    };
    if (ids) {
      for (const id of ids) {
        const i = this.slotOf.get(id);
        if (i !== undefined) take(i);
      }
    } else for (let i = 0; i < this.hi; i++) if (this.ids[i]) take(i);
    if (x0 === Infinity) return;
    const s = this.scale1();
    const need = Math.max(((x1 - x0) * s) / Math.max(1, this.width - 2 * PAD), ((y1 - y0) * s) / Math.max(1, this.height - 2 * PAD));
    const minRatio = (220 * this.ppu1()) / 200; // never closer than a 200 px slot
    const ratio = Math.min(1, Math.max(need * 1.05, minRatio));
    this.animateTo({ x: (x0 + x1) / 2, y: (y0 + y1) / 2, ratio }, animate ? 300 : 0);
  }

  // ---- input ----

  private bindInput(): void {
    const c = this.canvas;
    let down: { x: number; y: number; cam: Camera; id: number; dragged: boolean } | null = null;
    // Pointers pressed on the canvas now (touch fingers, or one mouse button / pen).
    const pressed = new Map<number, Pt>();
    // A two-finger pinch: the fingers and camera at its start (or at its last re-anchor).
    let pinch: { a: number; b: number; a0: Pt; b0: Pt; cam: Camera } | null = null;
    let hoverAt: { x: number; y: number } | null = null;
    let hoverReq = 0;
    const on = <K extends keyof HTMLElementEventMap>(type: K, fn: (e: HTMLElementEventMap[K]) => void, opts?: AddEventListenerOptions) => {
      c.addEventListener(type, fn as EventListener, opts);
      this.off.push(() => c.removeEventListener(type, fn as EventListener, opts));
    };
    const startPinch = () => {
      const [first, second] = [...pressed.entries()];
      if (!first || !second) return;
      pinch = { a: first[0], b: second[0], a0: { ...first[1] }, b0: { ...second[1] }, cam: { ...this.cam } };
      this.anim = null;
      // The finger that started a drag now pinches: no click when it lifts.
      down = null;
    };
    on("pointerdown", (e) => {
      if (e.pointerType === "mouse" && e.button !== 0) return;
      pressed.set(e.pointerId, { x: e.offsetX, y: e.offsetY });
      c.setPointerCapture(e.pointerId);
      if (pressed.size === 2) startPinch();
      else if (pressed.size === 1) down = { x: e.offsetX, y: e.offsetY, cam: { ...this.cam }, id: e.pointerId, dragged: false };
    });
    on("pointermove", (e) => {
      const p = pressed.get(e.pointerId);
      if (p) {
        p.x = e.offsetX;
        p.y = e.offsetY;
      }
      if (pinch && p) {
        const a1 = pressed.get(pinch.a);
        const b1 = pressed.get(pinch.b);
        if (a1 && b1) this.setCam(pinchCamera(pinch.cam, pinch.a0, pinch.b0, a1, b1, this.viewport()));
        return;
      }
      if (down && e.pointerId === down.id) {
        const dx = e.offsetX - down.x;
        const dy = e.offsetY - down.y;
        if (!down.dragged && Math.abs(dx) + Math.abs(dy) < 4) return;
        down.dragged = true;
        this.anim = null;
        this.setCam(panCamera(down.cam, down, { x: e.offsetX, y: e.offsetY }, this.viewport()));
        return;
      }
      if (e.pointerType === "touch") return;
      // Hover picking at most once per frame, however fast the pointer moves.
      hoverAt = { x: e.offsetX, y: e.offsetY };
      if (!hoverReq)
        hoverReq = requestAnimationFrame(() => {
          hoverReq = 0;
          if (hoverAt) this.hover(this.pick(hoverAt.x, hoverAt.y), hoverAt.x, hoverAt.y);
        });
    });
    const up = (e: PointerEvent) => {
      if (!pressed.delete(e.pointerId)) return;
      if (c.hasPointerCapture(e.pointerId)) c.releasePointerCapture(e.pointerId);
      if (pinch) {
        if (pressed.size >= 2) {
          startPinch(); // a third finger was down: pinch on with the two left
        } else {
          pinch = null;
          // The finger left down pans on from where it is, without a jump and without a click.
          const rest = [...pressed.entries()][0];
          if (rest) down = { x: rest[1].x, y: rest[1].y, cam: { ...this.cam }, id: rest[0], dragged: true };
        }
        return;
      }
      if (!down || e.pointerId !== down.id) return;
      const d = down;
      down = null;
      if (d.dragged || e.type === "pointercancel") return;
      const id = this.pick(e.offsetX, e.offsetY);
      if (id) this.events.onClick(id);
      else this.events.onStageClick();
    };
    on("pointerup", up);
    on("pointercancel", up);
    on("pointerleave", () => {
      hoverAt = null;
      this.hover(null, 0, 0);
    });
    on(
      "wheel",
      (e) => {
        e.preventDefault();
        const k = Math.exp(Math.max(-1, Math.min(1, e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015))));
        this.zoomAt(e.offsetX, e.offsetY, k);
      },
      { passive: false },
    );
    on("dblclick", (e) => {
      e.preventDefault();
      this.zoomAt(e.offsetX, e.offsetY, 1 / 1.8);
    });
    this.off.push(() => {
      if (hoverReq) cancelAnimationFrame(hoverReq);
    });
  }

  /** The viewport for the gesture arithmetic (gesture.ts): size, scale and zoom bounds. */
  private viewport(): Viewport {
    return { width: this.width, height: this.height, scale: this.scale1(), minRatio: (220 * this.ppu1()) / 900, maxRatio: 8 };
  }

  /** Zooms by `k` (ratio multiplier) keeping the point under (px, py) where it is. */
  private zoomAt(px: number, py: number, k: number): void {
    this.anim = null;
    const s = this.scale1();
    const c = this.cam;
    const fx = c.x + ((px - this.width / 2) * c.ratio) / s;
    const fy = c.y - ((py - this.height / 2) * c.ratio) / s;
    const minRatio = (220 * this.ppu1()) / 900;
    const ratio = Math.min(8, Math.max(minRatio, c.ratio * k));
    this.setCam({ x: fx - ((px - this.width / 2) * ratio) / s, y: fy + ((py - this.height / 2) * ratio) / s, ratio });
  }

  private hover(id: string | null, x: number, y: number): void {
    if (id === this.hovered) return;
    this.hovered = id;
    this.canvas.style.cursor = id ? "pointer" : "";
    this.events.onHover(id, x, y);
    this.request();
  }

  private buildGrid(): void {
    this.gridDirty = false;
    this.grid = new Map();
    for (let i = 0; i < this.hi; i++) {
      if (!this.ids[i]) continue;
      const k = cellKey(Math.floor(this.xs[i]! / CELL), Math.floor(this.ys[i]! / CELL));
      let l = this.grid.get(k);
      if (!l) this.grid.set(k, (l = []));
      l.push(i);
    }
  }

  /** The shown node under a viewport point (within its radius and a few pixels), or null. */
  private pick(px: number, py: number): string | null {
    if (this.gridDirty) this.buildGrid();
    const t = this.transform(this.cam, { ax: 1, bx: 0, ay: 1, by: 0 });
    const gx = (px - t.bx) / t.ax;
    const gy = (py - t.by) / t.ay;
    const r1 = this.discPx(this.cam.ratio);
    const reach = (2.4 * 1.4 * r1 + 4) / t.ax; // the largest node's radius, in graph units
    let best: number | null = null;
    let bestD = Infinity;
    for (let cy = Math.floor((gy - reach) / CELL); cy <= Math.floor((gy + reach) / CELL); cy++)
      for (let cx = Math.floor((gx - reach) / CELL); cx <= Math.floor((gx + reach) / CELL); cx++) {
        const l = this.grid.get(cellKey(cx, cy));
        if (!l) continue;
        for (const i of l) {
          if (!this.shown[i]) continue;
          const dx = (this.xs[i]! - gx) * t.ax;
          const dy = (this.ys[i]! - gy) * t.ax;
          const d = Math.hypot(dx, dy);
          const r = Math.max(4, this.sizes[i]! * r1 + 3);
          if (d <= r && d < bestD) {
            best = i;
            bestD = d;
          }
        }
      }
    return best === null ? null : this.ids[best]!;
  }

  // ---- drawing ----

  private request(): void {
    if (!this.frameReq) this.frameReq = requestAnimationFrame(() => this.frame());
  }

  private frame(): void {
    this.frameReq = 0;
    if (this.anim) {
      const a = this.anim;
      const p = Math.min(1, (performance.now() - a.t0) / a.ms);
      const e = p < 0.5 ? 2 * p * p : 1 - (-2 * p + 2) ** 2 / 2;
      if (p >= 1) this.anim = null;
      this.setCam({ x: a.from.x + (a.to.x - a.from.x) * e, y: a.from.y + (a.to.y - a.from.y) * e, ratio: a.from.ratio * (a.to.ratio / a.from.ratio) ** e });
      if (this.anim) this.request();
    }
    this.draw();
    if (!this.moving) this.work();
  }

  /** Draws the visible canvas: buffers reused at the current camera, nodes live. */
  private draw(): void {
    this.renders++;
    this.measure();
    const ctx = this.ctx;
    const t = this.transform(this.cam, this.t);
    const W = this.width;
    const H = this.height;
    const p = this.palette;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = p.bg;
    ctx.fillRect(0, 0, W, H);
    // A back buffer still being drawn at this camera shows what it has so far.
    if (this.shownLayer.t) this.blit(this.shownLayer.canvas, this.shownLayer.t, t);
    else if (this.job && sameT(this.job.t, t)) this.blit(this.job.layer.canvas, this.job.t, t);
    this.drawLiveEdges(t);
    this.drawNodes(t, W, H);
    if (this.labelLayer.t) this.blit(this.labelLayer.canvas, this.labelLayer.t, t);
    this.drawMarks(t);
  }

  /** Draws a layer made at another camera moved and scaled to this one. */
  private blit(src: HTMLCanvasElement, lt: Affine, t: Affine): void {
    const sx = t.ax / lt.ax;
    const sy = t.ay / lt.ay;
    const ox = t.bx - sx * lt.bx;
    const oy = t.by - sy * lt.by;
    const ctx = this.ctx;
    const exact = Math.abs(sx - 1) < 1e-9 && Math.abs(sy - 1) < 1e-9;
    ctx.imageSmoothingEnabled = !exact && !this.moving;
    ctx.setTransform(sx, 0, 0, sy, ox * this.dpr, oy * this.dpr);
    ctx.drawImage(src, 0, 0);
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
  }

  private drawNodes(t: Affine, W: number, H: number): void {
    const ctx = this.ctx;
    const r1 = this.discPx(this.cam.ratio);
    const m = 2.4 * 1.4 * r1 + 2;
    const x0 = -m;
    const x1 = W + m;
    const y0 = -m;
    const y1 = H + m;
    const { ax, bx, ay, by } = t;
    const xs = this.xs;
    const ys = this.ys;
    const shown = this.shown;
    const emph = this.emph;
    const status = this.status;
    const dimming = !!this.filter.emphasis;
    const counts = this.counts;
    counts.fill(0);
    const buckets = this.buckets;
    let total = 0;
    for (let i = 0; i < this.hi; i++) {
      if (!shown[i]) continue;
      const vx = ax * xs[i]! + bx;
      if (vx < x0 || vx > x1) continue;
      const vy = ay * ys[i]! + by;
      if (vy < y0 || vy > y1) continue;
      const s = dimming && !emph[i] ? DIM : status[i]!;
      const c = counts[s]!;
      buckets[s]![c] = i;
      counts[s] = c + 1;
      total++;
    }
    const discs = total <= DISC_MAX_NODES;
    this.lastShape = discs ? "disc" : "square";
    this.lastOnScreen = total;
    if (!discs) {
      this.rasterSquares(t, r1);
      return;
    }
    const fills = [p(this.palette, 0), p(this.palette, 1), p(this.palette, 2), p(this.palette, 3), this.palette.dim];
    const sizes = this.sizes;
    for (const s of STYLE_ORDER) {
      const n = counts[s]!;
      if (!n) continue;
      const b = buckets[s]!;
      ctx.fillStyle = fills[s]!;
      ctx.beginPath();
      for (let k = 0; k < n; k++) {
        const i = b[k]!;
        const r = sizes[i]! * r1;
        const vx = ax * xs[i]! + bx;
        const vy = ay * ys[i]! + by;
        ctx.moveTo(vx + r, vy);
        ctx.arc(vx, vy, r, 0, 2 * Math.PI);
      }
      ctx.fill();
    }
  }

  /**
   * Many small nodes: squares of the disc's area (2r·√π/2 ≈ 1.77 r a side) written
   * straight into a pixel buffer, put on a canvas once and drawn over the frame. The
   * canvas would rasterise one fillRect at a time, which costs 5× more at 50,000 nodes.
   */
  private rasterSquares(t: Affine, r1: number): void {
    const dpr = this.dpr;
    const W = Math.round(this.width * dpr);
    const H = Math.round(this.height * dpr);
    let px = this.pixels;
    if (!px || px.w !== W || px.h !== H) {
      const canvas = px?.canvas ?? document.createElement("canvas");
      canvas.width = W;
      canvas.height = H;
      const buf = new Uint32Array(W * H);
      px = this.pixels = { canvas, ctx: canvas.getContext("2d")!, buf, img: new ImageData(new Uint8ClampedArray(buf.buffer), W, H), w: W, h: H };
    }
    if (this.rgbaFor !== this.palette) {
      this.rgbaFor = this.palette;
      const pal = this.palette;
      this.rgba = [p(pal, 0), p(pal, 1), p(pal, 2), p(pal, 3), pal.dim].map(toRgba32);
    }
    const buf = px.buf;
    buf.fill(0);
    const ax = t.ax * dpr;
    const bx = t.bx * dpr;
    const ay = t.ay * dpr;
    const by = t.by * dpr;
    const xs = this.xs;
    const ys = this.ys;
    const sizes = this.sizes;
    const k = r1 * 1.77 * dpr;
    for (const s of STYLE_ORDER) {
      const n = this.counts[s]!;
      if (!n) continue;
      const b = this.buckets[s]!;
      const col = this.rgba[s]!;
      for (let q = 0; q < n; q++) {
        const i = b[q]!;
        const side = Math.max(1, Math.round(sizes[i]! * k));
        const l0 = Math.round(ax * xs[i]! + bx - side / 2);
        const t0 = Math.round(ay * ys[i]! + by - side / 2);
        const l = l0 < 0 ? 0 : l0;
        const top = t0 < 0 ? 0 : t0;
        const r = l0 + side > W ? W : l0 + side;
        const bot = t0 + side > H ? H : t0 + side;
        for (let y = top; y < bot; y++) {
          let o = y * W + l;
          const e = y * W + r;
          while (o < e) buf[o++] = col;
        }
      }
    }
    px.ctx.putImageData(px.img, 0, 0);
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(px.canvas, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }

  /** The selection's own relations, thicker, drawn every frame so they track the camera. */
  private drawLiveEdges(t: Affine): void {
    if (!this.liveEdges.length) return;
    const ctx = this.ctx;
    const w = this.edgeWidth();
    const r1 = this.discPx(this.cam.ratio);
    for (const j of this.liveEdges) {
      if (!this.eType[j]) continue;
      const type = this.typeNames[this.eType[j]! - 1] ?? "";
      const s = this.eSrc[j]!;
      const d = this.eDst[j]!;
      ctx.strokeStyle = ctx.fillStyle = this.palette.edge[type] ?? this.palette.edgeDefault;
      ctx.lineWidth = edgeStyle(type).width * w * 1.8;
      const lines = new Path2D();
      const heads = r1 >= ARROW_MIN_DISC_PX ? new Path2D() : null;
      edgePath(lines, heads, t.ax * this.xs[s]! + t.bx, t.ay * this.ys[s]! + t.by, t.ax * this.xs[d]! + t.bx, t.ay * this.ys[d]! + t.by, this.sizes[d]! * r1, 3 + 2.5 * ctx.lineWidth);
      ctx.stroke(lines);
      if (heads) ctx.fill(heads);
    }
  }

  /** Selection and hover: a ring, a larger disc and a label, drawn live. */
  private drawMarks(t: Affine): void {
    const ctx = this.ctx;
    const r1 = this.discPx(this.cam.ratio);
    for (const id of [this.filter.selected, this.hovered]) {
      const i = id !== null ? this.slotOf.get(id) : undefined;
      if (i === undefined || !this.shown[i]) continue;
      const vx = t.ax * this.xs[i]! + t.bx;
      const vy = t.ay * this.ys[i]! + t.by;
      const r = Math.max(3, this.sizes[i]! * r1 * (id === this.filter.selected ? 1.4 : 1));
      ctx.fillStyle = p(this.palette, this.status[i]!);
      ctx.beginPath();
      ctx.arc(vx, vy, r, 0, 2 * Math.PI);
      ctx.fill();
      ctx.strokeStyle = this.palette.accent;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(vx, vy, r + 3, 0, 2 * Math.PI);
      ctx.stroke();
      if (id === this.hovered && id !== this.filter.selected) {
        // The hovered node's name, without re-placing every label (no redraw storms).
        const a = this.attrs[i]!;
        ctx.font = `${LABEL_FONT_PX}px system-ui, sans-serif`;
        ctx.textBaseline = "middle";
        const text = `${a.glyph} ${a.label}`;
        const w = ctx.measureText(text).width;
        ctx.fillStyle = this.palette.labelBg;
        ctx.fillRect(vx - w / 2 - 3, vy + r + 4, w + 6, LABEL_FONT_PX + 4);
        ctx.fillStyle = this.palette.text;
        ctx.fillText(text, vx - w / 2, vy + r + 6 + LABEL_FONT_PX / 2);
      }
    }
  }

  private edgeWidth(): number {
    return Math.min(1.6, Math.max(0.6, this.discPx(this.cam.ratio) / 6));
  }

  // ---- buffered layers, drawn while the camera is still ----

  /** Advances the back buffer and labels when due; runs after a frame is drawn. */
  private work(): void {
    const t = this.transform(this.cam, { ax: 1, bx: 0, ay: 1, by: 0 });
    const now = performance.now();
    if (this.job && !sameT(this.job.t, t)) this.job = null; // the camera moved since it started
    const stale = !this.shownLayer.t || !sameT(this.shownLayer.t, t) || this.shownLayer.version !== this.version;
    if (!this.job && stale) {
      // Changes streaming in redraw the buffers at most every REDRAW_MIN_MS; a moved
      // camera, a view change or a missing buffer at once.
      const onlyData = this.shownLayer.t && sameT(this.shownLayer.t, t) && this.shownLayer.view === this.viewVersion;
      const wait = onlyData ? this.lastBackStart + REDRAW_MIN_MS - now : 0;
      if (wait > 0) {
        if (!this.redrawTimer)
          this.redrawTimer = setTimeout(() => {
            this.redrawTimer = null;
            this.request();
          }, wait);
        return;
      }
      this.startBack(t);
    }
    if (this.job) {
      this.stepBack(now + FRAME_BUDGET_MS);
      this.request();
    }
  }

  private startBack(t: Affine): void {
    this.lastBackStart = performance.now();
    const layer = this.spareLayer;
    const c = layer.ctx;
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.clearRect(0, 0, layer.canvas.width, layer.canvas.height);
    c.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    layer.t = null;
    const frames = this.overlay.frameList(this.shownSource, this.filter.visible !== null || !!this.filter.kindOk);
    // Relations on screen, estimated from the share of shown nodes on screen.
    if (this.edgeCountDirty) this.recountShownEdges();
    const onScreen = this.shownEdges * Math.min(1, this.lastOnScreen / Math.max(1, this.shownCount()));
    const edges = onScreen <= EDGES_ON_SCREEN_MAX;
    this.edgesHidden = edges ? null : `about ${Math.round(onScreen).toLocaleString()} relations on screen: zoom in to see them`;
    if (this.edgeOrderDirty) this.sortEdges();
    this.job = { layer, t: { ...t }, version: this.version, view: this.viewVersion, frames, titles: [], phase: 0, i: 0, drawn: 0, edges };
  }

  private shownCount(): number {
    let n = 0;
    for (let i = 0; i < this.hi; i++) n += this.shown[i]!;
    return n;
  }

  private sortEdges(): void {
    this.edgeOrderDirty = false;
    // Counting sort by type: one stroke per type and run.
    const counts = new Int32Array(256);
    for (let j = 0; j < this.ehi; j++) {
      const c = this.eType[j]!;
      if (c) counts[c] = counts[c]! + 1;
    }
    const start = new Int32Array(256);
    for (let k = 1; k < 256; k++) start[k] = start[k - 1]! + counts[k - 1]!;
    const order = new Int32Array(this.ealive);
    for (let j = 0; j < this.ehi; j++) {
      const c = this.eType[j]!;
      if (!c) continue;
      const at = start[c]!;
      order[at] = j;
      start[c] = at + 1;
    }
    this.edgeOrder = order;
  }

  /** Draws the back buffer until `deadline`: frames, then relations, a slice at a time. */
  private stepBack(deadline: number): void {
    const job = this.job!;
    const c = job.layer.ctx;
    const W = this.width;
    const H = this.height;
    while (job.phase < 3 && performance.now() < deadline) {
      if (job.phase === 0) {
        const to = Math.min(job.frames.length, job.i + 100);
        job.titles.push(...this.overlay.drawFrames(c, job.frames, job.t, W, H, this.palette, job.i, to));
        rasterNow(c);
        job.i = to;
        if (job.i >= job.frames.length) {
          job.phase = job.edges ? 1 : 3;
          job.i = 0;
        }
        continue;
      }
      // Phase 1: every relation (dimmed ones when something is emphasised);
      // phase 2: the emphasised ones in colour, over them.
      const end = Math.min(this.edgeOrder.length, job.i + 1000);
      job.drawn += this.strokeEdges(c, job.t, W, H, job.i, end, job.phase);
      rasterNow(c);
      job.i = end;
      if (job.i >= this.edgeOrder.length) {
        job.phase = job.phase === 1 && this.filter.emphasis ? 2 : 3;
        job.i = 0;
      }
    }
    if (job.phase < 3) return;
    // Done: show it, and place the labels for the same camera.
    this.job = null;
    job.layer.t = job.t;
    job.layer.version = job.version;
    job.layer.view = job.view;
    this.spareLayer = this.shownLayer;
    this.shownLayer = job.layer;
    this.lastEdgesDrawn = job.edges ? job.drawn : 0;
    this.drawLabelLayer(job.t, job.titles, job.version);
  }

  /** Strokes edges order[from, to) on screen; returns how many. */
  private strokeEdges(c: CanvasRenderingContext2D, t: Affine, W: number, H: number, from: number, to: number, phase: number): number {
    const { ax, bx, ay, by } = t;
    const emphasis = !!this.filter.emphasis;
    const hidden = this.filter.hiddenEdgeTypes;
    const w = this.edgeWidth();
    const r1 = this.discPx(this.scale1() / (t.ax * (this.box?.d ?? 1)));
    // Zoomed in far enough to tell direction, relations get arrowheads, as in WebGL mode.
    const arrows = r1 >= ARROW_MIN_DISC_PX;
    let runType = -1;
    let lines: Path2D | null = null;
    let heads: Path2D | null = null;
    let head = 0;
    const flush = () => {
      if (lines) c.stroke(lines);
      if (heads) c.fill(heads);
    };
    let n = 0;
    for (let k = from; k < to; k++) {
      const j = this.edgeOrder[k]!;
      const code = this.eType[j]!;
      if (!code) continue;
      const s = this.eSrc[j]!;
      const d = this.eDst[j]!;
      if (!this.shown[s] || !this.shown[d]) continue;
      const lit = !emphasis || (this.emph[s] === 1 && this.emph[d] === 1);
      if (phase === 1 ? emphasis && lit : !lit) continue;
      const sx = ax * this.xs[s]! + bx;
      const dx = ax * this.xs[d]! + bx;
      if ((sx < 0 && dx < 0) || (sx > W && dx > W)) continue;
      const sy = ay * this.ys[s]! + by;
      const dy = ay * this.ys[d]! + by;
      if ((sy < 0 && dy < 0) || (sy > H && dy > H)) continue;
      if (code !== runType) {
        const type = this.typeNames[code - 1] ?? "";
        if (hidden.has(type)) continue;
        flush();
        runType = code;
        const st = edgeStyle(type);
        const colour = emphasis && !lit ? this.palette.dim : withAlpha(this.palette.edge[type] ?? this.palette.edgeDefault, st.alpha);
        c.strokeStyle = colour;
        c.fillStyle = colour;
        c.lineWidth = st.width * w;
        head = 3 + 2.5 * st.width * w;
        lines = new Path2D();
        heads = arrows ? new Path2D() : null;
      }
      edgePath(lines!, heads, sx, sy, dx, dy, this.sizes[d]! * r1, head);
      n++;
    }
    flush();
    return n;
  }

  private drawLabelLayer(t: Affine, titles: FrameTitle[], version: number): void {
    const l = this.labelLayer;
    const c = l.ctx;
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.clearRect(0, 0, l.canvas.width, l.canvas.height);
    c.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    const f = this.filter;
    const ratio = this.scale1() / (t.ax * (this.box?.d ?? 1));
    this.labelsDrawn = this.overlay.drawLabels(c, this.shownSource, {
      t,
      width: this.width,
      height: this.height,
      slotPx: 220 * t.ax,
      discPx: this.discPx(ratio),
      selected: f.selected,
      hovered: null,
      hits: f.hits,
      emphasis: f.emphasis,
      palette: this.palette,
    }, titles);
    l.t = t;
    l.version = version;
    this.request();
  }

  /** Shown nodes for the overlay (frames, labels). */
  private readonly shownSource: NodeSource = (fn) => {
    for (let i = 0; i < this.hi; i++) if (this.shown[i] && this.attrs[i]) fn(this.ids[i]!, this.attrs[i]!);
  };

  async toPng(): Promise<Blob | null> {
    this.draw();
    return new Promise((resolve) => this.canvas.toBlob((b) => resolve(b), "image/png"));
  }

  resize(): void {
    if (this.measure()) this.request();
  }

  kill(): void {
    if (this.frameReq) cancelAnimationFrame(this.frameReq);
    this.frameReq = 0;
    if (this.movingTimer) clearTimeout(this.movingTimer);
    if (this.redrawTimer) clearTimeout(this.redrawTimer);
    for (const f of this.off) f();
    this.off.length = 0;
    this.canvas.remove();
    this.job = null;
    this.slotOf.clear();
    this.edgeSlot.clear();
    this.ids = [];
    this.attrs = [];
    this.hi = 0;
    this.ehi = 0;
    for (const l of [this.shownLayer, this.spareLayer, this.labelLayer]) l.canvas.width = l.canvas.height = 0;
    this.pixels = null;
  }
}

function p(pal: Palette, code: number): string {
  return pal.node[STATUS_CODES[code] ?? "unknown"];
}

/**
 * Adds a relation from (sx, sy) to (dx, dy) to `lines`, and with `heads` an arrowhead
 * whose tip touches the target's disc (radius rt); the line then stops at its base.
 */
function edgePath(lines: Path2D, heads: Path2D | null, sx: number, sy: number, dx: number, dy: number, rt: number, head: number): void {
  lines.moveTo(sx, sy);
  const len = Math.hypot(dx - sx, dy - sy);
  if (!heads || len <= rt + head) {
    lines.lineTo(dx, dy);
    return;
  }
  const ux = (dx - sx) / len;
  const uy = (dy - sy) / len;
  const tx = dx - ux * rt;
  const ty = dy - uy * rt;
  const bx = tx - ux * head;
  const by = ty - uy * head;
  lines.lineTo(bx, by);
  heads.moveTo(tx, ty);
  heads.lineTo(bx - uy * head * 0.55, by + ux * head * 0.55);
  heads.lineTo(bx + uy * head * 0.55, by - ux * head * 0.55);
  heads.closePath();
}

/** A CSS colour as the 32-bit word of its RGBA bytes in memory (the canvas resolves it). */
function toRgba32(css: string): number {
  const c = document.createElement("canvas");
  c.width = c.height = 1;
  const g = c.getContext("2d", { willReadFrequently: true })!;
  g.fillStyle = css;
  g.fillRect(0, 0, 1, 1);
  const d = g.getImageData(0, 0, 1, 1).data;
  return new Uint32Array(new Uint8Array([d[0]!, d[1]!, d[2]!, 255]).buffer)[0]!;
}

/**
 * Makes the canvas rasterise what was drawn so far. Chrome records 2D calls and
 * rasterises them later, all at once; without this, the budget would bound only the
 * recording and the whole drawing would land on one frame when the buffer is shown.
 */
function rasterNow(c: CanvasRenderingContext2D): void {
  // Drawing one pixel of it elsewhere is enough, and unlike getImageData it does not
  // read back from a GPU or turn the canvas into a CPU one.
  flushTarget ??= document.createElement("canvas").getContext("2d");
  if (c.canvas.width && c.canvas.height) flushTarget?.drawImage(c.canvas, 0, 0, 1, 1, 0, 0, 1, 1);
}

let flushTarget: CanvasRenderingContext2D | null | undefined;

function sameT(a: Affine, b: Affine): boolean {
  return Math.abs(a.ax - b.ax) < 1e-12 * Math.abs(a.ax) + 1e-15 && Math.abs(a.ay - b.ay) < 1e-12 * Math.abs(a.ay) + 1e-15 && Math.abs(a.bx - b.bx) < 1e-6 && Math.abs(a.by - b.by) < 1e-6;
}

function cellKey(cx: number, cy: number): number {
  return (cy + 32768) * 65536 + (cx + 32768);
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
