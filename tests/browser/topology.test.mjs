// The topology view draws what the server's topology says (compared through the page's
// own data, not pixels), saves a screenshot, and applies a scale-up within 2 s; sigma's
// WebGL renderer works when asked for; a large graph engages the large-graph mode
// (points renderer) and search, hover and panning still work there.

import { execSync } from "node:child_process";
import { api, assert, assertEq, hashFor, launch, pickCluster, screenshot, skip, until } from "./lib.mjs";

async function openTopology(b, cluster) {
  await b.page.goto(hashFor(cluster, "topology"));
  await until(() => b.page.evaluate(() => window.kubiliticsTopology && window.kubiliticsTopology.drawnNodes() > 0), 10_000, "graph drawn");
}

export async function topology_renders_the_servers_nodes_and_edges() {
  const c = await pickCluster();
  const { json: topo, status } = await api(`/clusters/${encodeURIComponent(c.id)}/topology`);
  assert(status === 200, `GET topology answered ${status}`);
  if (!topo.nodes.length) skip("the cluster's topology is empty");
  const b = await launch();
  try {
    const t0 = Date.now();
    await openTopology(b, c.id);
    const firstPaintMs = Date.now() - t0;
    const pageNodes = await b.page.evaluate(() => window.kubiliticsTopology.nodes());
    const pageEdges = await b.page.evaluate(() => window.kubiliticsTopology.edges());
    const want = new Set(topo.nodes.map((n) => n.id));
    const missing = [...want].filter((id) => !pageNodes.includes(id));
    // Live deltas may have added objects since the API call; none of the API's may be absent
    // unless deleted meanwhile, so allow a small churn margin.
    assert(missing.length <= Math.max(2, want.size * 0.02), `page lacks ${missing.length} of the API's nodes, e.g. ${missing.slice(0, 3)}`);
    assert(pageEdges.length >= topo.edges.length * 0.95, `page draws ${pageEdges.length} edges, API has ${topo.edges.length}`);
    const canvasCount = await b.page.locator(".graph-stage canvas").count();
    const domNodes = await b.page.locator(".graph-stage *").count();
    assert(canvasCount > 0, "no canvas in the graph stage");
    assert(domNodes < 50, `graph stage has ${domNodes} DOM elements: nodes must not be DOM elements`);
    await screenshot(b.page, "topology");
    console.log(`  first topology paint ${firstPaintMs} ms for ${pageNodes.length} nodes`);
  } finally {
    await b.close();
  }
}

export async function scale_up_appears_without_reload_within_2s() {
  const cmd = process.env.KUBILITICS_SCALE_UP_CMD;
  if (!cmd) skip("KUBILITICS_SCALE_UP_CMD (a shell command that adds pods in kubesim) is not set");
  const c = await pickCluster();
  const b = await launch();
  try {
    await openTopology(b, c.id);
    await b.page.evaluate(() => (window.__navCount = performance.getEntriesByType("navigation").length));
    const before = await b.page.evaluate(() => window.kubiliticsTopology.nodes().length);
    const t0 = Date.now();
    execSync(cmd, { stdio: "inherit" });
    await until(() => b.page.evaluate((n) => window.kubiliticsTopology.nodes().length > n, before), 2000, "new nodes in the view");
    const reloaded = await b.page.evaluate(() => window.__navCount === undefined);
    assert(!reloaded, "the page reloaded");
    console.log(`  scale-up visible after ${Date.now() - t0} ms`);
  } finally {
    await b.close();
  }
}

export async function topology_renders_in_webgl_when_asked() {
  // Headless Chromium has software WebGL, where the 2D renderer is chosen at every size;
  // `render=webgl` keeps sigma's path (what a browser with a GPU gets) under test.
  const c = await pickCluster();
  const { json: topo } = await api(`/clusters/${encodeURIComponent(c.id)}/topology`);
  if (!topo.nodes.length) skip("the cluster's topology is empty");
  const b = await launch();
  try {
    await b.page.goto(hashFor(c.id, "topology?render=webgl"));
    await until(() => b.page.evaluate(() => window.kubiliticsTopology && window.kubiliticsTopology.renders() > 0 && window.kubiliticsTopology.drawnNodes() > 0), 10_000, "graph drawn");
    const st = await b.page.evaluate(() => ({ mode: window.kubiliticsTopology.mode(), lod: window.kubiliticsTopology.lod(), nodes: window.kubiliticsTopology.nodes().length }));
    assertEq(st.mode, "webgl", "renderer");
    assert(st.lod.why === "forced", `lod.why is ${st.lod.why}`);
    assert(st.nodes >= topo.nodes.length * 0.98, `page has ${st.nodes} nodes, API ${topo.nodes.length}`);
    // sigma draws into WebGL canvases: more than one layer, none per node.
    const canvases = await b.page.locator(".graph-stage canvas").count();
    assert(canvases >= 3, `${canvases} canvases in the stage`);
    assert(b.errors.length === 0, `page errors: ${b.errors.join("; ")}`);
  } finally {
    await b.close();
  }
}

export async function large_graph_mode_engages_and_the_view_still_works() {
  const big = process.env.KUBILITICS_BIG_CLUSTER;
  if (!big) skip("KUBILITICS_BIG_CLUSTER (a cluster with thousands of objects) is not set");
  const { json: topo, status } = await api(`/clusters/${encodeURIComponent(big)}/topology`);
  assert(status === 200, `GET topology answered ${status}`);
  if (topo.nodes.length < 5000) skip(`${big} has only ${topo.nodes.length} topology nodes`);
  const b = await launch();
  try {
    await b.page.goto(hashFor(big, "topology"));
    await until(() => b.page.evaluate(() => window.kubiliticsTopology && window.kubiliticsTopology.drawnNodes() > 0 && window.kubiliticsTopology.renders() > 0), 30_000, "large graph drawn");
    const st = await b.page.evaluate(() => ({ mode: window.kubiliticsTopology.mode(), lod: window.kubiliticsTopology.lod(), drawn: window.kubiliticsTopology.drawnNodes() }));
    assertEq(st.mode, "points", "renderer of a large graph");
    assertEq(st.lod.why, "size", "why the large-graph mode");
    assert(st.drawn >= topo.nodes.length * 0.98, `${st.drawn} nodes drawn of the API's ${topo.nodes.length}`);
    assert(st.lod.shape === "square", `nodes drawn as ${st.lod.shape} with ${st.lod.nodesOnScreen} on screen`);
    await until(() => b.page.locator('[data-testid="topo-lod"]').isVisible(), 5000, "large-graph mode in the status line");
    const line = await b.page.locator(".status-line").textContent();
    assert(/large-graph mode/.test(line), `status line: ${line}`);
    // Relations and labels are drawn once the camera is still.
    await until(() => b.page.evaluate(() => window.kubiliticsTopology.lod().settled), 30_000, "complete picture");

    // Every pan frame redraws the nodes.
    const drawn = await b.page.evaluate(
      () =>
        new Promise((resolve) => {
          const r0 = window.kubiliticsTopology.renders();
          let i = 0;
          const step = () => {
            window.kubiliticsTopology.pan(0.005, 0);
            if (++i < 30) requestAnimationFrame(step);
            else requestAnimationFrame(() => resolve(window.kubiliticsTopology.renders() - r0));
          };
          requestAnimationFrame(step);
        }),
    );
    assert(drawn >= 25, `only ${drawn} frames drawn during a 30-frame pan`);

    // Search jumps to a pod and selects it; it is drawn on screen, hover names it.
    const pod = topo.nodes.find((n) => n.kind === "Pod");
    assert(pod, "no Pod in the big cluster's topology");
    await b.page.fill("#topo-search", pod.name);
    await b.page.press("#topo-search", "Enter");
    await until(() => b.page.evaluate((id) => decodeURIComponent(location.hash).includes(`sel=${id}`), pod.id), 5000, "the pod selected");
    await until(() => b.page.evaluate(() => window.kubiliticsTopology.lod().settled), 10_000, "camera at rest on the pod");
    const stage = await b.page.locator(".graph-stage").boundingBox();
    const at = await b.page.evaluate((id) => window.kubiliticsTopology.screenOf(id), pod.id);
    assert(at && at.x > 0 && at.y > 0 && at.x < stage.width && at.y < stage.height, `the pod is drawn at ${JSON.stringify(at)}, off the stage`);
    await b.page.mouse.move(stage.x + at.x, stage.y + at.y);
    await until(() => b.page.locator(".graph-tooltip").isVisible(), 3000, "hover tooltip");
    const tip = await b.page.locator(".graph-tooltip").textContent();
    assert(tip.includes(pod.name), `tooltip says ${tip}`);
    await screenshot(b.page, "topology-large");
    assert(b.errors.length === 0, `page errors: ${b.errors.join("; ")}`);
  } finally {
    await b.close();
  }
}

// Touch on the 2D renderer: two fingers spread zoom in about their midpoint, one finger
// pans, and neither opens anything. Real touch input through the DevTools protocol
// (Input.dispatchTouchEvent), so the page sees pointer events of type "touch".
export async function touch_pinch_zooms_and_one_finger_pans_the_2d_graph() {
  const c = await pickCluster();
  const { json: topo } = await api(`/clusters/${encodeURIComponent(c.id)}/topology`);
  if (!topo.nodes.length) skip("the cluster's topology is empty");
  const b = await launch({ hasTouch: true });
  try {
    await b.page.goto(hashFor(c.id, "topology?render=points"));
    await until(() => b.page.evaluate(() => window.kubiliticsTopology && window.kubiliticsTopology.mode() === "points" && window.kubiliticsTopology.drawnNodes() > 0), 10_000, "graph drawn by the 2D renderer");
    const stage = await b.page.locator(".graph-stage").boundingBox();
    const cdp = await b.page.context().newCDPSession(b.page);
    const touch = (type, pts) => cdp.send("Input.dispatchTouchEvent", { type, touchPoints: pts.map(([x, y], id) => ({ x, y, id })) });
    const cam = () => b.page.evaluate(() => window.kubiliticsTopology.camera());
    const cx = stage.x + stage.width / 2;
    const cy = stage.y + stage.height / 2;
    // Settle the first framing animation, then read the camera.
    await b.page.waitForTimeout(500);
    const c0 = await cam();

    // Pinch out: fingers 80 px apart spread to 320 px → 4× closer (within bounds).
    await touch("touchStart", [[cx - 40, cy], [cx + 40, cy]]);
    for (let i = 1; i <= 10; i++) {
      const d = 40 + i * 12;
      await touch("touchMove", [[cx - d, cy], [cx + d, cy]]);
    }
    await touch("touchEnd", []);
    const c1 = await until(async () => {
      const k = await cam();
      return k.ratio < c0.ratio * 0.5 ? k : null;
    }, 3000, `zoom in by pinch (ratio ${c0.ratio} before)`);
    // The midpoint did not move, so neither did the graph point under it.
    assert(Math.abs(c1.x - c0.x) < 0.02 && Math.abs(c1.y - c0.y) < 0.02, `pinch about the centre moved the camera from ${JSON.stringify(c0)} to ${JSON.stringify(c1)}`);

    // One finger drags right by 150 px: the view's centre moves left in the graph.
    await touch("touchStart", [[cx, cy]]);
    for (let i = 1; i <= 10; i++) await touch("touchMove", [[cx + i * 15, cy]]);
    await touch("touchEnd", []);
    const c2 = await until(async () => {
      const k = await cam();
      return k.x < c1.x - 0.01 ? k : null;
    }, 3000, "pan by one finger");
    assert(Math.abs(c2.ratio - c1.ratio) < 1e-9, `one-finger pan changed the zoom: ${c1.ratio} → ${c2.ratio}`);
    assert(Math.abs(c2.y - c1.y) < 0.005, `a horizontal drag moved the camera vertically: ${c1.y} → ${c2.y}`);
    // Gestures are not taps: nothing was selected.
    assert(!(await b.page.evaluate(() => location.hash)).includes("sel="), "a gesture selected an object");
    await screenshot(b.page, "topology-pinched");
    assert(b.errors.length === 0, `page errors: ${b.errors.join("; ")}`);
  } finally {
    await b.close();
  }
}
