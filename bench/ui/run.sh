#!/usr/bin/env bash
# bench/ui/run.sh — the web UI in headless Chromium against real servers.
#
# Starts four kubesims — the demo (reference), a ~10,000-node generated cluster,
# the same with --churn 100 (deltas streaming), and a ~50,000-node one — and one
# `kubilitics serve` on all of them, then runs bench/ui/bench.mjs (playwright-core
# driving /usr/bin/chromium; software WebGL) and appends the figures to
# bench/RESULTS.md under "## ui". Everything listens on 127.0.0.1, stopped on exit.
#   UI_PODS_10K (3300) UI_PODS_50K (16600): generated pods; kubesim adds about two
#   objects per pod (Deployments, ReplicaSets, Services, EndpointSlices, ConfigMaps,
#   Secrets), so these give ≈10,000 and ≈50,000 topology nodes.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
p10=${UI_PODS_10K:-3300} p50=${UI_PODS_50K:-16600}
tmp=$(mktemp -d /tmp/kb-bench-ui-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -x /usr/bin/chromium ] || [ ! -d ui/node_modules/playwright-core ]; then
  echo "bench/ui needs /usr/bin/chromium and ui/node_modules (cd ui && npm ci)"
  exit 1
fi

wait_line() {
  for _ in $(seq 1 1200); do
    url=$(grep -o 'listening on [^ ]*' "$1" 2>/dev/null | head -1 | cut -d' ' -f3)
    [ -n "$url" ] && { echo "$url"; return 0; }
    sleep 0.1
  done
  echo "timed out waiting for $1" >&2
  return 1
}

# sim NAME ARGS… — a kubesim whose kubeconfig names cluster, context and user NAME.
sim() {
  local name=$1; shift
  local t0=$(date +%s%N)
  "$BUILD/kubesim" --listen 127.0.0.1:0 --kubeconfig-out "$tmp/$name.raw" "$@" >"$tmp/$name.out" 2>"$tmp/$name.log" &
  pids+=($!)
  wait_line "$tmp/$name.out" >/dev/null || { tail "$tmp/$name.log"; exit 1; }
  sed -E "s/^(\s*-?\s*(name|cluster|current-context|user): )kubesim(-token)?$/\1$name\3/" \
    "$tmp/$name.raw" >"$tmp/$name.yaml"
  echo "kubesim $name up in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
}

sim demo --manifests examples/demo
sim k10 --nodes 100 --pods "$p10" --namespaces 20 --no-controllers
sim churn --nodes 100 --pods "$p10" --namespaces 20 --no-controllers --churn 100
sim k50 --nodes 200 --pods "$p50" --namespaces 50 --no-controllers

"$BUILD/kubilitics" serve --listen 127.0.0.1:0 --data-dir "$tmp/data" --plugins plugins \
  --kubeconfig "$tmp/demo.yaml" --kubeconfig "$tmp/k10.yaml" --kubeconfig "$tmp/churn.yaml" --kubeconfig "$tmp/k50.yaml" \
  >"$tmp/kubilitics.out" 2>"$tmp/kubilitics.log" &
pids+=($!)
url=$(wait_line "$tmp/kubilitics.out") || { tail "$tmp/kubilitics.log"; exit 1; }
for _ in $(seq 1 1800); do
  curl -sf "$url/readyz" >/dev/null && break
  sleep 0.1
done
curl -sf "$url/readyz" >/dev/null || { echo "kubilitics not ready"; curl -s "$url/readyz"; exit 1; }

out=$(KUBILITICS_URL=$url BENCH_ARTIFACTS="$BUILD/bench-ui" node bench/ui/bench.mjs) || { echo "bench.mjs failed"; exit 1; }
echo "$out"
machine="$(uname -sr), $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
/usr/bin/python3 - "$out" "$machine" <<'PY' >> bench/RESULTS.md
import json, sys, time
r, machine = json.loads(sys.argv[1]), sys.argv[2]
ok = lambda c: "✓" if c else "✗"
d, k10, ch, k50 = r["demo"], r["k10"], r["churn"], r["k50"]
print("\n## ui\n")
print("### %s — %s, Chromium %s, %s\n" % (time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()), machine, r["chromium"], r["gl"]))
print("bench/ui/run.sh: one `kubilitics serve` on four kubesims (demo; generated clusters with %d, %d (+ --churn 100) "
      "and %d topology nodes); headless Chromium 1400×900 driven by playwright-core. Frame times are animation-frame "
      "intervals while the camera moves every frame (a drag) or stays still; all WebGL is software-rendered, so a GPU "
      "does better. Reference: the demo's topology in the same run.\n" % (k10["nodes"]["store"], ch["nodes"]["store"], k50["nodes"]["store"]))
print("| measure | figure | reference (same run) | ratio | target |")
print("|---|---:|---:|---:|---|")
print("| first topology paint, demo (%d nodes), median of 3 | %d ms | | | ≤ 1 s %s |" % (d["nodes"]["store"], d["firstPaintMedianMs"], ok(d["firstPaintMedianMs"] <= 1000)))
print("| first topology paint, %d nodes / %d edges | %d ms | %d ms (demo) | %.1f× | |" % (k10["nodes"]["store"], k10["nodes"]["edges"], k10["firstPaintMs"], d["firstPaintMedianMs"], k10["firstPaintMs"] / max(1, d["firstPaintMedianMs"])))
print("| pan, %d nodes: mean / p95 frame | %.1f / %.1f ms (%.0f fps) | %.1f / %.1f ms (demo, %.0f fps) | %.2f× | ≥ 30 fps %s |" % (
    k10["nodes"]["store"], k10["pan"]["meanMs"], k10["pan"]["p95Ms"], k10["pan"]["fps"], d["pan"]["meanMs"], d["pan"]["p95Ms"], d["pan"]["fps"],
    k10["pan"]["meanMs"] / d["pan"]["meanMs"], ok(k10["pan"]["fps"] >= 30)))
print("| deltas streaming (%.0f messages/s, --churn 100), %d nodes, still camera: mean / p95 frame | %.1f / %.1f ms (%.0f fps) | %.1f ms (demo, still) | %.2f× | |" % (
    ch["deltaMessagesPerSec"], ch["nodes"]["store"], ch["idle"]["meanMs"], ch["idle"]["p95Ms"], ch["idle"]["fps"], d["idle"]["meanMs"], ch["idle"]["meanMs"] / d["idle"]["meanMs"]))
print("| deltas streaming while panning: mean / p95 frame | %.1f / %.1f ms (%.0f fps) | %.1f ms (pan without deltas) | %.2f× | |" % (
    ch["pan"]["meanMs"], ch["pan"]["p95Ms"], ch["pan"]["fps"], k10["pan"]["meanMs"], ch["pan"]["meanMs"] / k10["pan"]["meanMs"]))
print("| JS heap after GC, %d nodes | %.1f MB | %.1f MB (demo page) | %.1f× | |" % (k10["nodes"]["store"], k10["heapMB"], d["heapMB"], k10["heapMB"] / d["heapMB"]))
print("| JS heap after GC, %d nodes / %d edges | %.1f MB | %.1f MB (demo page) | %.1f× | |" % (k50["nodes"]["store"], k50["nodes"]["edges"], k50["heapMB"], d["heapMB"], k50["heapMB"] / d["heapMB"]))
print("| %d nodes: first paint; pan mean frame | %d ms; %.1f ms (%.0f fps) | | | renders at all %s |" % (
    k50["nodes"]["store"], k50["firstPaintMs"], k50["pan"]["meanMs"], k50["pan"]["fps"], ok(k50["nodes"]["drawn"] >= k50["nodes"]["store"] > 0)))
errs = sum(len(x.get("errors", [])) for x in (d, k10, ch, k50))
print("\nPage errors during the run: %d." % errs)
PY
echo "appended to bench/RESULTS.md"
