// The WebGL drawing of a topology: a graphology graph mirrored from the GraphStore and
// drawn by sigma. Nodes sit at the server's coordinates; after the first frame the
// bounding box is pinned so later additions never rescale or shift what is on screen.
// The server's y axis points down (as in its SVG export); sigma's points up, so y is
// negated on the way in and the drawing matches the export.
// Display-only concerns (dimming, hiding, highlighting) live in reducers, so changing a
// filter repaints without touching the graph.
// Two 2D layers are drawn here after each sigma frame: group frames under the edges and
// node labels (kind glyph + name) above the nodes, placed without overlaps by
// topology-layers.ts. Node discs grow with the zoom in proportion to the server's slot
// size, clamped, so a zoomed-in view reads like the server's SVG export.

import Graph from "graphology";
import Sigma from "sigma";
import type { TopoEdge, TopoNode } from "../api/types";
import { edgeKey, type Change, type GraphStore } from "../state/graph-store";
import { bareKind, kindGlyph, kindSize } from "../ui/kinds";
import { edgeStyle, type Palette, withAlpha } from "../ui/theme";
import { ellipsize, type Frame, framesFromNodes, framesFromServer, kindRank, type LabelCandidate, Occupancy, placeLabels, type Rect, type ServerGroup } from "./topology-layers";

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
  /** Search hits: always labelled. */
  hits?: Set<string> | null;
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

/** Node disc radius per kind-size unit: about a sixth of the server's 110-unit row. */
const DISC_UNITS = 20;
/** Disc radius bounds in pixels (per kind-size unit) whatever the zoom. */
const DISC_MIN_PX = 4;
const DISC_MAX_PX = 12;
/** Edge thickness per unit of edgeStyle().width, as a fraction of the pod disc radius. */
const EDGE_FACTOR = 0.3;
/** Above this many nodes, labels are left out while the camera moves (redrawn when it stops). */
const LABELS_ON_MOVE_MAX = 5000;
/** Labels are attempted only when a server slot (220 units) is at least this wide on screen. */
const LABEL_MIN_SLOT_PX = 36;
const LABEL_FONT_PX = 12;
/** When zoomed out, only kinds up to this rank (see kindRank: through DaemonSet) get labels. */
const DENSE_LABEL_RANK = 7;

/** A frame's title and the two places it may go. */
interface FrameTitle {
  text: string;
  inside: Rect;
  above: Rect;
}

export class TopologyCanvas {
  readonly graph = new Graph<NodeAttrs, EdgeAttrs>({ multi: true, type: "directed", allowSelfLoops: true });
  private sigma: Sigma<NodeAttrs, EdgeAttrs> | null = null;
  private filter: DisplayFilter = { visible: null, emphasis: null, selected: null, hiddenEdgeTypes: new Set() };
  private pinned = false;
  /** Pixels per graph unit at camera ratio 1 (the bounding box is pinned, so it only changes on resize). */
  private ppu1 = 1;
  private frames: Frame[] = [];
  private serverGroups: ServerGroup[] | null = null;
  private framesDirty = true;
  private hovered: string | null = null;
  private moving = false;
  private movingTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly textWidths = new Map<string, number>();
  /** Counts draws, so tests and benchmarks can see frames happen. */
  renders = 0;
  /** Labels drawn in the last frame (tests and benchmarks). */
  labelsDrawn = 0;

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
    this.framesDirty = true;
    this.sigma = new Sigma(this.graph, this.container, {
      allowInvalidContainer: true,
      defaultEdgeType: "arrow",
      renderEdgeLabels: false,
      // Labels are placed and drawn by drawLabels (no overlaps), not by sigma's grid.
      renderLabels: false,
      hideEdgesOnMove: this.graph.size > 20_000,
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
      else this.graph.mergeNodeAttributes(n.id, this.nodeAttrs(n, this.graph.getNodeAttributes(n.id)));
    }
    for (const e of ch.addedEdges) this.addEdge(e);
    // An edge that arrived before one of its ends becomes drawable once the end exists.
    for (const n of ch.addedNodes) for (const e of store.edgesOf(n.id)) this.addEdge(e);
    if (ch.addedNodes.length || ch.removedNodes.length || ch.updatedNodes.length) this.framesDirty = true;
    this.pinBox();
  }

  /** Group geometry sent by the server (drawn as is); null derives frames from the nodes. */
  setServerGroups(groups: ServerGroup[] | null): void {
    this.serverGroups = groups && groups.length ? groups : null;
    this.framesDirty = true;
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
    this.framesDirty = true;
  }

  setFilter(f: DisplayFilter): void {
    this.filter = f;
    this.framesDirty = true;
    this.sigma?.refresh({ skipIndexation: true });
  }

  setPalette(p: Palette): void {
    this.palette = p;
    this.graph.updateEachNodeAttributes((_, a) => ({ ...a, color: statusColour(p, a.status) }));
    this.graph.updateEachEdgeAttributes((_, a) => ({ ...a, color: this.edgeColour(a.edgeType) }));
    this.sigma?.refresh({ skipIndexation: true });
  }

  private reduceNode(id: string, data: NodeAttrs): Partial<NodeAttrs> & Record<string, unknown> {
    const f = this.filter;
    const out: Record<string, unknown> = { ...data };
    if (f.visible && !f.visible.has(id) && data.aggregate === undefined) out.hidden = true;
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
    else if (f.visible || f.emphasis || f.selected) {
      const [s, t] = this.graph.extremities(id);
      if (f.visible && (!f.visible.has(s) || !f.visible.has(t))) out.hidden = true;
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
    // graph → viewport is affine here (no rotation): v = a·g + b on each axis.
    const t = { ax: (u.x - o.x) / 1000, bx: o.x, ay: (u.y - o.y) / 1000, by: o.y };
    const { width, height } = s.getDimensions();
    const titles = this.drawFrames(t, width, height);
    this.drawLabels(t, width, height, cam.ratio, titles);
  }

  private frameList(): Frame[] {
    if (!this.framesDirty) return this.frames;
    this.framesDirty = false;
    // Frames enclose what is shown: hidden kinds and filtered objects leave no empty boxes.
    const f = this.filter;
    const pts: { x: number; y: number; group?: string; namespace: string }[] = [];
    this.graph.forEachNode((id, a) => {
      if (a.aggregate !== undefined) return;
      if (f.visible && !f.visible.has(id)) return;
      pts.push({ x: a.x, y: -a.y, group: a.group, namespace: a.namespace });
    });
    if (this.serverGroups) {
      const all = framesFromServer(this.serverGroups);
      this.frames = f.visible ? all.filter((fr) => pts.some((q) => q.x >= fr.x && q.x <= fr.x + fr.w && q.y >= fr.y && q.y <= fr.y + fr.h)) : all;
      return this.frames;
    }
    this.frames = framesFromNodes(pts);
    return this.frames;
  }

  /** Draws the frames' boxes; returns their titles, which the label layer draws on top. */
  private drawFrames(t: { ax: number; bx: number; ay: number; by: number }, width: number, height: number): FrameTitle[] {
    const titles: FrameTitle[] = [];
    const ctx = this.sigma?.getCanvases().frames?.getContext("2d");
    if (!ctx) return titles;
    ctx.clearRect(0, 0, width, height);
    const frames = this.frameList();
    if (frames.length < 2 && !this.serverGroups) return titles; // one namespace: the frame says nothing
    const p = this.palette;
    ctx.lineWidth = 1;
    ctx.font = `600 ${LABEL_FONT_PX}px system-ui, sans-serif`;
    for (const fr of frames) {
      // Server coordinates (y down) → graph (y up) → viewport.
      const x0 = t.ax * fr.x + t.bx;
      const x1 = t.ax * (fr.x + fr.w) + t.bx;
      const y0 = t.ay * -fr.y + t.by;
      const y1 = t.ay * -(fr.y + fr.h) + t.by;
      const left = Math.min(x0, x1);
      const top = Math.min(y0, y1);
      const w = Math.abs(x1 - x0);
      const hgt = Math.abs(y1 - y0);
      if (left > width || top > height || left + w < 0 || top + hgt < 0 || w < 4 || hgt < 4) continue;
      ctx.fillStyle = p.frame;
      ctx.strokeStyle = p.border;
      ctx.setLineDash(fr.level === "app" ? [4, 3] : []);
      ctx.beginPath();
      ctx.roundRect(left + 2, top + 2, w - 4, hgt - 4, Math.min(10, w / 8, hgt / 8));
      if (fr.level === "namespace") ctx.fill();
      ctx.stroke();
      ctx.setLineDash([]);
      if (w >= 70 && hgt >= 20) {
        const text = ellipsize(fr.title, w - 20, (x) => this.textWidth(ctx, x, `\u0001${x}`));
        const tw = this.textWidth(ctx, text, `\u0001${text}`);
        // The title sticks to the screen edge while its frame is partly scrolled off.
        const x = Math.min(Math.max(left + 8, 8), left + w - tw - 12);
        const y = Math.min(Math.max(top + 4, 4), top + hgt - LABEL_FONT_PX - 8);
        const bw = tw + 6;
        const bh = LABEL_FONT_PX + 4;
        if (text) titles.push({ text, inside: { x, y, w: bw, h: bh }, above: { x, y: top - bh - 1, w: bw, h: bh } });
      }
    }
    return titles;
  }

  /** Measured text widths, cached: measuring thousands of labels per frame is the slow part. */
  private textWidth(ctx: CanvasRenderingContext2D, s: string, key = s): number {
    let w = this.textWidths.get(key);
    if (w === undefined) {
      w = ctx.measureText(s).width;
      if (this.textWidths.size > 50_000) this.textWidths.clear();
      this.textWidths.set(key, w);
    }
    return w;
  }

  private drawLabels(t: { ax: number; bx: number; ay: number; by: number }, width: number, height: number, ratio: number, titles: FrameTitle[]): void {
    const s = this.sigma;
    const ctx = s?.getCanvases().labels?.getContext("2d");
    if (!s || !ctx) return;
    const f = this.filter;
    const p = this.palette;
    if (this.moving && this.graph.order > LABELS_ON_MOVE_MAX) {
      this.labelsDrawn = 0;
      return;
    }
    const slotPx = (220 * this.ppu1) / ratio;
    const r1 = 1 / this.sizeRatio(ratio);
    const dense = slotPx < LABEL_MIN_SLOT_PX;
    const cands: LabelCandidate[] = [];
    const others: Rect[] = [];
    const margin = 40;
    const asked = new Set<string>();
    if (f.selected) asked.add(f.selected);
    if (this.hovered) asked.add(this.hovered);
    if (f.hits) for (const id of f.hits) asked.add(id);
    // One pass: every visible node on screen is an obstacle; some are label candidates.
    // Zoomed out, only what the user asked about, what is failing and the objects an
    // application is read from (entry points, workloads) are candidates.
    this.graph.forEachNode((id, a) => {
      const agg = a.aggregate !== undefined;
      if (f.visible && !f.visible.has(id) && !agg) return;
      const x = t.ax * a.x + t.bx;
      const y = t.ay * a.y + t.by;
      if (x < -margin || x > width + margin || y < -margin || y > height + margin) return;
      const r = a.size * r1 * (f.selected === id ? 1.4 : 1);
      const force = agg || asked.has(id);
      const dimmed = !!f.emphasis && !f.emphasis.has(id) && !agg;
      const bad = a.status === "error" ? 0 : a.status === "warning" ? 1 : 2;
      const wanted = force || (!dimmed && (!dense || bad < 2 || kindRank(a.kind) <= DENSE_LABEL_RANK));
      if (!wanted) {
        others.push({ x: x - r, y: y - r, w: 2 * r, h: 2 * r });
        return;
      }
      const rank = (force ? 0 : f.emphasis ? 100 : 200) + bad * 20 + kindRank(a.kind);
      cands.push({ id, x, y, r, rank, text: a.label, glyph: a.glyph, force });
    });
    // Frame titles: inside the frame's corner, else just above it, never over a node.
    const occ = new Occupancy(64);
    for (const o of others) occ.add(o);
    for (const c of cands) occ.add({ x: c.x - c.r, y: c.y - c.r, w: 2 * c.r, h: 2 * c.r });
    const shownTitles: { text: string; box: Rect }[] = [];
    for (const ti of titles) {
      const box = [ti.inside, ti.above].find((b) => !occ.hits(b));
      if (!box) continue;
      occ.add(box);
      shownTitles.push({ text: ti.text, box });
    }
    ctx.textBaseline = "middle";
    ctx.font = `600 ${LABEL_FONT_PX}px system-ui, sans-serif`;
    for (const ti of shownTitles) {
      ctx.fillStyle = p.labelBg;
      ctx.fillRect(ti.box.x, ti.box.y, ti.box.w, ti.box.h);
      ctx.fillStyle = p.muted;
      ctx.fillText(ti.text, ti.box.x + 3, ti.box.y + ti.box.h / 2);
    }
    ctx.font = `${LABEL_FONT_PX}px system-ui, sans-serif`;
    const glyphFont = `700 ${LABEL_FONT_PX - 3}px system-ui, sans-serif`;
    const placed = placeLabels(
      cands,
      {
        text: (x) => this.textWidth(ctx, x),
        glyph: (g) => {
          ctx.font = glyphFont;
          const w = this.textWidth(ctx, g, `\u0000${g}`) + 8;
          ctx.font = `${LABEL_FONT_PX}px system-ui, sans-serif`;
          return w;
        },
        height: LABEL_FONT_PX + 4,
        maxWidth: dense ? 150 : Math.max(60, Math.min(200, slotPx - 12)),
      },
      width,
      height,
      others.concat(shownTitles.map((x) => x.box)),
    );
    for (const l of placed) {
      const midY = l.box.y + l.box.h / 2;
      // A backdrop keeps the text readable over edges.
      ctx.fillStyle = p.labelBg;
      ctx.fillRect(l.box.x - 2, l.box.y, l.box.w + 4, l.box.h);
      if (l.glyph) {
        ctx.fillStyle = p.surface2;
        ctx.fillRect(l.box.x, l.box.y + 1, l.glyphW, l.box.h - 2);
        ctx.font = glyphFont;
        ctx.fillStyle = p.muted;
        ctx.fillText(l.glyph, l.box.x + 4, midY);
      }
      ctx.font = `${f.selected === l.id ? "600 " : ""}${LABEL_FONT_PX}px system-ui, sans-serif`;
      ctx.fillStyle = p.text;
      ctx.fillText(l.text, l.box.x + l.glyphW + (l.glyphW ? 4 : 0), midY);
    }
    this.labelsDrawn = placed.length;
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
