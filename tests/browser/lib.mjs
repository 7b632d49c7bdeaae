// Shared helpers for the browser tests: launching Debian's Chromium through
// playwright-core (installed by ui/package.json), the base URL, artifacts, and
// small assertions that print what was expected and what was found.

import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const require = createRequire(new URL("../../ui/package.json", import.meta.url));
const { chromium } = require("playwright-core");

export const BASE_URL = (process.env.KUBILITICS_URL ?? "").replace(/\/$/, "");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTIFACTS = process.env.BROWSER_ARTIFACTS ?? path.join(os.tmpdir(), "kubilitics-browser-artifacts");

/** Thrown to skip a test with a reason (printed, counted as skipped, not failed). */
export class Skip extends Error {}

export function skip(reason) {
  throw new Skip(reason);
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

export function assertEq(got, want, what) {
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
}

/** Polls fn until it returns a truthy value or the time runs out; returns the value. */
export async function until(fn, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last value ${JSON.stringify(last)})`);
}

/** A fresh Chromium with its own profile directory; close() removes the profile. */
export async function launch({ viewport = { width: 1400, height: 900 }, headers = {}, hasTouch = false } = {}) {
  if (!fs.existsSync(CHROMIUM)) skip(`${CHROMIUM} not found: apt-get install -y chromium`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "kubilitics-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    hasTouch,
    extraHTTPHeaders: headers,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return {
    page,
    errors,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** GET a JSON API path on the server under test (not through the browser). */
export async function api(pathname, headers = {}) {
  const res = await fetch(`${BASE_URL}/api/v1${pathname}`, { headers });
  const body = await res.text();
  let json = null;
  try {
    json = JSON.parse(body);
  } catch {
    /* leave null */
  }
  return { status: res.status, json, requestId: res.headers.get("x-request-id") };
}

/** The first cluster of the server, or the one named by KUBILITICS_CLUSTER. */
export async function pickCluster() {
  const r = await api("/clusters");
  assert(r.status === 200 && Array.isArray(r.json), `GET /clusters answered ${r.status}`);
  const want = process.env.KUBILITICS_CLUSTER;
  const c = want ? r.json.find((x) => x.id === want) : r.json.find((x) => x.status === "connected") ?? r.json[0];
  if (!c) skip("the server has no cluster registered");
  return c;
}

export function hashFor(cluster, rest) {
  return `${BASE_URL}/#/c/${encodeURIComponent(cluster)}/${rest}`;
}
