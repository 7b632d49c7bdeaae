#!/usr/bin/env bash
# bench/topology/run.sh — the topology engine at 5,000 nodes / 150,000 pods
# (≈ 500,000 objects), in process: bench/topology/bench_topology.c builds the
# cluster as JSON, parses it with cJSON as a reflector does, feeds it through
# store_apply_event with the core relation rules, streams changes and runs
# the UI's queries. References measured in the same run: cJSON's parse time
# of the same JSON, and the heap of a keep-the-whole-object cache.
# Appends the figures to bench/RESULTS.md under "## topology".
#   TOPO_NODES (5000) TOPO_PODS (150000) TOPO_NAMESPACES (150) TOPO_EVENTS (20000)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
nodes=${TOPO_NODES:-5000} pods=${TOPO_PODS:-150000} ns=${TOPO_NAMESPACES:-150} events=${TOPO_EVENTS:-20000}
cc -std=c11 -D_GNU_SOURCE -O2 -g -Icore bench/topology/bench_topology.c "$BUILD/libkcore.a" \
   $(pkg-config --cflags --libs lua5.4 libuv libcurl libcjson sqlite3 openssl yaml-0.1 zlib) -lm -lpthread \
   -o "$BUILD/bench_topology"
classes=$(mktemp)
trap 'rm -f "$classes"' EXIT
out=$("$BUILD/bench_topology" --nodes "$nodes" --pods "$pods" --namespaces "$ns" --events "$events" 2>"$classes")
echo "$out"
cat "$classes"
/usr/bin/python3 - "$out" "$classes" <<'PY' | python3 bench/record.py topology >/dev/null
import json, sys, time
r = json.loads(sys.argv[1])
ok = lambda c: "✓" if c else "✗"
print("\n## topology\n")
print("### %s — %s (load average %s)\n" % (time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()), r["machine"], r["loadavg"]))
print("In-process synthetic cluster: %d nodes, %d pods in %d namespaces — %d objects (Deployments → ReplicaSets → Pods, "
      "Services, EndpointSlices, ConfigMaps, Secrets, ServiceAccounts), %.0f MB of JSON, core relation rules loaded, "
      "%d edges. bench/topology/bench_topology.c.\n" % (r["nodes"], r["pods"], r["namespaces"], r["objects"],
      r["jsonBytes"] / 1e6, r["edges"]))
print("| measure | kubilitics | reference (same run) | ratio | target |")
print("|---|---:|---:|---:|---|")
print("| heap per object (store + graph + strings) | %d B | %d B (parsed objects kept whole, cJSON) | %.1f× less | ≤ 1 KiB %s |"
      % (r["heapBytesPerObject"], r["refKeepJsonTreeBytesPerObject"], r["refKeepJsonTreeBytesPerObject"] / r["heapBytesPerObject"],
         ok(r["heapBytesPerObject"] <= 1024)))
print("| resident bytes per object (RSS growth) | %d B | %d B (the JSON text alone) | | |" % (r["rssBytesPerObject"], r["refJsonBytesPerObject"]))
print("| full graph build (store + edges, excl. parse) | %d ms | %d ms (cJSON parse of the same JSON) | %.2f× | |"
      % (r["buildApplyMs"], r["buildParseMs"], r["buildParseMs"] / max(r["buildApplyMs"], 1)))
print("| per-event update, CPU p50 / p99 (%d events) | %.1f / %.1f µs | %.1f µs mean (cJSON parse of the event) | | ≤ 20 µs median %s |"
      % (r["events"], r["eventCpuP50Us"], r["eventCpuP99Us"], r["eventParseMeanUs"], ok(r["eventCpuP50Us"] <= 20)))
print("| per-event update, wall p50 / p99 | %.1f / %.1f µs | | | |" % (r["eventP50Us"], r["eventP99Us"]))
print("| namespace query, %d nodes, JSON + layout, wall p50 / p99 (CPU p99) | %.2f / %.2f ms (%.2f ms); cold %.1f ms | | | ≤ 10 ms %s |"
      % (r["nsQueryNodes"], r["nsQueryP50Ms"], r["nsQueryP99Ms"], r["nsQueryCpuP99Ms"], r["nsQueryColdMs"], ok(r["nsQueryP99Ms"] <= 10)))
print("| namespace query right after a change in it, p50 / p99 | %.2f / %.2f ms | | | |" % (r["nsQueryAfterChangeP50Ms"], r["nsQueryAfterChangeP99Ms"]))
print("| focus Pod + 2 hops (mean %d nodes), wall p50 / p99 (CPU p99) | %.3f / %.3f ms (%.3f ms) | | | ≤ 2 ms p99 %s |"
      % (r["focusPodNodesMean"], r["focusPodP50Ms"], r["focusPodP99Ms"], r["focusPodCpuP99Ms"], ok(r["focusPodP99Ms"] <= 2)))
print("| focus Deployment + 2 hops, p99 | %.3f ms | | | |" % r["focusDeploymentP99Ms"])
print("| whole cluster with layout, JSON (%d nodes, %.0f MB) cold (CPU) / warm / after churn | %d (%d) / %d / %d ms | | | ≤ 2 s %s |"
      % (r["wholeNodes"], r["wholeBytes"] / 1e6, r["wholeColdMs"], r["wholeColdCpuMs"], r["wholeWarmMs"], r["wholeAfterChurnMs"], ok(r["wholeColdMs"] <= 2000)))

print("| reload: every edge recomputed from the store | %d ms | | | |" % r["reloadRecomputeMs"])
print("\nWall times include what other processes took on a loaded machine (see the load average); CPU times are the "
      "engine's own cost. Per-event figures are CPU time of store_apply_event including the graph update; the mix is "
      "70% pod status updates, 20% pod replacements (delete + create), 5% Service selector edits, 5% ConfigMap "
      "delete + recreate.")
cls = [l.strip() for l in open(sys.argv[2]) if " cpu p50 " in l]
if cls:
    print("\nPer event class (CPU time): " + "; ".join(cls) + ".")
PY
tail -18 bench/RESULTS.md
