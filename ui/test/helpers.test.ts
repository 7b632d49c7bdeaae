import { describe, expect, it } from "vitest";
import { matchScore } from "../src/ui/palette";
import { toneOf } from "../src/ui/status";
import { parseQuantity } from "../src/views/metrics";
import { kindGlyph, bareKind } from "../src/ui/kinds";
import { parseObjectId } from "../src/api/http";

describe("small helpers a user sees the effect of", () => {
  it("palette_ranks_exact_then_prefix_then_substring", () => {
    const names = ["web-10", "web-1", "api-web-1", "db"];
    const ranked = names.map((n) => [n, matchScore("web-1", n)] as const).filter(([, s]) => s >= 0).sort((a, b) => b[1] - a[1]).map(([n]) => n);
    expect(ranked).toEqual(["web-1", "web-10", "api-web-1"]);
    expect(matchScore("zzz", "web")).toBe(-1);
  });

  it("status_words_map_to_the_right_colour", () => {
    expect(toneOf("Running")).toBe("ok");
    expect(toneOf("CrashLoopBackOff")).toBe("error");
    expect(toneOf("ImagePullBackOff")).toBe("error");
    expect(toneOf("Pending")).toBe("warning");
    expect(toneOf("warning")).toBe("warning");
    expect(toneOf("")).toBe("unknown");
    expect(toneOf("Whatever")).toBe("unknown");
  });

  it("quantities_parse_like_kubernetes", () => {
    expect(parseQuantity("250m")).toBeCloseTo(0.25);
    expect(parseQuantity("64Mi")).toBe(64 * 1024 * 1024);
    expect(parseQuantity("2")).toBe(2);
    expect(parseQuantity("1.5Gi")).toBe(1.5 * 1024 ** 3);
    expect(Number.isNaN(parseQuantity("abc"))).toBe(true);
  });

  it("kind_glyphs_and_ids", () => {
    expect(bareKind("Deployment.apps")).toBe("Deployment");
    expect(kindGlyph("Deployment.apps")).toBe("De");
    expect(kindGlyph("VirtualService.networking.istio.io")).toBe("VS");
    expect(parseObjectId("ClusterRole.rbac.authorization.k8s.io//view")).toEqual({ kind: "ClusterRole.rbac.authorization.k8s.io", namespace: "", name: "view" });
    expect(parseObjectId("Pod/shop/a/b")).toEqual({ kind: "Pod", namespace: "shop", name: "a/b" });
  });
});
