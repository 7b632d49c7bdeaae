// The detail panel's Prometheus history: with a Prometheus configured for the cluster
// (run.sh starts tests/browser/fake-prometheus.py and names it for the demo cluster), a
// pod's summary charts pod_cpu and pod_memory over the last hour with the server's
// samples (gaps where Prometheus had NaN), and a node whose queries fail shows the
// error with its message and a Retry that recovers once Prometheus answers again.

import { api, assert, hashFor, launch, pickCluster, screenshot, skip, until } from "./lib.mjs";

export async function prometheus_history_for_a_pod_and_a_failing_node_query_with_retry() {
  const promUrl = process.env.KUBILITICS_FAKE_PROM_URL;
  if (!promUrl) skip("KUBILITICS_FAKE_PROM_URL (tests/browser/fake-prometheus.py, configured as the cluster's Prometheus) is not set");
  const c = await pickCluster();
  if (c.prometheus !== true) skip(`cluster ${c.id} has no Prometheus configured`);
  const cid = encodeURIComponent(c.id);
  const pods = await api(`/clusters/${cid}/resources/Pod?limit=100`);
  const pod = (pods.json?.items ?? []).find((p) => p.status === "ok");
  if (!pod) skip("no running pod");
  const q = await api(`/clusters/${cid}/metrics/query/pod_cpu?namespace=${pod.namespace}&pod=${encodeURIComponent(pod.name)}&range=1h`);
  assert(q.status === 200, `pod_cpu answered ${q.status}: ${JSON.stringify(q.json)}`);
  const pts = q.json.series[0].points;
  const nulls = pts.filter((p) => p[1] === null).length;
  assert(nulls > 0, "the fake Prometheus sent no NaN sample to check gaps with");

  const b = await launch();
  const control = (fail) => fetch(`${promUrl}/control?fail=${fail ? 1 : 0}`);
  try {
    await b.page.goto(hashFor(c.id, `object/${encodeURIComponent(pod.id)}`));
    const fig = (name) => b.page.locator(`figure.history[data-query="${name}"]`);
    await until(async () => (await fig("pod_cpu").count()) && (await fig("pod_memory").count()), 15_000, "pod CPU and memory history charts");
    const shown = Number(await fig("pod_cpu").getAttribute("data-points"));
    const values = Number(await fig("pod_cpu").getAttribute("data-values"));
    // The window ends "now", so a second query may hold one sample more or less.
    assert(Math.abs(shown - pts.length) <= 1, `chart has ${shown} samples, the API ${pts.length}`);
    assert(values < shown && values >= shown - nulls - 1, `${values} values of ${shown} samples: NaN samples must stay gaps`);
    const lines = await fig("pod_cpu").locator("polyline").count();
    assert(lines >= 2, `the gaps should break the line into pieces, ${lines} polyline(s)`);
    await screenshot(b.page, "detail-prometheus");

    // A node whose queries fail: the error with the server's message and a Retry.
    const nodes = await api(`/clusters/${cid}/resources/Node?limit=5`);
    const node = nodes.json?.items?.[0];
    if (!node) skip("no Node to open");
    await control(true);
    await b.page.goto(hashFor(c.id, `object/${encodeURIComponent(node.id)}`));
    const slot = b.page.locator('.history-slot[data-query="node_cpu"]');
    const banner = slot.locator(".error-banner");
    await until(() => banner.count(), 15_000, "node_cpu error banner");
    const code = await banner.getAttribute("data-code");
    assert(code === "prometheus_error", `error code ${code}`);
    const msg = await banner.locator(".error-message").textContent();
    assert(/failing on purpose/.test(msg), `the banner does not carry Prometheus's message: ${msg}`);
    assert((await slot.locator("figure, svg").count()) === 0, "a chart is drawn next to the error");
    assert(await banner.getAttribute("data-request-id"), "no request ID on the error");
    await screenshot(b.page, "detail-prometheus-error");
    await control(false);
    await banner.getByRole("button", { name: "Retry" }).click();
    await until(() => fig("node_cpu").count(), 10_000, "node_cpu chart after Retry");
    // The memory chart failed too and stays an error until its own Retry.
    assert(await b.page.locator('.history-slot[data-query="node_memory"] .error-banner').count(), "node_memory error went away without a retry");
    assert(b.errors.length === 0, `page errors: ${b.errors.join("; ")}`);
  } finally {
    await control(false).catch(() => {});
    await b.close();
  }
}
