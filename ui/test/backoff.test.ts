import { describe, expect, it } from "vitest";
import { backoffCeiling, backoffDelay, DEFAULT_BACKOFF } from "../src/api/backoff";

describe("backoff", () => {
  it("doubles_from_half_a_second_and_caps_at_30s", () => {
    const c = [0, 1, 2, 3, 4, 5, 6, 7, 20].map((n) => backoffCeiling(n));
    expect(c).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it("jitter_stays_between_half_and_the_full_ceiling", () => {
    for (const a of [0, 3, 10]) {
      const ceil = backoffCeiling(a);
      expect(backoffDelay(a, () => 0)).toBe(ceil / 2);
      expect(backoffDelay(a, () => 0.999999)).toBeLessThanOrEqual(ceil);
      expect(backoffDelay(a, () => 0.999999)).toBeGreaterThan(ceil * 0.99);
    }
  });

  it("two_clients_with_different_luck_do_not_retry_in_lockstep", () => {
    expect(backoffDelay(4, () => 0.1)).not.toBe(backoffDelay(4, () => 0.8));
  });

  it("policy_is_configurable", () => {
    expect(backoffCeiling(3, { ...DEFAULT_BACKOFF, baseMs: 100, factor: 3 })).toBe(2700);
  });
});
