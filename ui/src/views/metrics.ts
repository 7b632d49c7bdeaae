// CPU and memory of one pod or node, sampled from the metrics endpoint while its summary
// is open, drawn as small SVG sparklines. The metrics API is not a push source, so this
// is the one place the UI polls; 501 metrics_unavailable is shown once and polling stops.

import type { Ctx } from "../context";
import { h, replaceChildren } from "../ui/dom";
import { asApiError, errorBanner } from "../ui/error-view";

/** Parses a Kubernetes quantity: "250m" → 0.25, "64Mi" → 67108864. */
export function parseQuantity(q: unknown): number {
  if (typeof q === "number") return q;
  if (typeof q !== "string") return NaN;
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  const mult: Record<string, number> = { "": 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  const f = mult[m[2] ?? ""];
  return f === undefined ? NaN : n * f;
}

interface Sample {
  cpu: number;
  mem: number;
}

interface Usage extends Sample {
  /** Earlier samples the server kept (oldest first), when it sends them. */
  history: Sample[];
}

/**
 * Finds one object's usage in a metrics answer. Kubilitics answers
 * `{items:[{namespace, name, cpuMillicores, memoryBytes, history:[[ms, mcpu, bytes]…]}]}`;
 * raw metrics.k8s.io lists (`usage: {cpu: "250m", memory: "64Mi"}` per container) are read too.
 */
export function usageOf(list: unknown, namespace: string, name: string): Usage | null {
  const items = (Array.isArray(list) ? list : ((list as { items?: unknown[] })?.items ?? [])) as Record<string, unknown>[];
  for (const it of items) {
    const meta = (it.metadata ?? {}) as { name?: string; namespace?: string };
    const nm = (it.name as string | undefined) ?? meta.name;
    const ns = (it.namespace as string | undefined) ?? meta.namespace ?? "";
    if (nm !== name || (namespace && ns !== namespace)) continue;
    const history: Sample[] = [];
    if (Array.isArray(it.history))
      for (const hst of it.history as unknown[]) {
        if (Array.isArray(hst) && hst.length >= 3) history.push({ cpu: Number(hst[1]) / 1000, mem: Number(hst[2]) });
      }
    if (typeof it.cpuMillicores === "number" || typeof it.memoryBytes === "number")
      return { cpu: Number(it.cpuMillicores ?? 0) / 1000, mem: Number(it.memoryBytes ?? 0), history };
    const containers = (it.containers ?? [it]) as { usage?: { cpu?: unknown; memory?: unknown }; cpu?: unknown; memory?: unknown; cpuMillicores?: number; memoryBytes?: number }[];
    let cpu = 0;
    let mem = 0;
    for (const c of containers) {
      cpu += c.cpuMillicores !== undefined ? c.cpuMillicores / 1000 : parseQuantity(c.usage?.cpu ?? c.cpu) || 0;
      mem += c.memoryBytes !== undefined ? c.memoryBytes : parseQuantity(c.usage?.memory ?? c.memory) || 0;
    }
    return { cpu, mem, history };
  }
  return null;
}

export function sparkline(values: number[], label: string): SVGSVGElement {
  const w = 160;
  const hgt = 32;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${hgt}`);
  svg.setAttribute("width", String(w));
  svg.setAttribute("height", String(hgt));
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  const max = Math.max(...values, 1e-9);
  const pts = values.map((v, i) => `${(i / Math.max(1, values.length - 1)) * w},${hgt - 2 - (v / max) * (hgt - 4)}`).join(" ");
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", pts);
  line.setAttribute("fill", "none");
  line.setAttribute("stroke", "currentColor");
  line.setAttribute("stroke-width", "1.5");
  svg.appendChild(line);
  return svg;
}

export function startMetrics(
  ctx: Ctx,
  cluster: string,
  what: "pods" | "nodes",
  namespace: string,
  name: string,
  box: HTMLElement,
  draw: typeof sparkline,
  /** Called instead of saying "no metrics server" (the panel has another source: Prometheus). */
  onUnavailable?: () => void,
): () => void {
  const samples: Sample[] = [];
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const fmtMem = (b: number) => (b >= 1024 ** 3 ? `${(b / 1024 ** 3).toFixed(2)} GiB` : `${(b / 1024 ** 2).toFixed(0)} MiB`);
  async function poll(): Promise<void> {
    try {
      const res = await ctx.api.metrics(cluster, what, what === "pods" ? namespace : undefined);
      if (stopped) return;
      const s = usageOf(res, what === "pods" ? namespace : "", name);
      // The server's history fills the line at once; later polls append.
      if (s && !samples.length && s.history.length) samples.push(...s.history.slice(-40));
      else if (s) samples.push({ cpu: s.cpu, mem: s.mem });
      while (samples.length > 40) samples.shift();
      const last = samples[samples.length - 1];
      replaceChildren(
        box,
        last
          ? [
              h("div", { class: "spark" }, h("span", null, `CPU ${(last.cpu * 1000).toFixed(0)}m`), draw(samples.map((x) => x.cpu), "CPU over time")),
              h("div", { class: "spark" }, h("span", null, `Memory ${fmtMem(last.mem)}`), draw(samples.map((x) => x.mem), "Memory over time")),
            ]
          : h("p", { class: "muted" }, "No usage reported for this object yet."),
      );
      // Quick samples first so a line appears while the panel is looked at, then every 15 s.
      timer = setTimeout(() => void poll(), samples.length < 3 ? 3_000 : 15_000);
    } catch (e) {
      if (stopped) return;
      const err = asApiError(e);
      if (err.code === "metrics_unavailable" && onUnavailable) onUnavailable();
      else if (err.code === "metrics_unavailable") replaceChildren(box, h("p", { class: "muted" }, "This cluster has no metrics server, so there is no CPU or memory usage."));
      else replaceChildren(box, errorBanner(err, [{ label: "Retry", run: () => void poll() }], true));
    }
  }
  void poll();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
