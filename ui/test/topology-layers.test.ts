import { describe, expect, it } from "vitest";
import { ellipsize, framesFromNodes, framesFromServer, type LabelCandidate, type LabelMetrics, placeLabels } from "../src/views/topology-layers";
import { usageOf } from "../src/views/metrics";

// 7 px per character, 10 px per glyph chip: predictable widths without a canvas.
const metrics: LabelMetrics = { text: (s) => s.length * 7, glyph: () => 10, height: 16, maxWidth: 200 };

function cand(id: string, x: number, y: number, rank = 0, force = false): LabelCandidate {
  return { id, x, y, r: 5, rank, text: id, glyph: "Po", force };
}

describe("topology labels and frames", () => {
  it("labels_of_nodes_far_apart_are_all_placed_under_their_node", () => {
    const placed = placeLabels([cand("a", 100, 100), cand("b", 400, 100), cand("c", 100, 300)], metrics, 800, 600);
    expect(placed.map((p) => p.id).sort()).toEqual(["a", "b", "c"]);
    const a = placed.find((p) => p.id === "a")!;
    expect(a.box.y).toBeGreaterThan(100 + 5); // below the disc
    expect(a.box.x + a.box.w / 2).toBeCloseTo(100); // centred
  });

  it("overlapping_labels_keep_the_better_ranked_one", () => {
    const placed = placeLabels([cand("pod-aaaaaaaa", 100, 100, 10), cand("deploy-bbbbbb", 110, 100, 1)], metrics, 800, 600);
    expect(placed.map((p) => p.id)).toEqual(["deploy-bbbbbb"]);
  });

  it("no_placed_label_overlaps_another_or_a_foreign_disc", () => {
    const cands: LabelCandidate[] = [];
    for (let i = 0; i < 200; i++) cands.push(cand(`node-${i}`, (i % 20) * 45, Math.floor(i / 20) * 30, i % 7));
    const placed = placeLabels(cands, metrics, 800, 600);
    expect(placed.length).toBeGreaterThan(10);
    for (const p of placed) {
      for (const q of placed) {
        if (p === q) continue;
        const overlap = p.box.x < q.box.x + q.box.w && q.box.x < p.box.x + p.box.w && p.box.y < q.box.y + q.box.h && q.box.y < p.box.y + p.box.h;
        expect(overlap, `${p.id} / ${q.id}`).toBe(false);
      }
      for (const c of cands) {
        if (c.id === p.id) continue;
        const d = { x: c.x - c.r, y: c.y - c.r, w: 2 * c.r, h: 2 * c.r };
        const overlap = p.box.x < d.x + d.w && d.x < p.box.x + p.box.w && p.box.y < d.y + d.h && d.y < p.box.y + p.box.h;
        expect(overlap, `${p.id} over disc ${c.id}`).toBe(false);
      }
    }
  });

  it("forced_label_is_drawn_even_where_crowded_and_obstacles_are_respected", () => {
    const placed = placeLabels([cand("a", 100, 100, 0), cand("selected", 105, 100, 50, true)], metrics, 800, 600, [{ x: 0, y: 0, w: 800, h: 50 }]);
    expect(placed.map((p) => p.id)).toContain("selected");
  });

  it("a_candidate_whose_spot_is_taken_is_skipped_without_measuring_its_text", () => {
    // Zoomed out on a large graph most candidates have no room: measuring each name
    // (and ellipsizing it) was most of the label time, so a taken spot is seen first.
    const measured: string[] = [];
    const m: LabelMetrics = { ...metrics, text: (s) => (measured.push(s), s.length * 7) };
    const placed = placeLabels([cand("first", 100, 100, 0), cand("blocked-name", 102, 100, 1)], m, 800, 600);
    expect(placed.map((p) => p.id)).toEqual(["first"]);
    expect(measured.some((s) => s.startsWith("blocked") || s.startsWith("bl"))).toBe(false);
  });

  it("long_names_are_cut_with_an_ellipsis_to_the_room", () => {
    expect(ellipsize("frontend-8flhmvmqfw-28ljj", 70, (s) => s.length * 7)).toBe("frontend-…");
    expect(ellipsize("db", 70, (s) => s.length * 7)).toBe("db");
  });

  it("frames_enclose_each_namespace_with_room_for_the_slot_and_title", () => {
    const frames = framesFromNodes([
      { x: 100, y: 300, namespace: "shop" },
      { x: 540, y: 520, namespace: "shop" },
      { x: 100, y: 900, namespace: "payments" },
      { x: 100, y: 100, namespace: "" },
    ]);
    expect(frames.map((f) => f.title)).toEqual(["(cluster)", "shop", "payments"]);
    const shop = frames[1]!;
    expect(shop.x).toBeLessThan(100);
    expect(shop.x + shop.w).toBeGreaterThan(540);
    expect(shop.y).toBeLessThan(300);
    expect(shop.y + shop.h).toBeGreaterThan(520);
  });

  it("server_groups_are_used_as_sent", () => {
    const f = framesFromServer([
      { kind: "namespace", namespace: "shop", name: "shop", x: 0, y: 0, w: 3022, h: 2132 },
      { kind: "app", namespace: "shop", name: "cart", x: 338, y: 56, w: 1032, h: 552 },
      { x: 0, y: 0, w: 0, h: 10 },
    ]);
    expect(f).toHaveLength(2);
    expect(f[0]).toMatchObject({ title: "shop", level: "namespace", x: 0, y: 0, w: 3022, h: 2132 });
    expect(f[1]).toMatchObject({ title: "cart", level: "app", x: 338, y: 56 });
  });

  it("metrics_answer_of_the_server_gives_usage_and_history", () => {
    const res = {
      items: [
        { namespace: "payments", name: "api", cpuMillicores: 54.1, memoryBytes: 87540736, history: [[1, 82.4, 97286144], [2, 52.6, 89998336]] },
        { namespace: "shop", name: "api", cpuMillicores: 1, memoryBytes: 1 },
      ],
    };
    const u = usageOf(res, "payments", "api")!;
    expect(u.cpu).toBeCloseTo(0.0541);
    expect(u.mem).toBe(87540736);
    expect(u.history.map((s) => s.cpu)).toEqual([0.0824, 0.0526]);
    const raw = usageOf({ items: [{ metadata: { name: "x", namespace: "n" }, containers: [{ usage: { cpu: "250m", memory: "64Mi" } }] }] }, "n", "x")!;
    expect(raw.cpu).toBeCloseTo(0.25);
    expect(raw.mem).toBe(64 * 1024 * 1024);
  });
});
