// The resource browser keeps only visible rows in the DOM: with thousands of pods
// (KUBILITICS_BIG_CLUSTER names a cluster with 10,000), fewer than 200 row elements.

import { api, assert, hashFor, launch, pickCluster, screenshot, skip, until } from "./lib.mjs";

export async function pod_list_is_virtualised_under_200_row_elements() {
  const cluster = process.env.KUBILITICS_BIG_CLUSTER ?? (await pickCluster()).id;
  const b = await launch();
  try {
    await b.page.goto(hashFor(cluster, "resources/Pod"));
    await until(() => b.page.evaluate(() => window.kubiliticsResources && window.kubiliticsResources.complete()), 60_000, "pod list complete");
    const total = await b.page.evaluate(() => window.kubiliticsResources.total());
    if (process.env.KUBILITICS_BIG_CLUSTER) assert(total >= 10_000, `expected 10,000 pods, list has ${total}`);
    else if (total < 300) skip(`only ${total} pods; set KUBILITICS_BIG_CLUSTER to a cluster with 10,000`);
    const rows = async () => b.page.locator(".vt-row").count();
    assert((await rows()) < 200, `${await rows()} row elements at the top`);
    // Scroll to the middle and the end: still few rows, and the last pod is reachable.
    await b.page.locator(".vt-scroll").evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
    await b.page.waitForTimeout(100);
    assert((await rows()) < 200, `${await rows()} row elements mid-list`);
    await b.page.locator(".vt-scroll").evaluate((el) => (el.scrollTop = el.scrollHeight));
    await b.page.waitForTimeout(100);
    const lastIndex = await b.page.locator(".vt-row").last().getAttribute("data-index");
    assert(Number(lastIndex) === total - 1, `last rendered row index ${lastIndex}, expected ${total - 1}`);
    await screenshot(b.page, "resources");
  } finally {
    await b.close();
  }
}

export async function secret_yaml_shows_values_redacted() {
  const c = await pickCluster();
  const r = await api(`/clusters/${encodeURIComponent(c.id)}/resources/Secret?limit=5`);
  if (r.status !== 200 || !r.json.items.length) skip(`no Secret to open (GET answered ${r.status})`);
  const s = r.json.items[0];
  const b = await launch();
  try {
    await b.page.goto(hashFor(c.id, `object/${encodeURIComponent(s.id)}?tab=yaml`));
    const yaml = await until(() => b.page.locator('[data-testid="yaml"]').textContent().catch(() => null), 10_000, "YAML");
    assert(yaml.includes("kind: Secret"), "YAML is not the Secret");
    assert(yaml.includes("<redacted>"), "no <redacted> value in the Secret's YAML");
    await screenshot(b.page, "secret-yaml");
  } finally {
    await b.close();
  }
}

export async function restricted_user_sees_what_they_lack_with_request_id() {
  const header = process.env.KUBILITICS_RESTRICTED_USER;
  if (!header) skip("KUBILITICS_RESTRICTED_USER (a user the server takes from X-Remote-User, lacking pod access) is not set");
  const c = await pickCluster();
  const b = await launch({ headers: { "X-Remote-User": header } });
  try {
    await b.page.goto(hashFor(c.id, "resources/Secret"));
    const banner = b.page.locator('.error-banner[data-code="forbidden"]');
    await until(() => banner.count(), 10_000, "forbidden banner");
    const rid = await banner.getAttribute("data-request-id");
    assert(rid, "the forbidden banner shows no request ID");
    assert(await banner.getByRole("button", { name: "Copy for support" }).count(), "no copy-for-support action");
    await screenshot(b.page, "forbidden");
  } finally {
    await b.close();
  }
}
