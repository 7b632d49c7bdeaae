import { describe, expect, it } from "vitest";
import { scrollToRow, virtualWindow } from "../src/ui/virtual";

describe("virtual window", () => {
  it("renders_far_fewer_than_200_rows_for_10000_items", () => {
    const w = virtualWindow(0, 800, 28, 10_000, 8);
    expect(w.start).toBe(0);
    expect(w.end - w.start).toBeLessThan(200);
    expect(w.end).toBe(Math.ceil(800 / 28) + 8);
    expect(w.totalHeight).toBe(280_000);
  });

  it("window_in_the_middle_covers_the_viewport_with_overscan", () => {
    const w = virtualWindow(28 * 5000 + 10, 560, 28, 10_000, 5);
    expect(w.start).toBe(4995);
    // 20 rows fit, plus one partly shown at the bottom because of the 10px offset.
    expect(w.end).toBe(5000 + 21 + 5);
    expect(w.offset).toBe(4995 * 28);
  });

  it("clamps_past_the_end_and_before_the_start", () => {
    const end = virtualWindow(10_000_000, 560, 28, 100, 0);
    expect(end.end).toBe(100);
    expect(end.start).toBe(80);
    const neg = virtualWindow(-50, 560, 28, 100, 0);
    expect(neg.start).toBe(0);
    expect(neg.end).toBe(20);
  });

  it("empty_list_renders_nothing", () => {
    expect(virtualWindow(0, 500, 28, 0)).toEqual({ start: 0, end: 0, offset: 0, totalHeight: 0 });
  });

  it("scroll_to_row_moves_minimally", () => {
    expect(scrollToRow(10, 0, 280, 28)).toBe(28 * 11 - 280);
    expect(scrollToRow(2, 280, 280, 28)).toBe(56);
    expect(scrollToRow(12, 280, 280, 28)).toBe(280);
  });
});
