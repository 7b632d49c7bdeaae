// CPU and memory history of a pod or node from the cluster's Prometheus, through the
// server's named queries (GET /clusters/{c}/metrics/query/{name}: pod_cpu, pod_memory,
// node_cpu, node_memory over the last hour) — shown in the detail panel when the cluster
// has `prometheus: true`. Each chart is fetched and shown on its own: an error (501 no
// Prometheus, 502 unreachable or its error, 504 timeout, 403) replaces that chart with
// its message and a Retry, and nothing is ever drawn that Prometheus did not answer —
// null samples (NaN, ±Inf) are gaps, not zeros.
//
// The pure parts (which queries, the answer → points, the chart's geometry) are
// unit-tested in ui/test/prom-history.test.ts against a mocked fetch.

import type { ApiError } from "../api/errors";
import type { ApiClient } from "../api/http";
import type { PromQueryResult } from "../api/types";
import { h, replaceChildren } from "../ui/dom";
import { asApiError, errorBanner } from "../ui/error-view";

export const HISTORY_RANGE = "1h";
/** Prometheus is asked again this often while the summary stays open. */
const REFRESH_MS = 60_000;

export type Point = [number, number | null];

export interface HistoryQuery {
  /** The named query: pod_cpu, pod_memory, node_cpu, node_memory. */
  name: string;
  what: "cpu" | "memory";
  params: { namespace?: string; pod?: string; node?: string };
}

/** The named queries for an object's history; none for kinds that have none. */
export function historyQueries(kind: string, namespace: string, name: string): HistoryQuery[] {
  if (kind === "Pod")
    return [
      { name: "pod_cpu", what: "cpu", params: { namespace, pod: name } },
      { name: "pod_memory", what: "memory", params: { namespace, pod: name } },
    ];
  if (kind === "Node")
    return [
      { name: "node_cpu", what: "cpu", params: { node: name } },
      { name: "node_memory", what: "memory", params: { node: name } },
    ];
  return [];
}

export type HistoryResult =
  | { ok: true; query: string; unit: string; points: Point[]; truncated: boolean; rangeSeconds: number }
  | { ok: false; query: string; error: ApiError };

/**
 * The answer's samples. pod_* and node_* queries sum to one series; should an answer
 * hold several, they are added point by point where every series has a value (a gap in
 * any stays a gap), never filled in.
 */
export function pointsOf(res: PromQueryResult): Point[] {
  const series = (res.series ?? []).filter((s) => Array.isArray(s.points));
  if (!series.length) return [];
  if (series.length === 1) return series[0]!.points.filter((p) => Array.isArray(p) && typeof p[0] === "number").map((p) => [p[0], typeof p[1] === "number" && Number.isFinite(p[1]) ? p[1] : null]);
  const sums = new Map<number, number | null>();
  const seen = new Map<number, number>();
  for (const s of series)
    for (const [t, v] of s.points) {
      seen.set(t, (seen.get(t) ?? 0) + 1);
      const cur = sums.has(t) ? sums.get(t)! : 0;
      sums.set(t, cur === null || typeof v !== "number" || !Number.isFinite(v) ? null : cur + v);
    }
  return [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([t, v]) => [t, seen.get(t) === series.length ? v : null]);
}

/** Runs one history query; failures come back as values, with the server's error. */
export async function fetchHistory(api: ApiClient, cluster: string, q: HistoryQuery, signal?: AbortSignal): Promise<HistoryResult> {
  try {
    const res = await api.promQuery(cluster, q.name, { ...q.params, range: HISTORY_RANGE }, signal);
    return { ok: true, query: q.name, unit: res.unit, points: pointsOf(res), truncated: !!res.truncated, rangeSeconds: res.rangeSeconds ?? 3600 };
  } catch (e) {
    return { ok: false, query: q.name, error: asApiError(e) };
  }
}

/** The last value Prometheus gave (not a gap), or null. */
export function lastValue(points: Point[]): number | null {
  for (let i = points.length - 1; i >= 0; i--) {
    const v = points[i]![1];
    if (v !== null) return v;
  }
  return null;
}

export interface ChartGeometry {
  /** Polylines, one per run of samples without a gap, in chart pixels. */
  segments: [number, number][][];
  /** Samples drawn as dots (a value with gaps on both sides has no line). */
  dots: [number, number][];
  max: number;
  t0: number;
  t1: number;
}

/**
 * Lays points out in a w × h box: time across (t0 → t1, the query's window when given),
 * value up from 0 to the largest value. Gaps break the line.
 */
export function chartGeometry(points: Point[], w: number, hgt: number, window?: { t0: number; t1: number }): ChartGeometry {
  const ts = points.map((p) => p[0]);
  const t0 = window?.t0 ?? (ts.length ? Math.min(...ts) : 0);
  const t1 = window?.t1 ?? (ts.length ? Math.max(...ts) : 1);
  let max = 0;
  for (const [, v] of points) if (v !== null && v > max) max = v;
  const span = Math.max(1, t1 - t0);
  const top = max > 0 ? max : 1;
  const x = (t: number) => ((t - t0) / span) * w;
  const y = (v: number) => hgt - 1 - (v / top) * (hgt - 2);
  const segments: [number, number][][] = [];
  let cur: [number, number][] = [];
  for (const [t, v] of points) {
    if (v === null) {
      if (cur.length) segments.push(cur);
      cur = [];
      continue;
    }
    cur.push([x(t), y(v)]);
  }
  if (cur.length) segments.push(cur);
  return { segments: segments.filter((s) => s.length > 1), dots: segments.filter((s) => s.length === 1).map((s) => s[0]!), max, t0, t1 };
}

export function formatValue(what: "cpu" | "memory", v: number | null): string {
  if (v === null) return "—";
  if (what === "cpu") return v >= 1 ? `${v.toFixed(2)} cores` : `${(v * 1000).toFixed(v * 1000 >= 10 ? 0 : 1)}m`;
  if (v >= 1024 ** 3) return `${(v / 1024 ** 3).toFixed(2)} GiB`;
  if (v >= 1024 ** 2) return `${(v / 1024 ** 2).toFixed(0)} MiB`;
  return `${(v / 1024).toFixed(0)} KiB`;
}

const SVG = "http://www.w3.org/2000/svg";

function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** A line chart of one query's answer, with its window, the maximum and the last value. */
function historyChart(res: Extract<HistoryResult, { ok: true }>, what: "cpu" | "memory", title: string): HTMLElement {
  const w = 240;
  const hgt = 56;
  // The window ends at the last sample (the server's clock, not this browser's).
  const t1 = res.points.length ? res.points[res.points.length - 1]![0] : Date.now();
  const g = chartGeometry(res.points, w, hgt, { t0: t1 - res.rangeSeconds * 1000, t1 });
  const svg = svgEl("svg", { viewBox: `0 0 ${w} ${hgt}`, width: w, height: hgt, role: "img", class: "history-svg" });
  svg.setAttribute("aria-label", `${title} over the last hour from Prometheus, up to ${formatValue(what, g.max)}`);
  svg.appendChild(svgEl("line", { x1: 0, y1: hgt - 0.5, x2: w, y2: hgt - 0.5, class: "history-axis" }));
  for (const seg of g.segments) svg.appendChild(svgEl("polyline", { points: seg.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" "), fill: "none", stroke: "currentColor", "stroke-width": 1.5 }));
  for (const [x, y] of g.dots) svg.appendChild(svgEl("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 1.5, fill: "currentColor" }));
  const values = res.points.filter((p) => p[1] !== null).length;
  return h(
    "figure",
    { class: "history", dataset: { query: res.query, points: String(res.points.length), values: String(values) } },
    h("figcaption", null, h("span", null, title), " ", h("strong", null, formatValue(what, lastValue(res.points))), h("span", { class: "muted small" }, ` · max ${formatValue(what, g.max)} · 1 h`)),
    values ? svg : h("p", { class: "muted small" }, "Prometheus has no samples for the last hour."),
    res.truncated ? h("p", { class: "muted small" }, "Prometheus's answer was cut (truncated).") : null,
  );
}

/**
 * Shows the history charts of one pod or node in `box` and refreshes them every minute;
 * returns the stop function. Each chart fails on its own, with a Retry.
 */
export function startHistory(api: ApiClient, cluster: string, kind: string, namespace: string, name: string, box: HTMLElement): () => void {
  const queries = historyQueries(kind, namespace, name);
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const ac = new AbortController();
  const slots = queries.map((q) => h("div", { class: "history-slot", dataset: { query: q.name } }, h("p", { class: "muted small" }, `Loading ${q.what} history…`)));
  replaceChildren(box, slots);

  async function load(i: number): Promise<void> {
    const q = queries[i]!;
    const title = q.what === "cpu" ? "CPU" : "Memory";
    const res = await fetchHistory(api, cluster, q, ac.signal);
    if (stopped) return;
    if (res.ok) replaceChildren(slots[i]!, historyChart(res, q.what, title));
    else
      replaceChildren(
        slots[i]!,
        h("p", { class: "small" }, `${title} history (Prometheus):`),
        errorBanner(res.error, [{ label: "Retry", run: () => void load(i) }], true),
      );
  }

  async function all(): Promise<void> {
    await Promise.all(queries.map((_, i) => load(i)));
    if (!stopped) timer = setTimeout(() => void all(), REFRESH_MS);
  }
  void all();
  return () => {
    stopped = true;
    ac.abort();
    if (timer) clearTimeout(timer);
  };
}
