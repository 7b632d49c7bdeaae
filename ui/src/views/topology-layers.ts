// Pure geometry behind the topology's two canvas layers that sigma does not draw:
// group frames (one rounded box and title per namespace / application band) and node
// labels placed so that they never overlap each other or another node's disc. Nothing
// here touches the DOM, so the rules are unit-tested (test/topology-layers.test.ts).
// The server's coordinates are used as they are: frames only enclose them.

/** A frame in the server's coordinate system (y grows downwards, as in its SVG export). */
export interface Frame {
  key: string;
  title: string;
  /** A namespace's frame, or an application band inside one (drawn lighter). */
  level: "namespace" | "app";
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The server's `groups`: `[{kind: "namespace"|"app", namespace, name, x, y, w, h}]`. */
export interface ServerGroup {
  kind?: string;
  namespace?: string;
  name?: string;
  app?: string | null;
  title?: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Half the server's slot (220 × 110 units) around a node centre: frames enclose whole slots. */
export const FRAME_PAD_X = 110;
export const FRAME_PAD_Y = 55;
/** Room above the first row for the frame's title. */
export const FRAME_TITLE = 40;

export function framesFromServer(groups: ServerGroup[]): Frame[] {
  return groups
    .filter((g) => [g.x, g.y, g.w, g.h].every(Number.isFinite) && g.w > 0 && g.h > 0)
    .map((g, i) => {
      const ns = g.namespace ?? "";
      const app = g.kind === "app" ? (g.name ?? g.app ?? "") : (g.app ?? "");
      const level: Frame["level"] = app ? "app" : "namespace";
      // An application band sits inside its namespace's frame: its own name says enough.
      const title = g.title ?? (level === "app" ? app : g.name || ns || "(cluster)");
      return { key: `${i}:${ns}/${app}`, title, level, x: g.x, y: g.y, w: g.w, h: g.h };
    });
}

/**
 * Frames derived from the nodes when the server sends no group geometry: the bounding
 * box of each group's nodes (their `group`, else namespace), padded to whole slots.
 */
export function framesFromNodes(nodes: Iterable<{ x: number; y: number; group?: string; namespace: string }>): Frame[] {
  const boxes = new Map<string, { x0: number; y0: number; x1: number; y1: number }>();
  for (const n of nodes) {
    if (!Number.isFinite(n.x) || !Number.isFinite(n.y)) continue;
    const g = n.group ?? n.namespace ?? "";
    const b = boxes.get(g);
    if (!b) boxes.set(g, { x0: n.x, y0: n.y, x1: n.x, y1: n.y });
    else {
      if (n.x < b.x0) b.x0 = n.x;
      if (n.x > b.x1) b.x1 = n.x;
      if (n.y < b.y0) b.y0 = n.y;
      if (n.y > b.y1) b.y1 = n.y;
    }
  }
  const out: Frame[] = [];
  for (const [g, b] of [...boxes].sort((a, c) => a[1].y0 - c[1].y0 || a[0].localeCompare(c[0]))) {
    out.push({
      key: g,
      title: g || "(cluster)",
      level: "namespace",
      x: b.x0 - FRAME_PAD_X,
      y: b.y0 - FRAME_PAD_Y - FRAME_TITLE,
      w: b.x1 - b.x0 + 2 * FRAME_PAD_X,
      h: b.y1 - b.y0 + 2 * FRAME_PAD_Y + FRAME_TITLE,
    });
  }
  return out;
}

/** Axis-aligned rectangle in screen pixels. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Occupied screen space, bucketed in a uniform grid so each test looks only at the
 * rectangles near it: placing n labels costs about n, not n².
 */
export class Occupancy {
  private readonly cells = new Map<number, Rect[]>();
  constructor(private readonly cell = 64) {}

  private *keys(r: Rect): Generator<number> {
    const c = this.cell;
    const x0 = Math.floor(r.x / c);
    const x1 = Math.floor((r.x + r.w) / c);
    const y0 = Math.floor(r.y / c);
    const y1 = Math.floor((r.y + r.h) / c);
    for (let gy = y0; gy <= y1; gy++) for (let gx = x0; gx <= x1; gx++) yield (gy + 32768) * 65536 + (gx + 32768);
  }

  hits(r: Rect, ignore?: Rect): boolean {
    for (const k of this.keys(r)) {
      const list = this.cells.get(k);
      if (!list) continue;
      for (const o of list) {
        if (o === ignore) continue;
        if (r.x < o.x + o.w && o.x < r.x + r.w && r.y < o.y + o.h && o.y < r.y + r.h) return true;
      }
    }
    return false;
  }

  add(r: Rect): void {
    for (const k of this.keys(r)) {
      let list = this.cells.get(k);
      if (!list) this.cells.set(k, (list = []));
      list.push(r);
    }
  }
}

export interface LabelCandidate {
  id: string;
  /** Screen position of the node centre and its radius in pixels. */
  x: number;
  y: number;
  r: number;
  /** Lower is placed first. */
  rank: number;
  text: string;
  glyph: string;
  /** Always placed (selection, hover), even over others. */
  force?: boolean;
}

export interface PlacedLabel {
  id: string;
  text: string;
  glyph: string;
  /** Box of the whole label (glyph chip + text), centred under the node. */
  box: Rect;
  glyphW: number;
}

export interface LabelMetrics {
  /** Width of the name text in pixels at the label font. */
  text(s: string): number;
  /** Width of the glyph chip including its padding. */
  glyph(s: string): number;
  height: number;
  maxWidth: number;
}

/** Shortens text with an ellipsis until it fits `max` pixels (binary search on length). */
export function ellipsize(s: string, max: number, width: (s: string) => number): string {
  if (width(s) <= max) return s;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (width(`${s.slice(0, mid)}…`) <= max) lo = mid;
    else hi = mid - 1;
  }
  return lo ? `${s.slice(0, lo)}…` : "";
}

/**
 * Greedy label placement: nodes' discs are obstacles, candidates are taken by rank,
 * and a label goes under its node only where it touches no other label or disc.
 * A label that does not fit whole is tried once more cut to half the width.
 * `obstacles` (frame titles) are taken before any label.
 */
export function placeLabels(cands: LabelCandidate[], m: LabelMetrics, width: number, height: number, obstacles: Rect[] = []): PlacedLabel[] {
  const occ = new Occupancy(64);
  for (const o of obstacles) occ.add(o);
  const discs = new Map<string, Rect>();
  for (const c of cands) {
    const d = { x: c.x - c.r, y: c.y - c.r, w: 2 * c.r, h: 2 * c.r };
    discs.set(c.id, d);
    occ.add(d);
  }
  const order = [...cands].sort((a, b) => (a.force === b.force ? a.rank - b.rank || (a.id < b.id ? -1 : 1) : a.force ? -1 : 1));
  const out: PlacedLabel[] = [];
  for (const c of order) {
    const gw = c.glyph ? m.glyph(c.glyph) : 0;
    const gap = gw ? 4 : 0;
    // Every box tried below contains this one (same centre, at least as wide): when it
    // is taken, skip the text measuring. Zoomed out, that is most candidates.
    const least = Math.max(1, gw + gap);
    if (!c.force && occ.hits({ x: c.x - least / 2, y: c.y + c.r + 2, w: least, h: m.height }, discs.get(c.id))) continue;
    for (const max of [m.maxWidth, m.maxWidth / 2]) {
      const text = ellipsize(c.text, Math.max(0, max - gw - gap), m.text);
      if (!text && !c.force) break;
      const w = gw + gap + m.text(text);
      const box = { x: c.x - w / 2, y: c.y + c.r + 2, w, h: m.height };
      const offscreen = box.x + box.w < 0 || box.x > width || box.y > height || box.y + box.h < 0;
      if (offscreen) break;
      if (!c.force && occ.hits(box, discs.get(c.id))) continue;
      occ.add(box);
      out.push({ id: c.id, text, glyph: c.glyph, box, glyphW: gw });
      break;
    }
  }
  return out;
}

export { kindRank } from "../ui/kinds";
