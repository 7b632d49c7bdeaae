// Touch gestures of the 2D large-graph renderer (topology-points.ts), as pure camera
// arithmetic so they are unit-tested: a two-finger pinch zooms about the fingers'
// midpoint and pans with it (the graph point that was between the fingers stays between
// them), one finger pans. The renderer feeds it pointer positions (pointer events, so
// mouse, pen and touch share one path) and applies the camera it returns.
//
// Camera convention (the renderer's): {x, y} is the view's centre in the pinned bounding
// box's unit square, y up; `ratio` is the zoom (smaller = closer); `scale` is pixels per
// unit at ratio 1.

import type { Camera } from "../state/url-state";

export interface Pt {
  x: number;
  y: number;
}

export interface Viewport {
  width: number;
  height: number;
  /** Pixels per unit-square side at ratio 1. */
  scale: number;
  minRatio: number;
  maxRatio: number;
}

/** The graph point (unit-square coordinates) under a screen point for a camera. */
export function graphAt(p: Pt, cam: Camera, v: Viewport): Pt {
  return { x: cam.x + ((p.x - v.width / 2) * cam.ratio) / v.scale, y: cam.y - ((p.y - v.height / 2) * cam.ratio) / v.scale };
}

/** The camera at `ratio` that puts graph point `g` under screen point `p`. */
export function cameraPutting(g: Pt, p: Pt, ratio: number, v: Viewport): Camera {
  return { x: g.x - ((p.x - v.width / 2) * ratio) / v.scale, y: g.y + ((p.y - v.height / 2) * ratio) / v.scale, ratio };
}

const dist = (a: Pt, b: Pt) => Math.hypot(a.x - b.x, a.y - b.y);
const mid = (a: Pt, b: Pt): Pt => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });

/**
 * The camera during a pinch that started with fingers at a0, b0 and camera `start`,
 * now at a1, b1: zoomed by the change of the fingers' distance (spreading them zooms
 * in), within the viewport's bounds, and the graph point under the starting midpoint
 * kept under the current one.
 */
export function pinchCamera(start: Camera, a0: Pt, b0: Pt, a1: Pt, b1: Pt, v: Viewport): Camera {
  const d0 = Math.max(1, dist(a0, b0));
  const d1 = Math.max(1, dist(a1, b1));
  const ratio = Math.min(v.maxRatio, Math.max(v.minRatio, (start.ratio * d0) / d1));
  return cameraPutting(graphAt(mid(a0, b0), start, v), mid(a1, b1), ratio, v);
}

/** The camera after a one-finger (or mouse) drag from `from` to `to` that started at `start`. */
export function panCamera(start: Camera, from: Pt, to: Pt, v: Viewport): Camera {
  const k = start.ratio / v.scale;
  return { x: start.x - (to.x - from.x) * k, y: start.y + (to.y - from.y) * k, ratio: start.ratio };
}
