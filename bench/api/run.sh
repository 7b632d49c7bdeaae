#!/usr/bin/env bash
# bench/api/run.sh — the API under load (issue 6): wrk on a 500-item list page
# and on a namespace topology of a large kubesim cluster, and many WebSocket
# subscribers under churn. Reference in the same run: /healthz of the same
# server (the HTTP layer alone). Appends to bench/RESULTS.md under "## api".
#
#   BUILD=build bench/api/run.sh
#   NODES=5000 PODS=150000 CHURN=2000 CLIENTS=1000 SECS=10 (defaults)
#
# kubilitics is pinned to CPU 0 (one core: the loop is single-threaded),
# wrk and the load driver to the other CPUs, kubesim floats.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
NODES=${NODES:-5000}
PODS=${PODS:-150000}
CHURN=${CHURN:-2000}
CLIENTS=${CLIENTS:-1000}
SECS=${SECS:-10}
# RESULTS=FILE appends elsewhere (trial runs)
CONNS=${CONNS:-50}
tmp=$(mktemp -d /tmp/kb-bench-api.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || ulimit -n 4096
ncpu=$(nproc)
other="1-$((ncpu - 1))"
[ "$ncpu" -lt 2 ] && other=0

wait_line() { # file → URL from "listening on URL"
  for _ in $(seq 1 1200); do
    u=$(grep -o 'listening on http://[^ ]*' "$1" 2>/dev/null | head -1 | cut -d' ' -f3)
    [ -n "$u" ] && { echo "$u"; return 0; }
    sleep 0.5
  done
  return 1
}

echo "kubesim --nodes $NODES --pods $PODS --churn $CHURN (generation may take a while)"
"$BUILD/kubesim" --listen 127.0.0.1:0 --nodes "$NODES" --pods "$PODS" --churn "$CHURN" \
  --kubeconfig-out "$tmp/kc.yaml" >"$tmp/sim.out" 2>"$tmp/sim.err" &
pids+=($!)
sim=$(wait_line "$tmp/sim.out") || { echo "kubesim did not start"; tail "$tmp/sim.err"; exit 1; }
token=$(grep -o 'token: .*' "$tmp/kc.yaml" | head -1 | cut -d' ' -f2)
taskset -c 0 "$BUILD/kubilitics" serve --kubeconfig "$tmp/kc.yaml" --listen 127.0.0.1:0 \
  --data-dir "$tmp/data" --plugins plugins >"$tmp/kb.out" 2>"$tmp/kb.err" &
kbpid=$!
pids+=($kbpid)
kb=$(wait_line "$tmp/kb.out") || { echo "kubilitics did not start"; tail "$tmp/kb.err"; exit 1; }
cluster=$(curl -s "$kb/api/v1/clusters" | python3 -c 'import sys,json; print(json.load(sys.stdin)[0]["id"])')
echo "waiting for $cluster to sync"
t0=$(date +%s)
until curl -s "$kb/api/v1/clusters" | grep -q '"status":"connected"'; do
  sleep 1
  [ $(($(date +%s) - t0)) -gt 1200 ] && { echo "cluster did not sync"; exit 1; }
done
sync_s=$(($(date +%s) - t0))
objects=$(curl -s "$kb/api/v1/clusters" | python3 -c 'import sys,json; print(json.load(sys.stdin)[0]["objects"])')

# the namespace with the most pods, and a few more for the subscribers
read -r ns nspods nslist < <(python3 - "$kb" "$cluster" <<'EOF'
import json, sys, urllib.request
kb, c = sys.argv[1], sys.argv[2]
get = lambda p: json.load(urllib.request.urlopen(kb + "/api/v1/clusters/" + c + p))
nss = [i["name"] for i in get("/resources/namespaces?limit=5000")["items"]]
counts = sorted(((len(get("/resources/pods?limit=1&namespace=" + n)["items"]) +
                  get("/resources/pods?limit=1&namespace=" + n)["remaining"], n) for n in nss), reverse=True)
print(counts[0][1], counts[0][0], ",".join(n for _, n in counts[:20] if _ > 0))
EOF
)
echo "namespace $ns holds $nspods pods"

list="$kb/api/v1/clusters/$cluster/resources/pods?namespace=$ns&limit=500"
topo="$kb/api/v1/clusters/$cluster/topology?namespace=$ns"
bytes_list=$(curl -s "$list" | wc -c)
bytes_topo=$(curl -s "$topo" | wc -c)

cpu_of() { awk '{print $14 + $15}' "/proc/$kbpid/stat"; }
hz=$(getconf CLK_TCK)
run_wrk() { # url [wrk options…] → "req/s p99ms cpu_us_per_req"
  c0=$(cpu_of)
  out=$(taskset -c "$other" wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "${@:2}" "$1")
  c1=$(cpu_of)
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}')
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  cpu=$(python3 -c "print(round(($c1-$c0)/$hz*1e6/max(1,$reqs),1))")
  echo "$rps $p99 $cpu"
}
echo "wrk: /healthz (reference)"
read -r h_rps h_p99 h_cpu < <(run_wrk "$kb/healthz")
echo "wrk: list page ($bytes_list bytes)"
read -r l_rps l_p99 l_cpu < <(run_wrk "$list")
echo "wrk: namespace topology ($bytes_topo bytes)"
read -r t_rps t_p99 t_cpu < <(run_wrk "$topo")
echo "wrk: namespace topology with If-None-Match (304)"
etag=$(curl -si "$topo" | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r')
read -r e_rps e_p99 e_cpu < <(run_wrk "$topo" -H "If-None-Match: $etag")

echo "WebSocket: $CLIENTS clients over $(echo "$nslist" | tr ',' '\n' | wc -l) namespaces, churn $CHURN/s"
ws=$(taskset -c "$other" python3 bench/api/wsload.py --url "$kb" --sim "$sim" --token "$token" --cluster "$cluster" \
  --clients "$CLIENTS" --namespaces "$nslist" --probes 200 2>"$tmp/wsload.err" | tail -1)
echo "$ws"
[ -z "$ws" ] && { tail "$tmp/wsload.err"; ws='{}'; }
wsf() { echo "$ws" | python3 -c "import sys,json; d=json.load(sys.stdin); print(round(d.get('$1', -1), ${2:-1}))"; }

machine="$(uname -sr), $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
{
  echo
  echo "## api"
  echo
  echo "### $(date -u +%Y-%m-%dT%H:%MZ) — $machine"
  echo "kubesim --nodes $NODES --pods $PODS --churn $CHURN ($objects objects in kubilitics' store, synced in ${sync_s}s);"
  echo "kubilitics pinned to CPU 0, wrk -t1 -c$CONNS -d${SECS}s and the WebSocket driver on CPUs $other; the"
  echo "churn keeps running during every measurement. Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "| target | bytes | req/s | p99 ms | server CPU µs/req |"
  echo "|---|---:|---:|---:|---:|"
  echo "| /healthz (reference) | 15 | $h_rps | $h_p99 | $h_cpu |"
  echo "| pods list page, limit=500, namespace $ns ($nspods pods) | $bytes_list | $l_rps | $l_p99 | $l_cpu |"
  echo "| namespace topology ($ns) | $bytes_topo | $t_rps | $t_p99 | $t_cpu |"
  echo "| same, If-None-Match → 304 | 0 | $e_rps | $e_p99 | $e_cpu |"
  echo
  echo "Ratio list/healthz: $(python3 -c "print(round(${l_rps:-0}/max(1,${h_rps:-1}),2))")×. Targets: ≥ 20,000 list req/s on one core."
  echo
  echo "WebSocket: $CLIENTS clients; idle socket $(wsf bytes_per_idle_ws 0) bytes of server RSS each"
  echo "(subscribed: $(wsf bytes_per_subscribed_ws 0)); delivery latency of a change written to kubesim to each of its"
  echo "namespace's subscribers: p50 $(wsf latency_ms_p50) ms, p99 $(wsf latency_ms_p99) ms, max $(wsf latency_ms_max) ms over"
  echo "$(wsf deliveries 0) deliveries ($(wsf missed 0) missed). Targets: p99 ≤ 100 ms, ≤ 16 KiB per idle WebSocket."
} | tee -a "${RESULTS:-bench/RESULTS.md}"
