#!/usr/bin/env bash
# bench/sync/run.sh — time to full sync of a large kubesim with core/kube
# (bench/sync/kubesync), against the official Python client listing the same
# cluster as the reference. Appends figures to bench/RESULTS.md.
#   SYNC_NODES (5000) SYNC_PODS (150000) SYNC_NAMESPACES (100)
# Not yet measured: the churn phase (2,000 changes/s, write→apply lag p50/p99);
# it needs kubesim to stamp write times into objects.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
nodes=${SYNC_NODES:-5000} pods=${SYNC_PODS:-150000} ns=${SYNC_NAMESPACES:-100}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
cc -std=c11 -D_GNU_SOURCE -O2 -g -Icore bench/sync/kubesync.c "$BUILD/libkcore.a" \
   $(pkg-config --cflags --libs lua5.4 libuv libcurl libcjson sqlite3 openssl yaml-0.1 zlib) -lm -lpthread \
   -o "$BUILD/kubesync"
"$BUILD/kubesim" --listen 127.0.0.1:0 --nodes "$nodes" --pods "$pods" --namespaces "$ns" \
   --kubeconfig-out "$tmp/kc" >"$tmp/sim.out" 2>"$tmp/sim.err" &
for _ in $(seq 600); do grep -q listening "$tmp/sim.out" 2>/dev/null && break; sleep 0.5; done
res="pods,nodes,namespaces,services,configmaps,secrets,deployments.apps,replicasets.apps"
ours=$("$BUILD/kubesync" --kubeconfig "$tmp/kc" --resources "$res" --qps 50 --burst 100 \
       --exit-after-sync --report-ms 100 --timeout-s 600 | grep '"type":"synced"')
echo "kubilitics: $ours"
ref=$(/usr/bin/python3 - "$tmp/kc" <<'PY'
import json, resource, sys, time
from kubernetes import client, config
config.load_kube_config(sys.argv[1])
core, apps = client.CoreV1Api(), client.AppsV1Api()
t0 = time.time(); n = 0
calls = [core.list_pod_for_all_namespaces, core.list_node, core.list_namespace,
         core.list_service_for_all_namespaces, core.list_config_map_for_all_namespaces,
         core.list_secret_for_all_namespaces, apps.list_deployment_for_all_namespaces,
         apps.list_replica_set_for_all_namespaces]
for f in calls:
    cont = None
    while True:
        r = f(limit=500, _continue=cont) if cont else f(limit=500)
        n += len(r.items); cont = r.metadata._continue
        if not cont: break
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"ms": int((time.time() - t0) * 1000), "objects": n,
                  "cpuSeconds": round(ru.ru_utime + ru.ru_stime, 3), "maxRssKiB": ru.ru_maxrss}))
PY
)
echo "python client: $ref"
/usr/bin/python3 - "$ours" "$ref" "$nodes" "$pods" <<'PY' >> bench/RESULTS.md
import json, os, platform, sys, time
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
mbps = a["bytesIn"] / 1e6 / max(a["ms"] / 1000, 1e-3)
print("\n## sync — %s, %s, %d CPUs\n" % (time.strftime("%Y-%m-%d"), platform.processor() or platform.machine(), os.cpu_count()))
print("kubesim with %s nodes / %s pods (+ their ReplicaSets, Deployments, Services, ConfigMaps, Secrets),"
      " same machine, same run; reference: the official Python client listing the same 8 types (limit=500 pages).\n"
      % (sys.argv[3], sys.argv[4]))
print("| | kubilitics (core/kube) | python kubernetes client | ratio |")
print("|---|---|---|---|")
print("| time to full sync | %d ms | %d ms | %.2f× |" % (a["ms"], b["ms"], b["ms"] / max(a["ms"], 1)))
print("| CPU seconds | %.2f | %.2f | %.2f× |" % (a["cpuSeconds"], b["cpuSeconds"], b["cpuSeconds"] / max(a["cpuSeconds"], 1e-3)))
print("| peak RSS | %d MiB | %d MiB | %.2f× |" % (a["maxRssKiB"] // 1024, b["maxRssKiB"] // 1024, b["maxRssKiB"] / max(a["maxRssKiB"], 1)))
print("| JSON ingested | %.0f MB/s | | |" % mbps)
PY
tail -8 bench/RESULTS.md
