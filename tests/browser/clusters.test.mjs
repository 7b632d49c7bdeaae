// The cluster list: every cluster the server reports, with its status; and the status
// changing live when a cluster's API server goes away (KUBILITICS_STOP_CLUSTER_CMD).

import { execSync } from "node:child_process";
import { api, assert, BASE_URL, launch, screenshot, skip, until } from "./lib.mjs";

export async function cluster_list_shows_every_cluster_with_its_status() {
  const { json: clusters } = await api("/clusters");
  const b = await launch();
  try {
    await b.page.goto(`${BASE_URL}/#/clusters`);
    await until(() => b.page.locator(".cluster-card").count().then((n) => n === clusters.length), 5000, `${clusters.length} cluster cards`);
    for (const c of clusters) {
      const status = await b.page.locator(`.cluster-card[data-cluster="${c.id}"] .badge`).getAttribute("data-status");
      assert(status === c.status, `cluster ${c.id}: page shows ${status}, API says ${c.status}`);
    }
    await screenshot(b.page, "clusters");
    assert(b.errors.length === 0, `page errors: ${b.errors.join("; ")}`);
  } finally {
    await b.close();
  }
}

export async function cluster_status_changes_live_when_its_api_server_stops() {
  const cmd = process.env.KUBILITICS_STOP_CLUSTER_CMD;
  if (!cmd) skip("KUBILITICS_STOP_CLUSTER_CMD (a shell command that stops kubesim) is not set");
  const { json: clusters } = await api("/clusters");
  // KUBILITICS_STOP_CLUSTER names the cluster the command stops (so the
  // other tests keep theirs); else the first connected one.
  const want = process.env.KUBILITICS_STOP_CLUSTER;
  const c = want ? clusters.find((x) => x.id === want) : clusters.find((x) => x.status === "connected");
  if (!c) skip("no connected cluster to disconnect");
  const b = await launch();
  try {
    await b.page.goto(`${BASE_URL}/#/clusters`);
    const badge = b.page.locator(`.cluster-card[data-cluster="${c.id}"] .badge`);
    await until(async () => (await badge.getAttribute("data-status")) === "connected", 5000, "connected badge");
    execSync(cmd, { stdio: "inherit" });
    // No reload: the WebSocket pushes the change.
    await until(async () => {
      const s = await badge.getAttribute("data-status");
      return s !== "connected" && s;
    }, 30_000, "status to leave connected");
    await screenshot(b.page, "clusters-after-stop");
  } finally {
    await b.close();
  }
}
