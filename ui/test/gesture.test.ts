import { describe, expect, it } from "vitest";
import { graphAt, panCamera, pinchCamera, type Viewport } from "../src/views/gesture";

const V: Viewport = { width: 800, height: 600, scale: 500, minRatio: 0.05, maxRatio: 8 };
const CAM = { x: 0.5, y: 0.5, ratio: 1 };

describe("touch gestures of the 2D renderer", () => {
  it("spreading_two_fingers_zooms_in_by_their_distance_change", () => {
    // Fingers 100 px apart spread to 200 px about the same midpoint: twice as close.
    const cam = pinchCamera(CAM, { x: 350, y: 300 }, { x: 450, y: 300 }, { x: 300, y: 300 }, { x: 500, y: 300 }, V);
    expect(cam.ratio).toBeCloseTo(0.5);
    // Pinching them together zooms out.
    expect(pinchCamera(CAM, { x: 300, y: 300 }, { x: 500, y: 300 }, { x: 350, y: 300 }, { x: 450, y: 300 }, V).ratio).toBeCloseTo(2);
  });

  it("the_graph_point_between_the_fingers_stays_between_them", () => {
    const a0 = { x: 100, y: 100 };
    const b0 = { x: 200, y: 180 };
    const a1 = { x: 400, y: 350 };
    const b1 = { x: 640, y: 420 };
    const start = { x: 0.3, y: 0.7, ratio: 1.3 };
    const g = graphAt({ x: 150, y: 140 }, start, V);
    const cam = pinchCamera(start, a0, b0, a1, b1, V);
    const after = graphAt({ x: 520, y: 385 }, cam, V);
    expect(after.x).toBeCloseTo(g.x, 9);
    expect(after.y).toBeCloseTo(g.y, 9);
    expect(cam.ratio).toBeLessThan(start.ratio);
  });

  it("pinch_zoom_stays_within_the_renderers_bounds", () => {
    const far = pinchCamera(CAM, { x: 399, y: 300 }, { x: 401, y: 300 }, { x: 0, y: 300 }, { x: 800, y: 300 }, V);
    expect(far.ratio).toBe(V.minRatio);
    const near = pinchCamera(CAM, { x: 0, y: 300 }, { x: 800, y: 300 }, { x: 400, y: 300 }, { x: 400.5, y: 300 }, V);
    expect(near.ratio).toBe(V.maxRatio);
    // Fingers on one spot do not divide by zero.
    const same = pinchCamera(CAM, { x: 10, y: 10 }, { x: 10, y: 10 }, { x: 10, y: 10 }, { x: 10, y: 10 }, V);
    expect(Number.isFinite(same.x) && Number.isFinite(same.ratio)).toBe(true);
  });

  it("moving_both_fingers_together_pans_without_zooming", () => {
    const cam = pinchCamera(CAM, { x: 300, y: 300 }, { x: 400, y: 300 }, { x: 350, y: 250 }, { x: 450, y: 250 }, V);
    expect(cam.ratio).toBeCloseTo(1);
    expect(cam.x).toBeCloseTo(0.5 - 50 / 500);
    expect(cam.y).toBeCloseTo(0.5 - 50 / 500);
  });

  it("one_finger_drag_moves_the_graph_with_the_finger", () => {
    const start = { x: 0.5, y: 0.5, ratio: 2 };
    const g = graphAt({ x: 100, y: 100 }, start, V);
    const cam = panCamera(start, { x: 100, y: 100 }, { x: 250, y: 40 }, V);
    const after = graphAt({ x: 250, y: 40 }, cam, V);
    expect(after.x).toBeCloseTo(g.x, 9);
    expect(after.y).toBeCloseTo(g.y, 9);
    expect(cam.ratio).toBe(2);
  });
});
