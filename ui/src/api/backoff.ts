// Reconnect delays: exponential growth with a cap, and "equal jitter" so a fleet of
// browsers that lost the same server do not come back in lockstep, while no delay is
// ever shorter than half its step (a dead server is not hammered).

export interface BackoffPolicy {
  baseMs: number;
  factor: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, factor: 2, maxMs: 30_000 };

/** The ceiling for attempt n (0-based), before jitter. */
export function backoffCeiling(attempt: number, p: BackoffPolicy = DEFAULT_BACKOFF): number {
  const n = Math.max(0, Math.floor(attempt));
  return Math.min(p.maxMs, p.baseMs * Math.pow(p.factor, n));
}

/** The delay before reconnect attempt n; random() in [0,1) picks within [ceiling/2, ceiling). */
export function backoffDelay(attempt: number, random: () => number = Math.random, p: BackoffPolicy = DEFAULT_BACKOFF): number {
  const ceiling = backoffCeiling(attempt, p);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling / 2 + (ceiling / 2) * r);
}
