// bench/ui/bench.mjs — the web UI in headless Chromium (playwright-core, /usr/bin/chromium)
// against a running `kubilitics serve` (KUBILITICS_URL) with the clusters started by
// bench/ui/run.sh. Prints one JSON object with the figures; run.sh records them.
//   node bench/ui/bench.mjs STAGE…     stages: ref demo k1 k10 k10webgl k50 churn
//
// Every stage runs in its own browser context under a time limit (STAGE_LIMITS, seconds;
// BENCH_UI_SCALE multiplies them): a stage that runs out is closed and recorded as
// "did not finish in N s" with whatever it measured before, and the next stage runs.
//
// Measures, each with a reference taken in the same run:
//   ref      an empty page's animation-frame interval (the browser's floor on this machine);
//   demo     time to first topology paint of the demo (navigation start → first frame with
//            nodes), median of 3; pan and still frame times; JS heap; then the same in
//            sigma's WebGL renderer (forced), first paint and pan;
//   k1       a ~1,000-node graph, panned the same way (reference for the 10k pan), and
//            forced into WebGL for a few frames;
//   k10      ~10,000 nodes: first paint, first complete picture (relations and labels
//            drawn), pan frame times, JS heap after GC, screenshot;
//   k10webgl the same graph forced into the WebGL renderer (no large-graph mode), a few
//            frames: what the level of detail saves;
//   k50      ~50,000 nodes: renders at all (nodes drawn, a frame drawn), first paint,
//            pan frame times, JS heap, screenshot;
//   churn    ~10,000 nodes with kubesim --churn 100: frame times while deltas stream in,
//            camera still and panning, and the delta messages per second received.
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const require = createRequire(new URL("../../ui/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const BASE = (process.env.KUBILITICS_URL ?? "").replace(/\/$/, "");
const ART = process.env.BENCH_ARTIFACTS ?? path.join(os.tmpdir(), "kubilitics-bench-ui");
const PAN_FRAMES = Number(process.env.PAN_FRAMES ?? 120);
const SCALE = Number(process.env.BENCH_UI_SCALE ?? 1);
const STAGE_LIMITS = { ref: 30, demo: 60, k1: 60, k10: 90, k10webgl: 60, k50: 150, churn: 90 };
const stages = process.argv.slice(2);
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
  return { frames: xs.length, meanMs: +mean.toFixed(2), p50Ms: +pct(xs, 50).toFixed(2), p95Ms: +pct(xs, 95).toFixed(2), maxMs: +Math.max(...xs).toFixed(1), fps: +(1000 / mean).toFixed(1) };
}

class StageTimeout extends Error {}

/**
 * Runs one stage under its time limit. `fn(out, contexts)` fills `out` as it goes and
 * registers the browser contexts it opens, so a stage that runs out is closed and keeps
 * what it measured.
 */
async function stage(name, fn) {
  const limit = Math.round((STAGE_LIMITS[name] ?? 60) * SCALE);
  const out = {};
  const contexts = [];
  const t0 = Date.now();
  let timer;
  const run = fn(out, contexts);
  run.catch(() => {}); // after a timeout its failures are expected (contexts closed)
  try {
    await Promise.race([run, new Promise((_, rej) => (timer = setTimeout(() => rej(new StageTimeout()), limit * 1000)))]);
  } catch (e) {
    if (e instanceof StageTimeout) out.didNotFinish = `did not finish in ${limit} s`;
    else out.error = String(e && e.message ? e.message : e).split("\n")[0];
  } finally {
    clearTimeout(timer);
    for (const c of contexts) await c.close().catch(() => {});
  }
  out.stageSeconds = +((Date.now() - t0) / 1000).toFixed(1);
  console.error(`bench/ui: ${name} ${out.didNotFinish ?? out.error ?? "done"} (${out.stageSeconds} s)`);
  return out;
}

async function newPage(contexts) {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  contexts.push(ctx);
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
  return { ctx, page, errors };
}

/** Opens a topology; fills out.firstPaintMs (navigation start → first frame with nodes). */
async function openTopology(contexts, cluster, query = "") {
  const o = await newPage(contexts);
  await o.page.goto(`${BASE}/#/c/${encodeURIComponent(cluster)}/topology${query}`);
  await o.page.waitForFunction(() => window.__firstPaint !== undefined, null, { timeout: 0, polling: 50 });
  o.firstPaintMs = Math.round(await o.page.evaluate(() => window.__firstPaint));
  o.nodes = await o.page.evaluate(() => ({ store: window.kubiliticsTopology.nodes().length, drawn: window.kubiliticsTopology.drawnNodes(), edges: window.kubiliticsTopology.drawnEdges() }));
  return o;
}

/** Waits until the view is settled (relations and labels drawn); ms since navigation start. */
async function settled(page) {
  await page.waitForFunction(() => window.kubiliticsTopology.lod().settled, null, { timeout: 0, polling: 50 });
  return Math.round(await page.evaluate(() => performance.now()));
}

/** Frame intervals over n animation frames; panning moves the camera every frame, as a drag does. */
async function frameTimes(page, n, panning) {
  return page.evaluate(
    ({ n, panning }) =>
      new Promise((resolve) => {
        const out = [];
        let last = 0;
        let i = 0;
        const r0 = window.kubiliticsTopology ? window.kubiliticsTopology.renders() : 0;
        const step = (t) => {
          if (last) out.push(t - last);
          last = t;
          if (panning) window.kubiliticsTopology.pan(i % 120 < 60 ? 0.01 : -0.01, 0.004 * Math.sin(i / 10));
          if (++i <= n) requestAnimationFrame(step);
          else resolve({ out, renders: window.kubiliticsTopology ? window.kubiliticsTopology.renders() - r0 : 0 });
        };
        requestAnimationFrame(step);
      }),
    { n, panning },
  );
}

async function framesSummary(page, n, panning) {
  const { out, renders } = await frameTimes(page, n, panning);
  return { ...summary(out), renders };
}

async function heapMB(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("HeapProfiler.collectGarbage");
  const { usedSize } = await cdp.send("Runtime.getHeapUsage");
  await cdp.detach();
  return +(usedSize / 1048576).toFixed(1);
}

const lod = (page) => page.evaluate(() => window.kubiliticsTopology.lod());

const runners = {
  async ref(out, contexts) {
    const o = await newPage(contexts);
    await o.page.setContent("<!doctype html><title>empty</title><p>empty page</p>");
    const { out: xs } = await o.page.evaluate(
      (n) =>
        new Promise((resolve) => {
          const out = [];
          let last = 0;
          let i = 0;
          const step = (t) => {
            if (last) out.push(t - last);
            last = t;
            if (++i <= n) requestAnimationFrame(step);
            else resolve({ out });
          };
          requestAnimationFrame(step);
        }),
      PAN_FRAMES,
    );
    out.frames = summary(xs);
    out.gl = await o.page.evaluate(() => {
      const gl = document.createElement("canvas").getContext("webgl");
      if (!gl) return "no WebGL";
      const ext = gl.getExtension("WEBGL_debug_renderer_info");
      return String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    });
  },

  async demo(out, contexts) {
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const o = await openTopology(contexts, "demo");
      runs.push(o.firstPaintMs);
      out.firstPaintMs = runs;
      out.firstPaintMedianMs = pct(runs, 50);
      if (i === 2) {
        out.nodes = o.nodes;
        out.mode = await o.page.evaluate(() => window.kubiliticsTopology.mode());
        out.settledMs = await settled(o.page);
        await o.page.waitForTimeout(300);
        out.pan = await framesSummary(o.page, PAN_FRAMES, true);
        await settled(o.page);
        out.idle = await framesSummary(o.page, 60, false);
        out.heapMB = await heapMB(o.page);
        out.errors = o.errors;
      }
      await o.ctx.close();
    }
    // The same view in sigma's WebGL renderer (what a browser with a GPU gets).
    const w = await openTopology(contexts, "demo", "?render=webgl");
    out.webgl = { firstPaintMs: w.firstPaintMs };
    await w.page.waitForTimeout(500);
    out.webgl.pan = await framesSummary(w.page, 30, true);
    out.errors = (out.errors ?? []).concat(w.errors);
  },

  async k1(out, contexts) {
    const o = await openTopology(contexts, "k1");
    Object.assign(out, { nodes: o.nodes, firstPaintMs: o.firstPaintMs, mode: await o.page.evaluate(() => window.kubiliticsTopology.mode()) });
    out.settledMs = await settled(o.page);
    await o.page.waitForTimeout(300);
    out.pan = await framesSummary(o.page, PAN_FRAMES, true);
    // The same graph in sigma's WebGL renderer, a few frames.
    const w = await openTopology(contexts, "k1", "?render=webgl");
    await w.page.waitForTimeout(500);
    out.webgl = { firstPaintMs: w.firstPaintMs, pan: await framesSummary(w.page, 10, true) };
    out.errors = o.errors.concat(w.errors);
  },

  async k10(out, contexts) {
    const o = await openTopology(contexts, "k10");
    Object.assign(out, { nodes: o.nodes, firstPaintMs: o.firstPaintMs, mode: await o.page.evaluate(() => window.kubiliticsTopology.mode()) });
    out.settledMs = await settled(o.page);
    out.lodStill = await lod(o.page);
    await o.page.waitForTimeout(500);
    out.pan = await framesSummary(o.page, PAN_FRAMES, true);
    out.lodMoving = await lod(o.page);
    await settled(o.page);
    out.idle = await framesSummary(o.page, 60, false);
    await o.page.waitForTimeout(500);
    out.heapMB = await heapMB(o.page);
    await settled(o.page);
    await o.page.screenshot({ path: path.join(ART, "k10.png") });
    out.errors = o.errors;
  },

  async k10webgl(out, contexts) {
    const o = await openTopology(contexts, "k10", "?render=webgl");
    Object.assign(out, { nodes: o.nodes, firstPaintMs: o.firstPaintMs, mode: await o.page.evaluate(() => window.kubiliticsTopology.mode()) });
    await o.page.waitForTimeout(1000);
    out.pan = await framesSummary(o.page, 8, true);
    out.errors = o.errors;
  },

  async k50(out, contexts) {
    const o = await openTopology(contexts, "k50");
    Object.assign(out, { nodes: o.nodes, firstPaintMs: o.firstPaintMs, mode: await o.page.evaluate(() => window.kubiliticsTopology.mode()) });
    out.settledMs = await settled(o.page);
    out.lodStill = await lod(o.page);
    await o.page.waitForTimeout(500);
    out.pan = await framesSummary(o.page, 60, true);
    out.heapMB = await heapMB(o.page);
    await settled(o.page);
    await o.page.screenshot({ path: path.join(ART, "k50.png") });
    out.errors = o.errors;
  },

  async churn(out, contexts) {
    const o = await openTopology(contexts, "churn");
    Object.assign(out, { nodes: o.nodes, firstPaintMs: o.firstPaintMs, mode: await o.page.evaluate(() => window.kubiliticsTopology.mode()) });
    await settled(o.page);
    await o.page.waitForTimeout(1000);
    const deltas = () => o.page.evaluate(() => window.kubiliticsTopology.deltas());
    const d0 = await deltas();
    const t0 = Date.now();
    out.idle = await framesSummary(o.page, PAN_FRAMES, false);
    const d1 = await deltas();
    const t1 = Date.now();
    out.deltaMessagesPerSec = +((d1 - d0) / ((t1 - t0) / 1000)).toFixed(1);
    out.pan = await framesSummary(o.page, PAN_FRAMES, true);
    out.deltaMessagesPerSecPanning = +(((await deltas()) - d1) / ((Date.now() - t1) / 1000)).toFixed(1);
    out.errors = o.errors;
  },
};

const r = { chromium: browser.version() };
for (const name of stages) {
  if (!runners[name]) {
    console.error(`bench/ui: unknown stage ${name}`);
    continue;
  }
  r[name] = await stage(name, runners[name]);
}
await browser.close();
console.log(JSON.stringify(r));
