import { describe, expect, it } from "vitest";
import { contrastRatio } from "../src/ui/contrast";
import { EDGE_TYPES, PALETTES } from "../src/ui/theme";

describe("themes meet WCAG 2.1 AA", () => {
  for (const [name, p] of Object.entries(PALETTES)) {
    it(`${name}_text_colours_have_4_5_to_1_on_every_surface`, () => {
      for (const bg of [p.bg, p.surface, p.surface2, p.frame]) {
        for (const fg of [p.text, p.muted, p.ok, p.warning, p.error, p.unknown, p.accent]) {
          expect(contrastRatio(fg, bg), `${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
        }
      }
      expect(contrastRatio(p.accentText, p.accent)).toBeGreaterThanOrEqual(4.5);
    });

    it(`${name}_graph_colours_have_3_to_1_on_the_canvas`, () => {
      for (const bg of [p.bg, p.frame]) {
        for (const c of Object.values(p.node)) expect(contrastRatio(c, bg), c).toBeGreaterThanOrEqual(3);
        for (const t of EDGE_TYPES) expect(contrastRatio(p.edge[t]!, bg), t).toBeGreaterThanOrEqual(3);
      }
    });
  }

  it("contrast_ratio_matches_known_values", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#777777", "#ffffff")).toBeCloseTo(4.48, 2);
  });
});
