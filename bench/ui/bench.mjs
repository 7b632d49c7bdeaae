// bench/ui/bench.mjs — the web UI in headless Chromium (playwright-core, /usr/bin/chromium)
// against a running `kubilitics serve` (KUBILITICS_URL) with the clusters started by
// bench/ui/run.sh. Prints one JSON object with the figures; run.sh records them.
//
// Measures, each with a reference taken in the same run:
//   - time to first topology paint of the demo (navigation start → first sigma frame
//     with nodes), and of the 10k graph;
//   - frame times while panning (the camera moved every animation frame, as a drag does)
//     on the 10k graph, against the same pan on the demo (~100 visible nodes);
//   - frame times while the 10k churn cluster streams deltas (~100 changes/s), idle camera;
//   - JS heap (after GC) with the 10k and the 50k graph open, against the demo page;
//   - that the 50k graph renders at all (nodes drawn, a frame drawn, screenshot kept).
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const require = createRequire(new URL("../../ui/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const BASE = (process.env.KUBILITICS_URL ?? "").replace(/\/$/, "");
const ART = process.env.BENCH_ARTIFACTS ?? path.join(os.tmpdir(), "kubilitics-bench-ui");
const PAN_FRAMES = Number(process.env.PAN_FRAMES ?? 90);
if (!BASE) {
  console.error("KUBILITICS_URL is not set");
  process.exit(2);
}
fs.mkdirSync(ART, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--enable-precise-memory-info"],
});

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
function summary(xs) {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { frames: xs.length, meanMs: +mean.toFixed(2), p50Ms: +pct(xs, 50).toFixed(2), p95Ms: +pct(xs, 95).toFixed(2), fps: +(1000 / mean).toFixed(1) };
}

/** Opens a topology; returns the page, and ms from navigation start to the first frame with nodes. */
async function openTopology(cluster, query = "") {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await ctx.addInitScript(() => {
    localStorage.setItem("kubilitics.theme", "dark");
    // Polls each animation frame for the first drawn frame that has nodes.
    const tick = () => {
      const t = window.kubiliticsTopology;
      if (t && t.drawnNodes() > 0 && t.renders() > 0) window.__firstPaint = performance.now();
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${BASE}/#/c/${encodeURIComponent(cluster)}/topology${query}`);
  await page.waitForFunction(() => window.__firstPaint !== undefined, null, { timeout: 180_000, polling: 50 });
  const firstPaintMs = await page.evaluate(() => window.__firstPaint);
  const nodes = await page.evaluate(() => ({ store: window.kubiliticsTopology.nodes().length, drawn: window.kubiliticsTopology.drawnNodes(), edges: window.kubiliticsTopology.drawnEdges() }));
  return { ctx, page, errors, firstPaintMs: Math.round(firstPaintMs), nodes };
}

/** Frame intervals over n animation frames; `each` runs at the start of every frame. */
async function frameTimes(page, n, panning) {
  return page.evaluate(
    ({ n, panning }) =>
      new Promise((resolve) => {
        const out = [];
        let last = 0;
        let i = 0;
        const step = (t) => {
          if (last) out.push(t - last);
          last = t;
          if (panning) window.kubiliticsTopology.pan(i % 120 < 60 ? 0.01 : -0.01, 0.004 * Math.sin(i / 10));
          if (++i <= n) requestAnimationFrame(step);
          else resolve(out);
        };
        requestAnimationFrame(step);
      }),
    { n, panning },
  );
}

async function heapMB(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("HeapProfiler.collectGarbage");
  const { usedSize } = await cdp.send("Runtime.getHeapUsage");
  await cdp.detach();
  return +(usedSize / 1048576).toFixed(1);
}

const r = { chromium: browser.version(), gl: "SwiftShader (software WebGL; headless, --disable-gpu)" };

// Reference and first paint: the demo.
{
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const o = await openTopology("demo");
    runs.push(o.firstPaintMs);
    if (i === 2) {
      await o.page.waitForTimeout(500);
      r.demo = { nodes: o.nodes, firstPaintMs: runs, firstPaintMedianMs: pct(runs, 50) };
      r.demo.pan = summary(await frameTimes(o.page, PAN_FRAMES, true));
      r.demo.idle = summary(await frameTimes(o.page, 60, false));
      r.demo.heapMB = await heapMB(o.page);
      r.demo.errors = o.errors;
    }
    await o.ctx.close();
  }
}

// 10k: first paint, pan, heap.
{
  const o = await openTopology(process.env.BIG10 ?? "k10");
  await o.page.waitForTimeout(1000);
  r.k10 = { nodes: o.nodes, firstPaintMs: o.firstPaintMs };
  r.k10.pan = summary(await frameTimes(o.page, PAN_FRAMES, true));
  await o.page.waitForTimeout(500);
  r.k10.heapMB = await heapMB(o.page);
  await o.page.screenshot({ path: path.join(ART, "k10.png") });
  r.k10.errors = o.errors;
  await o.ctx.close();
}

// 10k with churn: frames while deltas stream in.
{
  const o = await openTopology(process.env.CHURN ?? "churn");
  await o.page.waitForTimeout(1500);
  const d0 = await o.page.evaluate(() => window.kubiliticsTopology.deltas());
  const t0 = Date.now();
  const idle = await frameTimes(o.page, PAN_FRAMES, false);
  const secs = (Date.now() - t0) / 1000;
  const d1 = await o.page.evaluate(() => window.kubiliticsTopology.deltas());
  const pan = await frameTimes(o.page, PAN_FRAMES, true);
  r.churn = { nodes: o.nodes, deltaMessagesPerSec: +((d1 - d0) / secs).toFixed(1), idle: summary(idle), pan: summary(pan), errors: o.errors };
  await o.ctx.close();
}

// 50k: renders at all; heap.
{
  const o = await openTopology(process.env.BIG50 ?? "k50");
  await o.page.waitForTimeout(1000);
  r.k50 = { nodes: o.nodes, firstPaintMs: o.firstPaintMs };
  r.k50.pan = summary(await frameTimes(o.page, 60, true));
  r.k50.heapMB = await heapMB(o.page);
  await o.page.screenshot({ path: path.join(ART, "k50.png") });
  r.k50.errors = o.errors;
  await o.ctx.close();
}

await browser.close();
console.log(JSON.stringify(r));
