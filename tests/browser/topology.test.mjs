// The topology view draws what the server's topology says (compared through the page's
// own data, not pixels), saves a screenshot, and applies a scale-up within 2 s.

import { execSync } from "node:child_process";
import { api, assert, hashFor, launch, pickCluster, screenshot, skip, until } from "./lib.mjs";

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
