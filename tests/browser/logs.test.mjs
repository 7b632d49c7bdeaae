// Logs: following a pod's log shows lines that keep arriving; and the whole way there
// works with the keyboard alone (palette, Enter, "l").

import { api, assert, hashFor, launch, pickCluster, screenshot, skip, until } from "./lib.mjs";

async function somePod(cluster) {
  const r = await api(`/clusters/${encodeURIComponent(cluster)}/resources/Pod?limit=50`);
  if (r.status !== 200) skip(`GET pods answered ${r.status}`);
  const pod = r.json.items.find((p) => /running|ok/i.test(p.status)) ?? r.json.items[0];
  if (!pod) skip("no pod in the cluster");
  return pod;
}

export async function log_follow_keeps_appending_lines() {
  const c = await pickCluster();
  const pod = await somePod(c.id);
  const b = await launch();
  try {
    await b.page.goto(hashFor(c.id, `object/${encodeURIComponent(pod.id)}?tab=logs`));
    const out = b.page.locator('[data-testid="log-output"]');
    const first = await until(async () => (await out.textContent())?.split("\n").filter(Boolean).length, 10_000, "log lines");
    if (process.env.KUBILITICS_LOGS_GROW !== "0") {
      await until(async () => (await out.textContent()).split("\n").filter(Boolean).length > first, 15_000, "more lines while following");
    }
    await screenshot(b.page, "logs");
  } finally {
    await b.close();
  }
}

export async function keyboard_only_reaches_a_pods_logs() {
  const c = await pickCluster();
  const pod = await somePod(c.id);
  const b = await launch();
  try {
    await b.page.goto(hashFor(c.id, "topology"));
    await until(() => b.page.evaluate(() => window.kubiliticsTopology && window.kubiliticsTopology.nodes().length > 0), 10_000, "topology loaded");
    await b.page.keyboard.press("Control+K");
    await b.page.keyboard.type(pod.name);
    await until(() => b.page.locator("#palette-list [role=option]").first().textContent().then((t) => t.includes(pod.name)), 3000, "palette result");
    await b.page.keyboard.press("Enter");
    await until(() => b.page.evaluate(() => window.kubilitics.state().selected), 3000, "object selected");
    // Focus is in the detail panel; "l" opens the logs tab.
    await b.page.keyboard.press("l");
    await until(() => b.page.locator('[data-testid="log-output"]').count(), 5000, "log output");
    const sel = await b.page.evaluate(() => window.kubilitics.state());
    assert(sel.tab === "logs", `tab is ${sel.tab}`);
    await screenshot(b.page, "keyboard-logs");
  } finally {
    await b.close();
  }
}
