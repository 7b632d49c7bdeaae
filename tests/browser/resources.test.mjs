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

// The table's columns are the list answer's columnDefinitions: a custom resource shows
// its CRD's printer columns in their order, the wide-only one (priority 1) only with the
// "Wide" toggle (kept in the URL), a date column as ages and sorted by time. The demo
// cluster loads tests/browser/fixtures/crd-certificates.yaml for this.
const CERTS = "certificates.example.com";

function ageSeconds(text) {
  const units = { y: 31536000, d: 86400, h: 3600, m: 60, s: 1 };
  let s = 0;
  for (const m of String(text).matchAll(/(\d+)([ydhms])/g)) s += Number(m[1]) * units[m[2]];
  return s;
}

export async function custom_resource_shows_its_printer_columns() {
  const c = await pickCluster();
  const r = await api(`/clusters/${encodeURIComponent(c.id)}/resources/${CERTS}`);
  if (r.status !== 200 || !r.json.items.length) skip(`no ${CERTS} objects (GET answered ${r.status}); the fixture CRD is loaded by tests/browser/run.sh`);
  const defs = r.json.columnDefinitions;
  assert(Array.isArray(defs) && defs.length, "the list answer has no columnDefinitions");
  const wideOnly = defs.filter((d) => d.priority > 0).map((d) => d.name);
  assert(wideOnly.includes("ISSUER"), `expected ISSUER to be a wide column, definitions ${JSON.stringify(defs)}`);
  const label = (d) => (d.name === "AGE" ? "Age" : d.name);
  const narrow = ["Name", "Namespace", "Status", ...defs.filter((d) => !(d.priority > 0)).map(label)];
  const wide = ["Name", "Namespace", "Status", ...defs.map(label)];
  const b = await launch();
  try {
    const headers = () => b.page.evaluate(() => window.kubiliticsResources && window.kubiliticsResources.columns());
    await b.page.goto(hashFor(c.id, `resources/${CERTS}`));
    await until(async () => (await b.page.evaluate(() => window.kubiliticsResources && window.kubiliticsResources.complete() && window.kubiliticsResources.total())) === r.json.items.length, 15_000, "certificates listed");
    await until(async () => JSON.stringify(await headers()) === JSON.stringify(narrow), 5_000, `columns ${JSON.stringify(narrow)}`);
    const th = await b.page.locator(".vt-th").allTextContents();
    assert(!th.some((t) => t.includes("ISSUER")), `wide-only ISSUER shown by default: ${th}`);
    // A cell of each printer column shows the server's value.
    const first = r.json.items.find((i) => i.name === "api-tls") ?? r.json.items[0];
    const row = b.page.locator(`.vt-row[data-key="${first.id}"]`);
    for (const d of defs.filter((x) => !(x.priority > 0) && x.name !== "AGE")) {
      const got = (await row.locator(`.vt-c_${d.name}`).textContent()).trim();
      assert(got === String(first.columns[d.name] ?? ""), `${first.name} ${d.name}: page shows ${JSON.stringify(got)}, API ${JSON.stringify(first.columns[d.name])}`);
    }

    // Wide: the toggle shows ISSUER and puts wide=1 in the URL; a reload keeps it.
    await b.page.locator("#res-wide").check();
    await until(async () => JSON.stringify(await headers()) === JSON.stringify(wide), 5_000, `wide columns ${JSON.stringify(wide)}`);
    assert((await b.page.evaluate(() => location.hash)).includes("wide=1"), "wide is not in the URL");
    await b.page.reload();
    await until(async () => JSON.stringify(await headers()) === JSON.stringify(wide), 15_000, "wide columns after reload");
    assert(await b.page.locator("#res-wide").isChecked(), "the Wide toggle is off after reload");

    // RENEWED (a date column) sorts by time: newest renewal first, whatever the text.
    await b.page.locator('.vt-th[data-col="c:RENEWED"] button').click();
    const want = [...r.json.items].sort((x, y) => ageSeconds(x.columns.RENEWED) - ageSeconds(y.columns.RENEWED)).map((i) => i.name);
    await until(async () => JSON.stringify(await b.page.locator(".vt-row .vt-name").allTextContents()) === JSON.stringify(want), 5_000, `rows sorted by RENEWED ${want}`);
    await screenshot(b.page, "resources-crd");
    assert(b.errors.length === 0, `page errors: ${b.errors.join("; ")}`);
  } finally {
    await b.close();
  }
}

export async function pod_node_and_ip_only_in_the_wide_view() {
  const c = await pickCluster();
  const r = await api(`/clusters/${encodeURIComponent(c.id)}/resources/Pod?limit=1`);
  if (r.status !== 200 || !r.json.items.length) skip(`no pods (GET answered ${r.status})`);
  const wideOnly = (r.json.columnDefinitions ?? []).filter((d) => d.priority > 0).map((d) => d.name);
  if (!wideOnly.length) skip("the server marks no Pod column as wide");
  const b = await launch();
  try {
    const headers = () => b.page.evaluate(() => (window.kubiliticsResources ? window.kubiliticsResources.columns() : []));
    await b.page.goto(hashFor(c.id, "resources/Pod"));
    await until(async () => (await headers()).includes("Status"), 15_000, "pod columns");
    assert(!(await headers()).some((h) => wideOnly.includes(h)), `wide columns ${wideOnly} shown by default: ${await headers()}`);
    await b.page.goto(hashFor(c.id, "resources/Pod?wide=1"));
    await until(async () => (await headers()).filter((h) => wideOnly.includes(h)).length === wideOnly.length, 15_000, `wide columns ${wideOnly}`);
    assert((await b.page.locator("#res-wide").isChecked()), "wide=1 in the URL leaves the toggle off");
  } finally {
    await b.close();
  }
}
