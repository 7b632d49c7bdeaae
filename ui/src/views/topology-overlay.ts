// The 2D parts of the topology drawing shared by both renderers (sigma's WebGL one for
// ordinary graphs, the canvas points one for large graphs, topology-points.ts): group
// frames under everything and node labels over the nodes. The geometry rules live in
// topology-layers.ts (pure, unit-tested); this file turns them into canvas calls.
// A renderer hands over its nodes through a NodeSource — only the nodes it shows, in
// graph coordinates (server x, server y negated) — and the graph → viewport transform.

import type { Palette } from "../ui/theme";
import type { DisplayFilter } from "./topology-canvas";
import { ellipsize, type Frame, framesFromNodes, framesFromServer, kindRank, type LabelCandidate, Occupancy, placeLabels, type Rect, type ServerGroup } from "./topology-layers";

/** What the overlay needs of a node (graph coordinates: y up). */
export interface OverlayNode {
  x: number;
  y: number;
  size: number;
  label: string;
  kind: string;
  glyph: string;
  status: string;
  namespace: string;
  group: string;
  aggregate?: number;
}

/** Whether display filter f lets a node through (aggregates always pass);
 * memo caches f.kindOk per kind and is reset whenever f changes. */
export function passesFilter(f: DisplayFilter, memo: Map<string, boolean>, id: string, a: OverlayNode): boolean {
  if (a.aggregate !== undefined) return true;
  if (f.visible && !f.visible.has(id)) return false;
  if (f.kindOk) {
    let ok = memo.get(a.kind);
    if (ok === undefined) memo.set(a.kind, (ok = f.kindOk(a.kind)));
    if (!ok) return false;
  }
  return true;
}

/** Calls fn for every node the renderer shows (hidden ones left out). */
export type NodeSource = (fn: (id: string, a: OverlayNode) => void) => void;

/** graph → viewport is affine on each axis (no rotation): v = a·g + b. */
export interface Affine {
  ax: number;
  bx: number;
  ay: number;
  by: number;
}

/** A frame's title and the two places it may go. */
export interface FrameTitle {
  text: string;
  inside: Rect;
  above: Rect;
}

/** Node disc radius per kind-size unit: about a sixth of the server's 110-unit row. */
export const DISC_UNITS = 20;
/** Disc radius bounds in pixels (per kind-size unit) whatever the zoom. */
export const DISC_MIN_PX = 4;
export const DISC_MAX_PX = 12;
/** Labels are attempted only when a server slot (220 units) is at least this wide on screen. */
const LABEL_MIN_SLOT_PX = 36;
export const LABEL_FONT_PX = 12;
/** When zoomed out, only kinds up to this rank (see kindRank: through DaemonSet) get labels. */
const DENSE_LABEL_RANK = 7;

export interface LabelParams {
  t: Affine;
  width: number;
  height: number;
  /** Width of a server slot (220 units) on screen, in pixels. */
  slotPx: number;
  /** Disc radius in pixels of one kind-size unit. */
  discPx: number;
  selected: string | null;
  hovered: string | null;
  hits: Set<string> | null | undefined;
  emphasis: Set<string> | null;
  palette: Palette;
}

export class OverlayPainter {
  private frames: Frame[] = [];
  private serverGroups: ServerGroup[] | null = null;
  private framesDirty = true;
  private readonly textWidths = new Map<string, number>();

  /** Group geometry sent by the server (drawn as is); null derives frames from the nodes. */
  setServerGroups(groups: ServerGroup[] | null): void {
    this.serverGroups = groups && groups.length ? groups : null;
    this.framesDirty = true;
  }

  hasServerGroups(): boolean {
    return this.serverGroups !== null;
  }

  /** Nodes were added, removed or moved, or the filter changed: frames are recomputed on next use. */
  markFramesDirty(): void {
    this.framesDirty = true;
  }

  /**
   * The frames to draw. Frames enclose what is shown: with `filtered` (some nodes hidden),
   * server frames holding no shown node are left out, found through a grid of the shown
   * nodes so this costs about nodes + frames, not their product.
   */
  frameList(nodes: NodeSource, filtered: boolean): Frame[] {
    if (!this.framesDirty) return this.frames;
    this.framesDirty = false;
    if (this.serverGroups) {
      const all = framesFromServer(this.serverGroups);
      if (!filtered) return (this.frames = all);
      const cell = 220;
      const grid = new Map<number, { x: number; y: number }[]>();
      const key = (cx: number, cy: number) => (cy + 32768) * 65536 + (cx + 32768);
      nodes((_, a) => {
        if (a.aggregate !== undefined) return;
        const x = a.x;
        const y = -a.y; // server coordinates, like the frames
        const k = key(Math.floor(x / cell), Math.floor(y / cell));
        let l = grid.get(k);
        if (!l) grid.set(k, (l = []));
        l.push({ x, y });
      });
      const holds = (fr: Frame) => {
        for (let cy = Math.floor(fr.y / cell); cy <= Math.floor((fr.y + fr.h) / cell); cy++)
          for (let cx = Math.floor(fr.x / cell); cx <= Math.floor((fr.x + fr.w) / cell); cx++) {
            const l = grid.get(key(cx, cy));
            if (l && l.some((q) => q.x >= fr.x && q.x <= fr.x + fr.w && q.y >= fr.y && q.y <= fr.y + fr.h)) return true;
          }
        return false;
      };
      return (this.frames = all.filter(holds));
    }
    const pts: { x: number; y: number; group?: string; namespace: string }[] = [];
    nodes((_, a) => {
      if (a.aggregate === undefined) pts.push({ x: a.x, y: -a.y, group: a.group, namespace: a.namespace });
    });
    return (this.frames = framesFromNodes(pts));
  }

  /**
   * Draws the frames' boxes (those on screen and big enough to see); returns their
   * titles, which the label layer draws on top. `from`/`to` draw a slice of the list
   * (renderers that spread the work over several animation frames).
   */
  drawFrames(ctx: CanvasRenderingContext2D, frames: Frame[], t: Affine, width: number, height: number, p: Palette, from = 0, to = frames.length): FrameTitle[] {
    const titles: FrameTitle[] = [];
    if (frames.length < 2 && !this.serverGroups) return titles; // one namespace: the frame says nothing
    ctx.lineWidth = 1;
    ctx.font = `600 ${LABEL_FONT_PX}px system-ui, sans-serif`;
    ctx.fillStyle = p.frame;
    ctx.strokeStyle = p.border;
    for (let i = from; i < to && i < frames.length; i++) {
      const fr = frames[i]!;
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
      ctx.setLineDash(fr.level === "app" ? [4, 3] : []);
      ctx.beginPath();
      ctx.roundRect(left + 2, top + 2, w - 4, hgt - 4, Math.min(10, w / 8, hgt / 8));
      if (fr.level === "namespace") ctx.fill();
      ctx.stroke();
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
    ctx.setLineDash([]);
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

  /**
   * Places and draws node labels and frame titles without overlaps; returns how many
   * labels were drawn. Zoomed out, only what the user asked about (selection, hover,
   * search hits), what is failing and the objects an application is read from (entry
   * points, workloads) are candidates; zoomed in, every node on screen.
   */
  drawLabels(ctx: CanvasRenderingContext2D, nodes: NodeSource, q: LabelParams, titles: FrameTitle[]): number {
    const { t, width, height, palette: p } = q;
    const dense = q.slotPx < LABEL_MIN_SLOT_PX;
    const cands: LabelCandidate[] = [];
    const others: Rect[] = [];
    const margin = 40;
    const asked = new Set<string>();
    if (q.selected) asked.add(q.selected);
    if (q.hovered) asked.add(q.hovered);
    if (q.hits) for (const id of q.hits) asked.add(id);
    // One pass: every shown node on screen is an obstacle; some are label candidates.
    nodes((id, a) => {
      const agg = a.aggregate !== undefined;
      const x = t.ax * a.x + t.bx;
      const y = t.ay * a.y + t.by;
      if (x < -margin || x > width + margin || y < -margin || y > height + margin) return;
      const r = a.size * q.discPx * (q.selected === id ? 1.4 : 1);
      const force = agg || asked.has(id);
      const dimmed = !!q.emphasis && !q.emphasis.has(id) && !agg;
      const bad = a.status === "error" ? 0 : a.status === "warning" ? 1 : 2;
      const wanted = force || (!dimmed && (!dense || bad < 2 || kindRank(a.kind) <= DENSE_LABEL_RANK));
      if (!wanted) {
        others.push({ x: x - r, y: y - r, w: 2 * r, h: 2 * r });
        return;
      }
      const rank = (force ? 0 : q.emphasis ? 100 : 200) + bad * 20 + kindRank(a.kind);
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
        maxWidth: dense ? 150 : Math.max(60, Math.min(200, q.slotPx - 12)),
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
      ctx.font = `${q.selected === l.id ? "600 " : ""}${LABEL_FONT_PX}px system-ui, sans-serif`;
      ctx.fillStyle = p.text;
      ctx.fillText(l.text, l.box.x + l.glyphW + (l.glyphW ? 4 : 0), midY);
    }
    return placed.length;
  }
}
