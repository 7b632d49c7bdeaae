// Runs every *.test.mjs here against a running Kubilitics server named by KUBILITICS_URL
// (for example `kubilitics serve` on kubesim with examples/demo). Without it, every test
// is skipped with a message, and the run still ends with the summary line:
//   "N passed, N failed, N skipped"
// Usage: node tests/browser/run.mjs [name-filter]

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BASE_URL, Skip } from "./lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? "";
const files = fs.readdirSync(here).filter((f) => f.endsWith(".test.mjs") && f.includes(filter)).sort();

let passed = 0;
let failed = 0;
let skipped = 0;

for (const file of files) {
  const mod = await import(path.join(here, file));
  for (const [name, fn] of Object.entries(mod)) {
    if (typeof fn !== "function") continue;
    const label = `${file.replace(/\.test\.mjs$/, "")} › ${name}`;
    if (!BASE_URL) {
      console.log(`SKIP ${label}: KUBILITICS_URL is not set (start \`kubilitics serve\` and export KUBILITICS_URL=http://HOST:PORT)`);
      skipped++;
      continue;
    }
    const t0 = Date.now();
    try {
      await fn();
      console.log(`PASS ${label} (${Date.now() - t0} ms)`);
      passed++;
    } catch (e) {
      if (e instanceof Skip) {
        console.log(`SKIP ${label}: ${e.message}`);
        skipped++;
      } else {
        console.log(`FAIL ${label}: ${e && e.stack ? e.stack : e}`);
        failed++;
      }
    }
  }
}

console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
